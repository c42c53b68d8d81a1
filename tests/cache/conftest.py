"""A recording stand-in for a cache's purge endpoint; a real Varnish in front of the live server.

Varnish missing is a skip on a developer's machine and a failure under
CI=true, where a skip would hide a gap.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import os
import socket
import threading

import pytest
from django_tasks_db.management.commands.db_worker import Worker

from editorial.purge import send
from editorial.varnish import Varnish, varnishd_path

IN_CI = os.environ.get("CI", "").lower() == "true"


class PurgeRecorder:
    """Answers PURGE like the VCL does and remembers the keys of each request.

    ``refuse()`` closes its port, as an unreachable cache would; ``accept()``
    opens it again on the same port.
    """

    def __init__(self) -> None:
        self.requests: list[list[str]] = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_PURGE(self):
                recorder.requests.append(self.headers.get("xkey-purge", "").split())
                self.send_response(200, "Purged")
                self.send_header("Purged-Objects", "0")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.handler = Handler
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self._serve()

    def _serve(self) -> None:
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def refuse(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def accept(self) -> None:
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), self.handler)
        self._serve()

    @property
    def keys(self) -> set[str]:
        return {key for request in self.requests for key in request}

    def close(self) -> None:
        self.refuse()


@pytest.fixture
def purge_recorder(settings):
    recorder = PurgeRecorder()
    settings.EDITORIAL_PURGE_URLS = [recorder.url]
    yield recorder
    recorder.close()


@pytest.fixture
def run_worker():
    """Run the tasks that are due, as the worker process does, then return."""

    def run(max_tasks: int | None = None) -> None:
        Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=max_tasks,
            worker_id="test-worker",
            excluded_queue_names=[],
        ).run()

    return run


# --- A real Varnish ------------------------------------------------------------------


@pytest.fixture(scope="session")
def _varnish(live_server):
    if varnishd_path() is None:
        reason = "Varnish is not installed (apt-get install varnish varnish-modules)"
        if IN_CI:
            pytest.fail(f"{reason}; under CI=true this is a failure, not a skip.")
        pytest.skip(reason)
    port = int(live_server.url.rsplit(":", 1)[1])
    varnish = Varnish(backend_port=port).start()
    yield varnish
    varnish.close()


@pytest.fixture
def varnish(_varnish, settings, transactional_db, django_db_serialized_rollback):
    """The real Varnish in front of the live server, emptied, and the app purging it."""
    if _varnish.process is None or _varnish.process.poll() is not None:
        _varnish.start()
    settings.EDITORIAL_PURGE_URLS = [_varnish.base + "/"]
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    # Test databases reuse ids: nothing from an earlier test may be served.
    send(_varnish.base + "/", ["site"])
    return _varnish


def fetch(base: str, path: str, *, cookie: str = "", method: str = "GET"):
    """(status, headers, body) of a request through ``base``."""
    connection = http.client.HTTPConnection(base.split("//", 1)[1], timeout=30)
    try:
        headers = {"Cookie": cookie} if cookie else {}
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        connection.close()


class Forwarder:
    """A TCP path from the app to a cache that can be cut and restored.

    Cut, the cache is unreachable for the app's purges while it goes on
    serving readers what it holds: the case a retry exists for.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.listener = None
        self.restore()

    def restore(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def cut(self) -> None:
        # shutdown wakes the thread blocked in accept(); close alone would not.
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()

    def _accept(self, listener) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source, sink) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.close()


@pytest.fixture(autouse=True)
def _purges_wait_for_the_worker(tasks_wait):
    """Purge tasks stay queued until a test runs the worker: the first purge is
    the one sent after commit, and the retries are what these tests watch."""
