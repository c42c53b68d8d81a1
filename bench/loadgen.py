"""Load on loopback: wrk when installed (Debian's ``wrk`` package), else a small Python client.

Both answer the same question for one URL over a fixed time with a fixed
number of connections: requests per second, median and 99th-percentile
latency, and how many requests failed (connection errors or a status of
400 and above).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import statistics
import subprocess
import threading
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

# Every load asks for what readers' browsers ask for. The product and the
# floor answer uncompressed (compression is the front server's job); the
# shared cache stores and serves the gzipped copy.
ACCEPT_ENCODING = ("Accept-Encoding", "gzip")
WRK_SCRIPT = os.path.join(os.path.dirname(__file__), "wrk_report.lua")
# The Python client never sends more than this many requests per connection,
# whatever the duration: a bound on its memory and on a runaway run.
MAX_REQUESTS_PER_CONNECTION = 50_000


@dataclass
class Load:
    tool: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int

    def as_dict(self) -> dict:
        return asdict(self)


def available_tool(preferred: str = "auto") -> str:
    if preferred == "python":
        return "python"
    if shutil.which("wrk"):
        return "wrk"
    if preferred == "wrk":
        raise RuntimeError("wrk is not installed (apt-get install wrk), or use --loadgen python.")
    return "python"


def run(url: str, *, seconds: float, connections: int, tool: str = "auto") -> Load:
    tool = available_tool(tool)
    if tool == "wrk":
        return run_wrk(url, seconds=seconds, connections=connections)
    return run_python(url, seconds=seconds, connections=connections)


def run_wrk(url: str, *, seconds: float, connections: int) -> Load:
    duration = f"{max(seconds, 1):.0f}s"
    command = [
        "wrk",
        "--threads",
        "1",
        "--connections",
        str(connections),
        "--duration",
        duration,
        "--timeout",
        "10s",
        "--header",
        ": ".join(ACCEPT_ENCODING),
        "--script",
        WRK_SCRIPT,
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary: {done.stdout[-500:]} {done.stderr[-500:]}")
    data = json.loads(line.removeprefix("WRK_JSON "))
    elapsed = data["duration_us"] / 1e6
    return Load(
        tool="wrk",
        requests=data["requests"],
        seconds=round(elapsed, 3),
        rps=round(data["requests"] / elapsed, 1) if elapsed else 0.0,
        p50_ms=round(data["p50_us"] / 1000, 2),
        p99_ms=round(data["p99_us"] / 1000, 2),
        errors=data["errors"],
    )


def run_python(url: str, *, seconds: float, connections: int) -> Load:
    """Closed-loop client: each connection sends its next request when the last one is read."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    deadline = time.perf_counter() + seconds

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        mine = latencies[index]
        while time.perf_counter() < deadline and len(mine) < MAX_REQUESTS_PER_CONNECTION:
            started = time.perf_counter()
            try:
                conn.request(
                    "GET",
                    target,
                    headers={"Host": parts.netloc, ACCEPT_ENCODING[0]: ACCEPT_ENCODING[1]},
                )
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    errors[index] += 1
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                continue
            mine.append(time.perf_counter() - started)
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 30)
    elapsed = time.perf_counter() - started
    flat = sorted(t for per in latencies for t in per)
    count = len(flat)

    def percentile(q: float) -> float:
        if not flat:
            return 0.0
        return flat[min(count - 1, int(q * count))] * 1000

    return Load(
        tool="python",
        requests=count,
        seconds=round(elapsed, 3),
        rps=round(count / elapsed, 1) if elapsed else 0.0,
        p50_ms=round(statistics.median(flat) * 1000 if flat else 0.0, 2),
        p99_ms=round(percentile(0.99), 2),
        errors=sum(errors),
    )
