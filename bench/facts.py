"""What the benchmark's paths are filled with, read from the archive."""

from __future__ import annotations

from django.db import connection

from articles.models import Article, PublishedVersion
from bench import archive


def facts() -> dict:
    """What the load run's paths are filled with: a typical live article and its topic."""
    live = PublishedVersion.objects.filter(live_for__isnull=False).exclude(slug=archive.HEAVY_SLUG)
    total = live.count()
    # A live article in the middle of the archive, not the newest: no warm rows.
    version = live.order_by("id")[total // 2] if total else None
    many = None
    if version is not None:
        many = live.exclude(pk=version.pk).order_by("-id").values_list("slug", "references")[:200]
        many = max(many, key=lambda pair: len(pair[1]), default=(None, []))
    return {
        "vendor": connection.vendor,
        "articles": Article.objects.count(),
        "live_articles": total,
        "article_slug": version.slug if version else "no-live-article",
        "article_references": len(version.references) if version else 0,
        "article_slug_most_references": many[0] if many else None,
        "most_references": len(many[1]) if many else 0,
        "topic_slug": version.topic_slug if version else "no-topic",
        "search_term": (version.title.split()[-1].strip("?") if version else "health"),
        "heavy_article": Article.objects.filter(slug=archive.HEAVY_SLUG)
        .values_list("pk", flat=True)
        .first(),
    }


def fill(path: str, known: dict) -> str:
    return path.format(**{k: v for k, v in known.items() if isinstance(v, str | int)})
