"""The read API: live published versions only, cached, conditional, constant in queries."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from articles.models import Article
from articles.public import cache as page_cache
from articles.services import article_retract, article_revise, article_save_content

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(make_key, client_for):
    return client_for(make_key(["published:read"]))


def test_published_detail_shows_the_live_version(reader, approved_article, member):
    """The JSON carries the version, rendered HTML and Markdown, references and credentials."""
    response = reader.get(f"/api/v1/published/{approved_article.slug}/")
    assert response.status_code == 200
    data = response.json()
    assert data["version"] == 1
    assert "<p>" in data["body_html"]
    assert data["body_markdown"] == approved_article.body
    assert len(data["references"]) == 2
    assert data["reviewers"] == [
        {"name": member.name, "credentials": "MD, FAAD", "specialties": ["Dermatology"]}
    ]
    assert data["provenance"]["origin"] == "human"


def test_published_never_shows_unapproved_articles(reader, article, submitted_article):
    """A draft or a submission answers 404 by its address and is absent from the list."""
    assert reader.get(f"/api/v1/published/{article.slug}/").status_code == 404
    assert reader.get("/api/v1/published/").json()["count"] == 0


def test_published_shows_the_approved_text_during_a_revision(reader, approved_article, author):
    """While a revision is written, the API keeps serving the approved text."""
    article_revise(article=approved_article, by=author)
    Article.objects.filter(pk=approved_article.pk)  # the working copy changes below
    fresh = Article.objects.get(pk=approved_article.pk)
    fresh.body = "UNAPPROVED new text [1] [2]."

    article_save_content(article=fresh, by=author)
    body = reader.get(f"/api/v1/published/{approved_article.slug}/").content.decode()
    assert "UNAPPROVED" not in body


def test_published_retraction_is_never_stale(reader, approved_article, editor):
    """Right after a retraction the cached detail and list no longer show the article."""
    assert reader.get(f"/api/v1/published/{approved_article.slug}/").status_code == 200
    assert reader.get("/api/v1/published/").json()["count"] == 1
    article_retract(article=approved_article, by=editor, reason="Superseded guidance.")
    assert reader.get(f"/api/v1/published/{approved_article.slug}/").status_code == 404
    assert reader.get("/api/v1/published/").json()["count"] == 0


def test_published_detail_answers_304_to_its_etag(reader, approved_article):
    """A client holding the ETag gets 304 without a body."""
    first = reader.get(f"/api/v1/published/{approved_article.slug}/")
    assert first["Last-Modified"]
    again = reader.get(
        f"/api/v1/published/{approved_article.slug}/", HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert again.status_code == 304
    assert again.content == b""
    since = reader.get(
        f"/api/v1/published/{approved_article.slug}/",
        HTTP_IF_MODIFIED_SINCE=first["Last-Modified"],
    )
    assert since.status_code == 304


def test_published_list_filters_by_updated_since(reader, approved_article):
    """?updated_since= keeps only versions approved from that moment on."""
    assert reader.get("/api/v1/published/?updated_since=2000-01-01T00:00:00Z").json()["count"] == 1
    assert reader.get("/api/v1/published/?updated_since=2999-01-01").json()["count"] == 0
    response = reader.get("/api/v1/published/?updated_since=yesterday")
    assert response.status_code == 400
    assert "updated_since" in response.json()["error"]["fields"]


def test_published_needs_a_key_unless_enabled(client_for, approved_article, settings):
    """Anonymous reading is off by default and works once the publisher enables it."""
    anonymous = client_for(None)
    assert anonymous.get("/api/v1/published/").status_code == 401
    settings.API_ANONYMOUS_PUBLISHED_READ = True
    assert anonymous.get("/api/v1/published/").status_code == 200
    assert anonymous.get(f"/api/v1/published/{approved_article.slug}/").status_code == 200
    # Reading published articles never opens the drafts.
    assert anonymous.get("/api/v1/drafts/").status_code == 401


def test_published_list_and_detail_keep_constant_queries(
    reader, approved_article, django_assert_max_num_queries
):
    """The list and the detail cost a fixed number of queries, cached or not."""
    # Authentication (key) + throttle-free: list = key + generation + count + page.
    with django_assert_max_num_queries(5):
        reader.get("/api/v1/published/")
    with django_assert_max_num_queries(4):
        reader.get(f"/api/v1/published/{approved_article.slug}/")
    cache.clear()
    page_cache.forget_local()
    with django_assert_max_num_queries(4):
        reader.get(f"/api/v1/published/{approved_article.slug}/")


def test_a_session_opens_no_read_api_and_gets_no_cookie(
    client, editor, client_for, approved_article, settings
):
    """The read API knows its caller by the key alone, like the reader's pages skip the session."""
    client.force_login(editor)
    path = f"/api/v1/published/{approved_article.slug}/"

    refused = client.get(path)

    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "not_authenticated"
    assert not refused.cookies
    settings.API_ANONYMOUS_PUBLISHED_READ = True
    with_session = client.get(path)
    assert with_session.status_code == 200
    assert with_session.content == client_for(None).get(path).content
    assert not with_session.cookies
    # The editor's session is neither read nor lost by it.
    assert client.get("/admin/").status_code == 200


def test_an_anonymous_read_of_a_cached_article_costs_one_query(
    client_for, approved_article, settings, django_assert_num_queries
):
    """Which version is live: nothing else, not even a session lookup."""
    settings.API_ANONYMOUS_PUBLISHED_READ = True
    anonymous = client_for(None)
    path = f"/api/v1/published/{approved_article.slug}/"
    anonymous.get(path)

    with django_assert_num_queries(1):
        response = anonymous.get(path)

    assert response.status_code == 200
