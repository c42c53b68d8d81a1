"""A local webhook receiver (http.server on 127.0.0.1) and a verifier from the README recipe."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """Records every POST; answers with ``status`` (a list is used in turn)."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.status: int | list[int] = 204
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.received.append({"headers": dict(self.headers), "body": body})
                status = receiver.status
                if isinstance(status, list):
                    status = status.pop(0) if len(status) > 1 else status[0]
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def verify(secret: str, headers: dict, body: bytes, *, tolerance: int = 300) -> bool:
    """Written from the README's "Verifying a webhook" steps only."""
    timestamp = headers.get("Editorial-Timestamp", "")
    signature = headers.get("Editorial-Signature", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    signed = timestamp.encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(signature, f"v1={expected}")
