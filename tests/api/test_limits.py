"""Limits and errors: rate, size, malformed bodies, unknown addresses, all in JSON."""

from __future__ import annotations

import pickle

import pytest
from django.core.cache import cache

from api.throttling import KeyRateThrottle
from articles.models import Article
from articles.public import ratelimit
from tests.api.conftest import draft_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, held 15 s into a minute until a test moves it.

    The limit counts per period, so a test that read the real clock could
    see its requests split across two periods when it ran over a minute's end.
    """
    now = [6_000_000.0 + 15]
    monkeypatch.setattr(KeyRateThrottle, "timer", lambda self: now[0])
    return now


def test_rate_limit_answers_429_with_retry_after(make_key, client_for, settings, clock):
    """Past the key's rate, requests get 429 and a Retry-After header."""
    settings.API_RATE_LIMIT = "3/min"
    client = client_for(make_key())
    codes = [client.get("/api/v1/drafts/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/v1/drafts/")
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"]["status"] == 429


def test_rate_limit_is_per_key(make_key, client_for, settings, clock):
    """One busy key does not slow another."""
    settings.API_RATE_LIMIT = "1/min"
    first, second = client_for(make_key()), client_for(make_key())
    assert first.get("/api/v1/drafts/").status_code == 200
    assert first.get("/api/v1/drafts/").status_code == 429
    assert second.get("/api/v1/drafts/").status_code == 200


def test_a_reader_without_a_key_cannot_dodge_the_limit_with_a_made_up_forwarded_for(
    client_for, settings, approved_article, clock
):
    """Without a key the limit is per address, read as the login lockouts read it.

    (It used to be keyed by whatever X-Forwarded-For the client sent, so a new
    made-up header on each request meant a new allowance each time.)
    """
    settings.API_ANONYMOUS_PUBLISHED_READ = True
    settings.API_ANONYMOUS_RATE_LIMIT = "2/min"
    settings.EDITORIAL_TRUSTED_PROXIES = 0
    reader = client_for(None)
    path = f"/api/v1/published/{approved_article.slug}/"
    remembered = ratelimit._client_ip
    remembered.cache_clear()
    codes = [reader.get(path, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(3)]
    assert codes == [200, 200, 429]
    # The header is not read here, so changing it costs no new look-up either.
    assert remembered.cache_info().currsize == 1


def test_behind_a_trusted_proxy_each_reader_has_their_own_allowance(
    client_for, settings, approved_article, clock
):
    """The proxy's last entry names the reader; what the reader wrote before it does not count."""
    settings.API_ANONYMOUS_PUBLISHED_READ = True
    settings.API_ANONYMOUS_RATE_LIMIT = "1/min"
    settings.EDITORIAL_TRUSTED_PROXIES = 1
    proxy = client_for(None)
    path = f"/api/v1/published/{approved_article.slug}/"

    assert proxy.get(path, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 200
    assert proxy.get(path, HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 200
    forged = "192.0.2.99, 198.51.100.7"
    assert proxy.get(path, HTTP_X_FORWARDED_FOR=forged).status_code == 429


def test_a_window_ends_and_retry_after_says_when(make_key, client_for, settings, clock):
    """The limit counts requests per window; Retry-After is the wait until the next one."""
    settings.API_RATE_LIMIT = "2/min"
    client = client_for(make_key())

    assert [client.get("/api/v1/drafts/").status_code for _ in range(3)] == [200, 200, 429]
    clock[0] += 10
    refused = client.get("/api/v1/drafts/")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "35"
    clock[0] += 35
    assert client.get("/api/v1/drafts/").status_code == 200


def test_a_busy_key_costs_one_small_counter(make_key, client_for, settings, clock):
    """However many requests a generous limit lets through, the cache holds one number per key.

    (Django REST framework's own throttle keeps every request's time of the
    last window: a key allowed 10,000 a minute meant 10,000 floats read and
    written back on each request.)
    """
    settings.API_RATE_LIMIT = "10000/min"
    client = client_for(make_key())
    for _ in range(300):
        assert client.get("/api/v1/drafts/").status_code == 200

    # The test settings' cache is local memory: its entries, as stored.
    entries = [pickle.loads(value) for key, value in cache._cache.items() if "throttle" in key]
    assert len(entries) == 1
    assert entries == [300]


def test_body_too_large_is_refused_with_413(api, topic, settings):
    """A body over the limit is refused before it is parsed; nothing is created."""
    settings.API_MAX_BODY_BYTES = 1000
    body = draft_body(topic, body="Long text [1]. " * 200)
    response = api.post("/api/v1/drafts/", body, format="json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"
    assert not Article.objects.exists()


def test_malformed_json_gets_a_json_error(api):
    """A body that is not JSON gets a 400 that says so, as JSON."""
    response = api.post("/api/v1/drafts/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["message"]


def test_wrong_types_get_field_messages(api, topic):
    """Each wrong field is named with its own message."""
    body = draft_body(topic, title=["a list"], references="none")
    body["topic"] = "no-such-topic"
    fields = api.post("/api/v1/drafts/", body, format="json").json()["error"]["fields"]
    assert {"title", "references", "topic"} <= set(fields)


def test_unknown_address_under_api_is_a_json_404(api):
    """An address that names no endpoint answers JSON, not the site's HTML page."""
    response = api.patch("/api/v1/nothing-here/", {}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_schema_is_served(client):
    """The OpenAPI 3 schema is public at /api/v1/schema/."""
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/drafts/" in schema["paths"]
