"""Reads for the public site: published versions only, never the working copy."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from articles.models import PublishedVersion


def live_versions() -> QuerySet[PublishedVersion]:
    """The one source of everything readers see: each article's live version.

    A version is live while its article points at it; a retraction or a newer
    approval moves the pointer, so superseded and retracted versions drop out.
    """
    return PublishedVersion.objects.filter(live_for__isnull=False)


def live_version_by_slug(slug: str) -> PublishedVersion:
    try:
        return live_versions().get(slug=slug)
    except PublishedVersion.DoesNotExist:
        raise Http404("No published article at this address.") from None


# Fields a list of articles shows; the rendered body, its source and the
# references stay in the database until a reader opens the article.
LISTING_FIELDS = (
    "title",
    "slug",
    "summary",
    "topic_name",
    "topic_slug",
    "reviewers",
    "approved_at",
)


def live_version_listing(limit: int = 200) -> QuerySet[PublishedVersion]:
    """The newest live versions with only what a list of articles shows, in one query."""
    return live_versions().only(*LISTING_FIELDS).order_by("-approved_at", "-id")[:limit]


@dataclass(frozen=True)
class TopicGroup:
    name: str
    slug: str
    versions: list[PublishedVersion]


def group_by_topic(versions: Iterable[PublishedVersion]) -> list[TopicGroup]:
    """Group already fetched versions by their topic, topics in name order.

    Works on the versions in memory, so grouping costs no query; each group
    keeps the order the versions came in.
    """
    groups: dict[str, TopicGroup] = {}
    for version in versions:
        group = groups.get(version.topic_slug)
        if group is None:
            group = groups[version.topic_slug] = TopicGroup(
                name=version.topic_name, slug=version.topic_slug, versions=[]
            )
        group.versions.append(version)
    return sorted(groups.values(), key=lambda group: group.name.casefold())
