"""Reused PostgreSQL connections: checked without a trip to the server, replaced
when dead, and planning the public pages' hot queries once, not on every request."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import connection as default_connection
from django.db import connections
from django.urls import reverse

from articles.services import article_retract
from editorial.postgresql.base import HOT_CURSOR_ONLY

connection = connections["default"]

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        default_connection.vendor != "postgresql", reason="the health check is PostgreSQL's"
    ),
]


def _new_request() -> None:
    """What Django does between two requests on a persistent connection."""
    connection.health_check_done = False
    connection.close_if_health_check_failed()


def _fail_on_round_trip(self):
    raise AssertionError("the health check went to the server")


def test_a_healthy_idle_connection_is_kept_without_a_query(monkeypatch):
    connection.ensure_connection()
    before = connection.connection
    monkeypatch.setattr(type(connection), "is_usable", _fail_on_round_trip)

    _new_request()

    assert connection.connection is before


def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it():
    """A restart or pg_terminate_backend between requests costs the reader nothing."""
    assert connection.health_check_enabled
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.2)

    _new_request()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (new_pid,) = cursor.fetchone()

    assert new_pid != pid


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_the_article_page_plans_its_query_once_per_connection(client, approved_article, editor):
    """The live-version lookup is prepared on the first request and reused after it,
    and still sees a retraction on the very next request."""
    url = reverse("articles:detail", args=[approved_article.slug])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200

    statements = [s for s in _prepared_statements() if "articles_publishedversion" in s]
    assert len(statements) == 1, statements
    assert "$1" in statements[0]  # the slug is bound, not written into the text

    article_retract(article=approved_article, by=editor, reason="Withdrawn for checking.")

    assert client.get(url).status_code == 410  # the retraction notice
    assert len([s for s in _prepared_statements() if "articles_publishedversion" in s]) == 1


@pytest.mark.django_db
def test_prepared_statements_can_be_turned_off_for_a_pooler(
    client, approved_article, settings, monkeypatch
):
    """DB_PREPARED_STATEMENTS=0: new connections prepare nothing; the page is the same."""
    settings.DB_PREPARED_STATEMENTS = False
    fresh = connection.get_new_connection(connection.get_connection_params())
    try:
        assert fresh.prepare_threshold is None
    finally:
        fresh.close()
    monkeypatch.setattr(connection.connection, "prepare_threshold", None)
    before = _prepared_statements()

    response = client.get(reverse("articles:detail", args=[approved_article.slug]))

    assert response.status_code == 200
    assert approved_article.title in response.content.decode()
    assert _prepared_statements() == before


def test_without_the_prepared_cursor_a_connection_keeps_djangos_settings(settings):
    """``prepared_cursor`` switched off (for the benchmark): a new connection prepares
    nothing of the backend's own, so the hot queries take Django's cursor."""
    params = connection.get_connection_params()
    with_trick = connection.get_new_connection(params)
    settings.EDITORIAL_SPEED_TRICKS_OFF = frozenset({"prepared_cursor"})
    without_trick = connection.get_new_connection(params)
    try:
        assert with_trick.prepare_threshold == HOT_CURSOR_ONLY
        assert without_trick.prepare_threshold is None
    finally:
        with_trick.close()
        without_trick.close()
