"""The article's trail in the admin: what happened to it, in order, and who did it."""

from __future__ import annotations

from django.urls import URLPattern

from articles.models import Article


def timeline_urls(model_admin) -> list[URLPattern]:
    """Admin URLs for the trail's own pages, mounted under the article admin."""
    return []


def timeline_context(request, article: Article) -> dict:
    """What the trail section of an article's admin page shows."""
    return {"wf_audit": article.audit_entries.select_related("by")}
