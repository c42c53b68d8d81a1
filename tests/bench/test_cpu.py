"""The benchmark's server CPU per request counts a server's whole process tree, and only it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench import cpu

pytestmark = pytest.mark.skipif(not cpu.available(), reason="/proc is Linux's")


def spin(seconds: float) -> str:
    """Python that waits for a line on stdin, uses ``seconds`` of CPU, says so, and waits."""
    return (
        "import sys, time\n"
        "sys.stdin.readline()\n"
        f"end = time.process_time() + {seconds}\n"
        "while time.process_time() < end: pass\n"
        "print('spun', flush=True)\n"
        "sys.stdin.readline()\n"
    )


def start(code: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


def test_a_servers_worker_counts_and_a_stranger_does_not():
    """A worker under the server's root counts, even once it has ended; another process does not."""
    # A stand-in server: its worker spins 0.4 s, ends and is waited for.
    server = start(
        "import subprocess, sys\n"
        "sys.stdin.readline()\n"
        f"subprocess.run([sys.executable, '-c', {spin(0.4)!r}],\n"
        "               input='go\\nend\\n', text=True, stdout=subprocess.DEVNULL)\n"
        "print('worker done', flush=True)\n"
        "sys.stdin.readline()\n"
    )
    stranger = start(spin(1.0))
    try:
        before = cpu.snapshot([server.pid])
        for process in (server, stranger):
            process.stdin.write("go\n")
            process.stdin.flush()
        assert server.stdout.readline().strip() == "worker done"
        assert stranger.stdout.readline().strip() == "spun"
        after = cpu.snapshot([server.pid])
        used = cpu.seconds_between(before, after)
        # The worker's 0.4 s and its start, not the stranger's whole second.
        assert used is not None and 0.35 <= used < 0.95, used
        assert stranger.pid not in after
    finally:
        for process in (server, stranger):
            process.communicate("end\n", timeout=30)
