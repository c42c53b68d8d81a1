"""A Varnish in front of the app, started and stopped: ``make run-cached``, tests, benchmark.

``python -m editorial.varnish --port 8080 --backend-port 8000 -- <app command>``
runs the app command and a varnishd (foreground, its own working folder,
deploy/varnish/editorial.vcl with the backend's port filled in) side by
side; Ctrl-C, or either of them exiting, stops both.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VCL = ROOT / "deploy" / "varnish" / "editorial.vcl"
BACKEND_PORT_LINE = re.compile(r'(backend default \{[^}]*?\.port = ")\d+(";)', re.S)
BACKEND_HOST_LINE = re.compile(r'(backend default \{[^}]*?\.host = ")[^"]+(";)', re.S)


class VarnishMissing(RuntimeError):
    pass


def varnishd_path() -> str | None:
    return shutil.which("varnishd") or next(
        (p for p in ("/usr/sbin/varnishd", "/usr/local/sbin/varnishd") if os.path.exists(p)), None
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def vcl_for(backend_port: int, backend_host: str = "127.0.0.1", source: Path = VCL) -> str:
    """The repository's VCL with the backend's address filled in."""
    text = source.read_text()
    text, found = BACKEND_PORT_LINE.subn(rf"\g<1>{backend_port}\g<2>", text)
    if found != 1:
        raise ValueError(f"{source} has no backend default port to fill in.")
    return BACKEND_HOST_LINE.sub(rf"\g<1>{backend_host}\g<2>", text)


class Varnish:
    """One varnishd on 127.0.0.1:``port`` in front of 127.0.0.1:``backend_port``."""

    def __init__(
        self,
        *,
        backend_port: int,
        port: int | None = None,
        storage: str = "malloc,256m",
        workdir: str | None = None,
        log=None,
    ) -> None:
        binary = varnishd_path()
        if binary is None:
            raise VarnishMissing(
                "varnishd is not installed: apt-get install varnish varnish-modules"
            )
        self.binary = binary
        self.backend_port = backend_port
        self.port = port or free_port()
        self.storage = storage
        self.own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="editorial-varnish-"))
        self.log = log
        self.process: subprocess.Popen | None = None
        self.base = f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        vcl = self.workdir / "editorial.vcl"
        vcl.write_text(vcl_for(self.backend_port))
        return [
            self.binary,
            "-F",
            "-n",
            str(self.workdir / "instance"),
            "-a",
            f"127.0.0.1:{self.port}",
            "-f",
            str(vcl),
            "-s",
            self.storage,
            # No management port and no privilege separation: a local instance
            # its starter stops, whoever that is.
            "-T",
            "none",
            "-j",
            "none",
        ]

    def start(self, timeout: float = 30) -> Varnish:
        self.process = subprocess.Popen(
            self.command(),
            stdout=self.log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT if self.log else subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"varnishd exited with {self.process.returncode}")
            if self.answers():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"varnishd did not answer on port {self.port} within {timeout} s")

    def answers(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
        try:
            # A purge without keys is refused at once, without asking the app.
            connection.request("PURGE", "/")
            connection.getresponse().read()
            return True
        except OSError:
            return False
        finally:
            connection.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.process = None

    def close(self) -> None:
        self.stop()
        if self.own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Varnish:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m editorial.varnish", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("CACHE_PORT", "8080")))
    parser.add_argument("--backend-port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("app", nargs=argparse.REMAINDER, help="The app's command, after --.")
    args = parser.parse_args(argv)
    command = args.app[1:] if args.app[:1] == ["--"] else args.app
    if not command:
        parser.error("give the app's command after --")
    try:
        varnish = Varnish(backend_port=args.backend_port, port=args.port, log=sys.stderr)
    except VarnishMissing as error:
        print(error, file=sys.stderr)
        return 1
    app = subprocess.Popen(command, start_new_session=True)
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        varnish.start()
        print(
            f"\nEditorial through Varnish: http://127.0.0.1:{args.port}/ "
            f"(the app itself: http://127.0.0.1:{args.backend_port}/). Ctrl-C stops both.\n",
            file=sys.stderr,
            flush=True,
        )
        while not stopping and app.poll() is None and varnish.process.poll() is None:
            time.sleep(0.2)
    finally:
        # Both are told at once; then each is waited for.
        if app.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(app.pid, signal.SIGINT)
        varnish.close()
        if app.poll() is None:
            try:
                app.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(app.pid, signal.SIGKILL)
                app.wait(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
