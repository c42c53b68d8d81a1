"""Django's PostgreSQL backend, with a health check that costs no round trip.

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
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
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
