"""Django's PostgreSQL backend: a health check that costs no round trip, and
prepared statements for the public pages' hot queries.

With CONN_HEALTH_CHECKS, Django sends ``SELECT 1`` before the first query of
every request that reuses a connection: on a page that runs one indexed
query, that doubles the trips to the server. A connection idle between
requests has nothing to read, unless the server wrote to it: when it shuts
down or ends the session (a restart, ``pg_terminate_backend``, an idle
timeout) it sends its last message and closes the socket. So the check here
asks the socket, without waiting, whether anything arrived; if so, or if
libpq already knows the connection is bad, the connection is closed and the
request opens a new one. After an error in a request, Django's own
``is_usable`` (the round trip) still decides whether to keep it.

Every public page asks the database one or two small questions (which
version is live at this address; which live set the site shows). Their
execution takes microseconds; planning them takes several times as long.
``fetch_one_prepared`` runs those few queries on a cursor that binds parameters
on the server and has it keep each statement prepared for the life of the
connection, so each is planned once per connection rather than once per
request. Everything else keeps Django's client-side binding, and Django's
default of no prepared statements. Set ``DB_PREPARED_STATEMENTS=0`` behind
a pooler in transaction mode that does not track prepared statements
(PgBouncer before 1.21, or without ``max_prepared_statements``).

The prepared cursor is a measured speed trick (articles/public/fastpath.py
names its benchmark row): with ``prepared_cursor`` in
EDITORIAL_SPEED_TRICKS_OFF the hot queries run on Django's own cursor, and
the settings turn on psycopg's own preparing instead (``server_side_binding``
and ``prepare_threshold`` in the database OPTIONS). The health check has no
switch: nothing stock does it without a round trip.

Private names of Django's backend this leans on (Django is pinned below
5.3): ``base.ServerBindingCursor``, ``base.TIMESTAMPTZ_OID``,
``base.register_tzloader``, ``DatabaseWrapper._prepare_cursor``, and the
``health_check_enabled``/``health_check_done`` attributes.
"""

from __future__ import annotations

import select
import sys

from django.conf import settings
from django.db.backends.postgresql import base
from django.utils.asyncio import async_unsafe
from psycopg import pq
from psycopg.pq import Format

# The prepare threshold of a connection set up for the prepared cursor: never
# reached, so psycopg prepares what that cursor asks it to and nothing else.
HOT_CURSOR_ONLY = sys.maxsize


class PreparingCursor(base.ServerBindingCursor):
    """Binds on the server, prepares each statement on its first run, and takes
    results in binary (no text to parse for a timestamp)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(
            query,
            params,
            prepare=True if prepare is None else prepare,
            binary=True if binary is None else binary,
        )


class DatabaseWrapper(base.DatabaseWrapper):
    _hot_cursor: PreparingCursor | None = None

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if (
            connection.prepare_threshold is None
            and settings.DB_PREPARED_STATEMENTS
            and "prepared_cursor" not in settings.EDITORIAL_SPEED_TRICKS_OFF
        ):
            # Django leaves psycopg's automatic preparing off (no threshold),
            # which also refuses an explicit request. Its own cursors bind on
            # the client and never prepare; with a threshold never reached,
            # only ``PreparingCursor`` does.
            connection.prepare_threshold = HOT_CURSOR_ONLY
        return connection

    @async_unsafe
    def fetch_one_prepared(self, sql: str, params=()) -> tuple | None:
        """The first row of a hot query with a fixed text, prepared once per connection.

        The connection keeps one cursor for these queries: they run one at a
        time and read one row. Django's wrapper around it still counts and
        logs the query where queries are logged (tests, DEBUG).
        """
        self.close_if_health_check_failed()
        self.ensure_connection()
        if self.connection.prepare_threshold != HOT_CURSOR_ONLY:
            # DB_PREPARED_STATEMENTS=0, or the trick switched off: Django's cursor.
            with self.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchone()
        raw = self._hot_cursor
        if raw is None or raw.connection is not self.connection or raw.closed:
            with self.wrap_database_errors:
                raw = PreparingCursor(self.connection)
            # As Django's own cursors: read timestamps in the connection's zone.
            tzloader = self.connection.adapters.get_loader(base.TIMESTAMPTZ_OID, Format.TEXT)
            if self.timezone != tzloader.timezone:
                base.register_tzloader(self.timezone, raw)
            self._hot_cursor = raw
        cursor = self._prepare_cursor(raw)
        cursor.execute(sql, params)
        return cursor.fetchone()

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is None
            or self.pool
            or not self.health_check_enabled
            or self.health_check_done
        ):
            return super().close_if_health_check_failed()
        if not self._idle_and_open():
            self.close()
        self.health_check_done = True

    def _idle_and_open(self) -> bool:
        connection = self.connection
        if connection.closed or connection.pgconn.status != pq.ConnStatus.OK:
            return False
        if connection.info.transaction_status != pq.TransactionStatus.IDLE:
            # Between requests a connection is idle; anything else is not
            # for this check to judge: ask the server.
            return self.is_usable()
        try:
            readable, _, _ = select.select([connection.pgconn.socket], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable
