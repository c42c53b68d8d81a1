"""What the app tells a shared cache: which responses it may keep, how long, under which keys."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from articles.models import PublishedVersion
from editorial.httpcache import SharedCacheMiddleware, cache_for_readers

pytestmark = pytest.mark.django_db


def surfaces(article) -> dict[str, str]:
    """Every public surface that can show ``article``, by name."""
    version = PublishedVersion.objects.get(pk=article.live_version_id)
    return {
        "article": version.get_absolute_url(),
        "home": reverse("articles:home"),
        "topic": reverse("articles:topic", kwargs={"slug": version.topic_slug}),
        "search": reverse("articles:search") + "?q=condition",
        "feed": reverse("articles:feed"),
        "sitemap": "/sitemap.xml",
        "board": reverse("articles:advisory_board"),
        "policy": reverse("articles:editorial_policy"),
    }


def keys_of(response) -> set[str]:
    return set(response.headers.get("xkey", "").split())


def test_public_surfaces_may_be_kept_by_a_shared_cache_while_browsers_revalidate(
    approved_article,
):
    """s-maxage for shared caches, max-age=0 for browsers; grace in the shared-only header."""
    for name, path in surfaces(approved_article).items():
        response = Client().get(path)

        assert response.status_code == 200, name
        cache_control = response.headers["Cache-Control"]
        assert "public" in cache_control, name
        assert "max-age=0" in cache_control and "s-maxage=3600" in cache_control, name
        assert "stale-while-revalidate" not in cache_control, name
        shared = response.headers["CDN-Cache-Control"]
        assert "stale-while-revalidate=30" in shared and "stale-if-error=86400" in shared, name
        assert not response.cookies, name


def test_each_surface_names_what_it_shows_in_its_keys(approved_article):
    """The article and its live version, the live set, the topic, the board, the page."""
    article = approved_article
    version = article.live_version_id
    expected = {
        "article": {
            f"article-{article.pk}",
            f"version-{version}",
            f"slug-{article.slug}",
            "live-set",
        },
        "home": {"live-set"},
        "topic": {"live-set", f"topic-{article.topic.slug}"},
        "search": {"live-set", "search"},
        "feed": {"live-set"},
        "sitemap": {"live-set"},
        "board": {"board", "live-set"},
        "policy": {"page-editorial-policy"},
    }
    for name, path in surfaces(article).items():
        assert keys_of(Client().get(path)) == expected[name] | {"site"}, name


def test_a_revalidated_page_keeps_its_keys(approved_article):
    """A 304 carries the keys too, so a cache that revalidates still files the page right."""
    path = approved_article.get_absolute_url()
    etag = Client().get(path).headers["ETag"]

    response = Client().get(path, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert f"article-{approved_article.pk}" in keys_of(response)


def test_an_address_without_an_article_is_kept_under_that_address(db):
    """A "not found" may be cached, and an approval at that address purges it."""
    response = Client().get(reverse("articles:detail", kwargs={"slug": "not-yet-written"}))

    assert response.status_code == 404
    assert keys_of(response) == {"slug-not-yet-written", "site"}
    assert "s-maxage" in response.headers["Cache-Control"]


def test_the_article_page_varies_by_the_normalised_audience_header(approved_article):
    """The cache's header wins over the cookie, so one header tells the audiences apart."""
    path = approved_article.get_absolute_url()
    default = Client().get(path)
    professional = Client(HTTP_EDITORIAL_AUDIENCE="professional").get(path)
    cookie_only = Client()
    cookie_only.cookies["audience"] = "professional"
    header_wins = Client(HTTP_EDITORIAL_AUDIENCE="none")
    header_wins.cookies["audience"] = "professional"

    assert "Editorial-Audience" in default.headers["Vary"]
    assert professional.content == cookie_only.get(path).content
    assert professional.content != default.content
    assert header_wins.get(path).content == default.content


def test_an_article_due_for_review_is_kept_no_longer_than_until_it_is_overdue(approved_article):
    """The overdue note appears at midnight without any purge: the page's lifetime ends then."""
    today = timezone.localdate()
    # Versions are immutable to the application; the test moves the date underneath.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {PublishedVersion._meta.db_table} SET next_review_due = %s WHERE id = %s",
            [today, approved_article.live_version_id],
        )
    midnight = datetime.datetime.combine(
        today + datetime.timedelta(days=1), datetime.time(), tzinfo=timezone.get_default_timezone()
    )

    response = Client().get(approved_article.get_absolute_url())

    s_maxage = int(response.headers["Cache-Control"].split("s-maxage=")[1].split(",")[0])
    assert s_maxage <= min(3600, (midnight - timezone.now()).total_seconds() + 1)


def test_the_back_office_and_the_forms_are_never_shared(approved_article, editor):
    """Admin pages, the report form, its thanks and the audience switch say private."""
    signed_in = Client()
    signed_in.force_login(editor)
    responses = {
        "admin": signed_in.get(reverse("admin:index")),
        "admin login": Client().get(reverse("admin:login")),
        "report form": Client().get(
            reverse("articles:report", kwargs={"slug": approved_article.slug})
        ),
        "audience switch": Client().get(reverse("articles:set_audience") + "?audience=patient"),
    }
    for name, response in responses.items():
        assert "private" in response.headers.get("Cache-Control", ""), name
        assert "xkey" not in response.headers, name
        assert "CDN-Cache-Control" not in response.headers, name


def test_a_signed_in_reader_gets_the_same_shared_page(approved_article, editor):
    """A session is never read by a public page, so an editor's visit stays shareable."""
    client = Client()
    client.force_login(editor)

    response = client.get(approved_article.get_absolute_url())

    assert "s-maxage" in response.headers["Cache-Control"]
    assert response.content == Client().get(approved_article.get_absolute_url()).content
    assert not response.cookies


def _through_middleware(view) -> HttpResponse:
    request = RequestFactory().get("/anything/")
    return SharedCacheMiddleware(view)(request)


def test_a_marked_page_that_sets_a_cookie_is_not_shared():
    """Something personal in the response wins over the view's mark."""

    def view(request):
        cache_for_readers(request, "board")
        response = HttpResponse("hello")
        response.set_cookie("tracking", "1")
        return response

    response = _through_middleware(view)

    assert "private" in response.headers["Cache-Control"]
    assert "xkey" not in response.headers


def test_a_marked_page_that_asked_for_a_csrf_token_is_not_shared():
    def view(request):
        cache_for_readers(request, "board")
        get_token(request)
        return HttpResponse("form")

    response = _through_middleware(view)

    assert "private" in response.headers["Cache-Control"]
    assert "xkey" not in response.headers


def test_an_error_is_never_shared():
    def view(request):
        cache_for_readers(request, "board")
        return HttpResponse("oops", status=500)

    response = _through_middleware(view)

    assert "private" in response.headers["Cache-Control"]


def test_the_key_header_follows_the_cache_in_front(approved_article, settings):
    """Cloudflare's Cache-Tag takes commas; Fastly's Surrogate-Key spaces, as xkey does."""
    settings.EDITORIAL_SURROGATE_KEY_HEADER = "Cache-Tag"

    response = Client().get(reverse("articles:home"))

    assert response.headers["Cache-Tag"] == "live-set, site"
