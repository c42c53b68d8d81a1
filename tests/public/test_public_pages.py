"""The reader's pages skip the back office's middleware, and lose nothing by it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from articles.public import fastpath as public_pages

pytestmark = pytest.mark.django_db


def _marked_views(patterns, prefix="") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            names |= _marked_views(pattern.url_patterns, f"{prefix}{pattern.namespace or ''}:")
        elif isinstance(pattern, URLPattern) and getattr(pattern.callback, "public_page", False):
            names.add(f"{prefix}{pattern.name}")
    return names


def test_only_read_only_reader_pages_take_the_short_path():
    """A view that writes, uses the session or a CSRF token must never be marked."""
    assert _marked_views(get_resolver().url_patterns) == {
        "articles:home",
        "articles:detail",
        "articles:topic",
        "articles:search",
        "articles:feed",
        "articles:advisory_board",
        "articles:editorial_policy",
        "articles:corrections",
        "api:published-list",
        "api:published-detail",
    }


def _pages(article) -> list[str]:
    return [
        reverse("articles:home"),
        article.get_absolute_url(),
        reverse("articles:topic", kwargs={"slug": article.topic.slug}),
        reverse("articles:search") + "?q=condition",
        reverse("articles:feed"),
        reverse("articles:advisory_board"),
        reverse("articles:editorial_policy"),
        reverse("articles:corrections"),
    ]


def test_reader_pages_set_no_cookie_and_hold_no_token(published):
    for path in _pages(published):
        response = Client().get(path)

        assert response.status_code == 200, path
        assert not response.cookies, path
        assert b"csrfmiddlewaretoken" not in response.content, path


def test_a_signed_in_editor_reads_the_same_page_and_keeps_the_session(published, editor):
    """The session is neither read nor written by a public page, nor lost."""
    anonymous = Client().get(published.get_absolute_url())
    client = Client()
    client.force_login(editor)

    response = client.get(published.get_absolute_url())

    assert response.content == anonymous.content
    assert "sessionid" not in response.cookies
    assert client.get(reverse("admin:index")).status_code == 200


def test_writes_to_a_reader_page_take_the_full_stack_and_are_refused(published):
    """A POST is not a public page's: the CSRF check refuses it before any view runs."""
    strict = Client(enforce_csrf_checks=True)

    assert strict.post(published.get_absolute_url()).status_code == 403
    assert Client().post(published.get_absolute_url()).status_code == 405


def test_an_address_without_its_slash_is_still_redirected(published):
    """CommonMiddleware's trailing-slash redirect still applies to reader pages."""
    response = Client().get(published.get_absolute_url().rstrip("/"))

    assert response.status_code == 301
    assert response.url == published.get_absolute_url()


def test_made_up_addresses_cannot_grow_the_remembered_table(published, monkeypatch):
    """Addresses are remembered once resolved, up to a bound: a crawler of
    invented paths costs a 404 each and no more memory than the bound."""
    monkeypatch.setattr(public_pages, "REMEMBERED_ADDRESSES", 10)
    public_pages._matches.clear()
    client = Client()

    for number in range(25):
        assert client.get(f"/articles/no-such-article-{number}/").status_code == 404
        assert client.get(f"/made-up/{number}/").status_code == 404
        assert len(public_pages._matches) <= 10

    assert client.get(published.get_absolute_url()).status_code == 200
    assert client.get("/x" * 150).status_code == 404  # too long to remember
    assert ("/x" * 150, None) not in public_pages._matches
