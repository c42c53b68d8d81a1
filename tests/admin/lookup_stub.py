"""A local stand-in for Crossref and NCBI E-utilities, answering in their documented shapes.

Crossref's REST API answers ``GET /works/{doi}`` with ``{"status": "ok",
"message-type": "work", "message": {...}}`` (title and container-title are
lists, authors have given and family names, dates are "date-parts"), and a
plain-text 404 for an unknown DOI. E-utilities' ``esummary.fcgi?db=pubmed&
id=…&retmode=json`` answers ``{"header": …, "result": {"uids": [...], "<id>":
{...}}}``, with an ``error`` member in the entry of an unknown id. The
records below are made up for the tests.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CROSSREF_WORKS = {
    "10.1000/demo.milia.2019": {
        "DOI": "10.1000/demo.milia.2019",
        "type": "journal-article",
        "title": ["Milia in newborns: a prospective cohort of 412 infants"],
        "container-title": ["Journal of Paediatric Skin Care"],
        "author": [
            {"given": "Ingrid", "family": "Halvorsen", "sequence": "first"},
            {"given": "Tomás J.", "family": "Ferreira", "sequence": "additional"},
        ],
        "issued": {"date-parts": [[2019, 3, 14]]},
        "publisher": "Example Medical Press",
    },
    "10.1000/demo.sunscreen.2021": {
        "DOI": "10.1000/demo.sunscreen.2021",
        "type": "journal-article",
        "title": ["Sunscreen use in children under three: a practical review"],
        "container-title": ["Example Reviews in Dermatology"],
        "author": [{"given": "Aiko", "family": "Mori", "sequence": "first"}],
        "issued": {"date-parts": [[2021]]},
    },
}

PUBMED_SUMMARIES = {
    "31234567": {
        "uid": "31234567",
        "pubdate": "2020 Aug 12",
        "source": "Arch Dis Child",
        "fulljournalname": "Archives of disease in childhood",
        "authors": [
            {"name": "Okonkwo CE", "authtype": "Author", "clusterid": ""},
            {"name": "Lindgren P", "authtype": "Author", "clusterid": ""},
            {"name": "Paediatric Fever Study Group", "authtype": "CollectiveName"},
        ],
        "title": "Alternating paracetamol and ibuprofen for fever in children.",
        "articleids": [
            {"idtype": "pubmed", "idtypen": 1, "value": "31234567"},
            {"idtype": "doi", "idtypen": 3, "value": "10.1000/demo.fever.2020"},
        ],
    },
}


class Stub:
    """Counts requests, can be told to be slow or broken."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.user_agents: list[str] = []
        self.delay = 0.0
        self.status: int | None = None
        self.body: bytes | None = None


def _handler(stub: Stub):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep the test output clean
            pass

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            stub.requests.append(self.path)
            stub.user_agents.append(self.headers.get("User-Agent", ""))
            if stub.delay:
                time.sleep(stub.delay)
            if stub.status is not None:
                self._send(stub.status, stub.body or b"Internal error", "text/plain")
                return
            if stub.body is not None:
                self._send(200, stub.body, "application/json")
                return
            parsed = urllib.parse.urlsplit(self.path)
            if parsed.path.startswith("/crossref/works/"):
                doi = urllib.parse.unquote(parsed.path[len("/crossref/works/") :])
                work = CROSSREF_WORKS.get(doi.lower())
                if work is None:
                    self._send(404, b"Resource not found.", "text/plain")
                    return
                payload = {
                    "status": "ok",
                    "message-type": "work",
                    "message-version": "1.0.0",
                    "message": work,
                }
                self._send(200, json.dumps(payload).encode(), "application/json")
                return
            if parsed.path == "/eutils/esummary.fcgi":
                query = urllib.parse.parse_qs(parsed.query)
                pmid = query.get("id", [""])[0]
                entry = PUBMED_SUMMARIES.get(pmid) or {
                    "uid": pmid,
                    "error": "cannot get document summary",
                }
                payload = {
                    "header": {"type": "esummary", "version": "0.3"},
                    "result": {"uids": [pmid], pmid: entry},
                }
                self._send(200, json.dumps(payload).encode(), "application/json")
                return
            self._send(404, b"Not found", "text/plain")

    return Handler


class StubServer:
    """The stub on 127.0.0.1 and an ephemeral port, in a thread, until stopped."""

    def __init__(self) -> None:
        self.stub = Stub()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.stub))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> StubServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
