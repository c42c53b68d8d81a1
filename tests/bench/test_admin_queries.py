"""The editors' admin pages cost a number of queries that does not grow with the archive."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import Article
from bench.archive import HEAVY_SLUG, USER_PREFIX


def queries_for(client, url: str) -> int:
    client.get(url)  # warm: content types, permissions, templates
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def editor_client(client):
    editor = get_user_model().objects.get(username=f"{USER_PREFIX}editor-001")
    client.force_login(editor)
    return client


def test_changelist_queries_do_not_grow_with_the_archive(client, build_archive):
    """An editor's article list costs the same queries at 15 and at 75 articles, at most 15."""
    build_archive(15)
    url = reverse("admin:articles_article_changelist")
    small = queries_for(editor_client(client), url)

    build_archive(60, seed=8)
    assert Article.objects.count() == 75
    large = queries_for(client, url)

    assert large == small
    assert large <= 15


def test_change_page_queries_do_not_grow_with_references_or_revisions(client, build_archive):
    """A draft with 30 references and 200 revisions costs the queries a small draft does."""
    build_archive(30)
    heavy = Article.objects.get(slug=HEAVY_SLUG)
    small = (
        Article.objects.filter(state=heavy.state, live_version__isnull=False)
        .exclude(pk=heavy.pk)
        .first()
    )
    assert small is not None
    assert small.references.count() < 30 and small.history.count() < 200
    editor_client(client)

    heavy_queries = queries_for(client, reverse("admin:articles_article_change", args=[heavy.pk]))
    small_queries = queries_for(client, reverse("admin:articles_article_change", args=[small.pk]))

    assert heavy_queries == small_queries
