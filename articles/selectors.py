"""Reads for the public site: published versions only, never the working copy."""

from __future__ import annotations

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


def latest_live_versions(limit: int = 20) -> QuerySet[PublishedVersion]:
    return live_versions().order_by("-approved_at", "-id")[:limit]
