"""Reused PostgreSQL connections: checked without a trip to the server, replaced when dead."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import connection as default_connection
from django.db import connections

connection = connections["default"]

pytestmark = [
    pytest.mark.django_db(transaction=True),
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
