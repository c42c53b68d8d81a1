"""What the benchmark's paths are filled with, read from the archive."""

from __future__ import annotations

from django.db import connection

from articles.choices import ArticleState
from articles.models import Article, PublishedVersion
from articles.public.fastpath import UPDATE_IN_REVIEW_STATES
from bench import archive


def _middle(versions):
    """A live version in the middle of the archive, not the newest: no warm rows."""
    total = versions.count()
    return versions.order_by("id")[total // 2] if total else None


def facts() -> dict:
    """What the load run's paths are filled with: a typical live article and its topic,
    and a live article whose newer text is with the board."""
    live = PublishedVersion.objects.filter(live_for__isnull=False).exclude(slug=archive.HEAVY_SLUG)
    total = live.count()
    # Its working copy approved too, as most are: which one the middle is moves
    # with every run's approvals, and an article with the board costs more.
    version = _middle(live.filter(live_for__state=ArticleState.APPROVED))
    with_board = _middle(live.filter(live_for__state__in=UPDATE_IN_REVIEW_STATES))
    many = None
    if version is not None:
        many = live.exclude(pk=version.pk).order_by("-id").values_list("slug", "references")[:200]
        many = max(many, key=lambda pair: len(pair[1]), default=(None, []))
    return {
        "vendor": connection.vendor,
        "articles": Article.objects.count(),
        "live_articles": total,
        "article_slug": version.slug if version else "no-live-article",
        "article_with_board_slug": with_board.slug if with_board else "no-live-article",
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
