"""``python -m bench``: build an archive, serve it under gunicorn, load it, report.

For each database (SQLite always; PostgreSQL too when DATABASE_URL points at
one) the runner:

1. migrates a database of its own and builds the archive in it
   (``python -m bench.build_archive``; an archive already built is reused);
2. measures in one Django process (bench/inprocess.py): SQL queries per
   public page, the admin's article list and heavy change page, an approval
   with 30 references, history bytes per revision;
3. serves the product under gunicorn (sync workers, DEBUG off) and, beside
   it, the framework floor (bench/floor/: a constant page of the article
   page's size), and loads each target on loopback round by round, floor
   first, the targets' order rotating each round; each target's
   requests per second are divided by the floor's of the same round;
4. with ``--variants``, serves the product once more per speed trick with
   that trick switched off (``EDITORIAL_SPEED_TRICKS_OFF``), loads those
   servers' pages in the same rounds, and times the admin's pages in one
   process with and without each trick, so that every trick's figures stand
   beside the full product's (``variants`` in the results).

Targets come from bench/targets.json (name and path, with {article_slug},
{topic_slug} and {search_term} filled from the archive). A target that
answers 404 is reported as missing and not loaded; any other failure is
reported as an error. Results go to bench-results/<timestamp>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from bench import cpu, loadgen, variants
from bench.variants import without
from editorial.varnish import Varnish

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_TARGETS = Path(__file__).resolve().parent / "targets.json"
# The targets, shown beside the measured figures; the tool never fails on them.
GOALS = {
    "article_floor_ratio": 0.5,
    "listing_floor_ratio": 0.25,
    "changelist_ms": 300,
    "changelist_queries": 15,
    "change_page_ms": 300,
    "approval_ms_postgresql": 50,
    "cached_article_floor_ratio": 10,
    "cached_article_p99_ms": 5,
    "invisibility_p99_ms": 1000,
    "invisibility_max_ms": 2000,
}


# The load target served by Varnish in front of the product.
CACHED = "article-cached"


class Failure(Exception):
    pass


def log(message: str) -> None:
    print(message, flush=True)


# --- databases ----------------------------------------------------------------------


def databases(args) -> list[dict]:
    """The databases this run measures: SQLite, then PostgreSQL if DATABASE_URL names one."""
    found = []
    if "sqlite" in args.databases:
        folder = Path(args.data_dir)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"archive-{args.articles}.sqlite3"
        found.append({"vendor": "sqlite", "url": f"sqlite:///{path}", "name": str(path)})
    url = os.environ.get("DATABASE_URL", "")
    if "postgres" in args.databases and url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        base = parts.path.lstrip("/") or "editorial"
        name = f"{base}_{args.articles}" + ("_tiny" if args.tiny else "")
        found.append(
            {
                "vendor": "postgresql",
                "url": urlunsplit(parts._replace(path=f"/{name}")),
                "name": name,
                "admin_url": urlunsplit(parts._replace(path="/postgres")),
            }
        )
    return found


def ensure_postgres_database(db: dict) -> None:
    with psycopg.connect(db["admin_url"], autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [db["name"]]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{db["name"]}"')


def drop_database(db: dict) -> None:
    if db["vendor"] == "sqlite":
        Path(db["name"]).unlink(missing_ok=True)
        return
    with psycopg.connect(db["admin_url"], autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db["name"]}" WITH (FORCE)')


def env_for(db: dict, **extra) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": db["url"],
        "DJANGO_SETTINGS_MODULE": "editorial.settings",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        # The read API's article is loaded without a key, as a headless site
        # with anonymous reading enabled would, and without a rate limit.
        "API_ANONYMOUS_PUBLISHED_READ": "1",
        "API_ANONYMOUS_RATE_LIMIT": "1000000000/s",
    }
    env.update(extra)
    return env


def manage(db: dict, *args: str, timeout: float = 3600) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env_for(db),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        raise Failure(
            f"manage.py {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
        )
    return done.stdout


def prepare(db: dict, args) -> dict:
    if db["vendor"] == "postgresql":
        ensure_postgres_database(db)
    started = time.monotonic()
    manage(db, "migrate", "--noinput", "-v", "0")
    # The archive builder is the benchmark's own, not a command of the product.
    done = subprocess.run(
        [PYTHON, "-m", "bench.build_archive", "--articles", str(args.articles)],
        cwd=ROOT,
        env=env_for(db),
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if done.returncode:
        raise Failure(f"bench.build_archive failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
    built = done.stdout
    for line in built.splitlines():
        log(f"    {line}")
    return {"seconds": round(time.monotonic() - started, 1), "output": built}


def in_process(db: dict, args) -> dict:
    done = subprocess.run(
        [
            PYTHON,
            "-m",
            "bench.inprocess",
            "--targets",
            str(args.targets),
            "--repeat",
            str(args.repeat),
        ],
        cwd=ROOT,
        env=env_for(db),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if done.returncode:
        raise Failure(f"in-process measures failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


# --- with and without each speed trick ----------------------------------------------


def admin_timing(db: dict, args, trick: str | None) -> dict:
    """The admin's article list and heavy change page in a process of their own."""
    done = subprocess.run(
        [PYTHON, "-m", "bench.inprocess", "--admin-only", "--repeat", str(args.repeat)],
        cwd=ROOT,
        env=env_for(db, EDITORIAL_SPEED_TRICKS_OFF=trick or ""),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if done.returncode:
        raise Failure(f"admin timing {without(trick)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)["admin"]


def admin_variants(db: dict, args, tricks: list[str]) -> dict:
    """The admin's pages with every trick and without each, one process per run,
    in an order that rotates round by round as the load's does.

    ``vs_full`` pairs each run with the full product's run of the same round:
    the time without the trick over the time with it.
    """
    names = [None, *tricks]
    runs: dict[str, list[dict]] = {without(name): [] for name in names}
    errors: dict[str, str] = {}
    for number in range(args.rounds):
        shift = number % len(names)
        for trick in names[shift:] + names[:shift]:
            try:
                runs[without(trick)].append(admin_timing(db, args, trick))
            except (Failure, subprocess.TimeoutExpired, ValueError) as error:
                errors[without(trick)] = str(error)[:3000]
                runs[without(trick)].append({})
    summary = variants.summarise_admin(runs)
    for name, error in errors.items():
        summary[name]["error"] = error
    return summary


def start_variants(
    db: dict, args, tricks: list[str], targets: list[dict], log_dir: Path, servers: list
) -> tuple[list[dict], dict]:
    """One more product per trick loaded, that trick switched off, with the pages to load on it.

    Each page is fetched first: it must answer as the full product's does
    (same status and size), or it is reported and not loaded.
    """
    wanted = set(args.variant_pages) if args.variant_pages else None
    # The product's own pages (not the ceiling's or the cache's).
    pages = [
        t
        for t in targets
        if t["status"] == "ok" and "server" not in t and (wanted is None or t["name"] in wanted)
    ]
    loaded: list[dict] = []
    problems: dict = {}
    for trick in tricks:
        if trick in variants.ADMIN_ONLY:
            continue
        server = Server(
            f"product-{db['vendor']}-without-{trick}",
            "editorial.wsgi:application",
            env_for(db, EDITORIAL_SPEED_TRICKS_OFF=trick),
            args.workers,
            log_dir,
        )
        servers.append(server)
        server.wait_ready()
        for page in pages:
            code, size = fetch(server.base + page["path"])
            if code != page["http_status"] or size != page["bytes"]:
                problems.setdefault(trick, {})[page["name"]] = (
                    f"answered {code} with {size:,} bytes; the full product {page['http_status']} "
                    f"with {page['bytes']:,}"
                )
                continue
            loaded.append(
                {
                    "name": f"{page['name']} {without(trick)}",
                    "path": page["path"],
                    "status": "ok",
                    "server": server,
                    "page": page["name"],
                    "trick": trick,
                }
            )
    return loaded, problems


# --- servers ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn of ``app`` with sync workers on a free loopback port."""

    def __init__(self, name: str, app: str, env: dict, workers: int, log_dir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"gunicorn-{name}.log"
        command = [
            PYTHON,
            "-m",
            "gunicorn",
            app,
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ]
        self.log_file = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log_file, stderr=subprocess.STDOUT
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise Failure(f"gunicorn for {self.name} exited: {self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base + "/", timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # it answered
            except OSError:
                time.sleep(0.2)
        raise Failure(
            f"gunicorn for {self.name} did not answer within {timeout:.0f} s: {self.log_tail()}"
        )

    def log_tail(self) -> str:
        self.log_file.flush()
        return Path(self.log_path).read_text(errors="replace")[-1500:]

    def pids(self) -> list[int]:
        """The processes whose CPU is the server's (with their children)."""
        return [self.process.pid]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log_file.close()


def fetch(url: str) -> tuple[int, int]:
    """Status and body size of GET ``url``; status 0 when nothing came back in time."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, len(response.read())
    except urllib.error.HTTPError as error:
        return error.code, len(error.read())
    except OSError:
        return 0, 0


# --- the load -----------------------------------------------------------------------


def resolve_targets(targets: list[dict], facts: dict) -> list[dict]:
    values = {k: v for k, v in facts.items() if isinstance(v, str | int)}
    resolved = []
    for target in targets:
        try:
            path = target["path"].format(**values)
        except KeyError as error:
            path = None
            problem = f"unknown placeholder {error} in {target['path']}"
        resolved.append({**target, "path": path, **({"problem": problem} if path is None else {})})
    return resolved


def probe(server: Server, targets: list[dict]) -> list[dict]:
    """Each target's status and size: 404 is "missing", other failures an "error"."""
    for target in targets:
        if target.get("path") is None:
            target["status"] = "error"
            continue
        code, size = fetch(server.base + target["path"])
        target["http_status"], target["bytes"] = code, size
        if code == 200:
            target["status"] = "ok"
        elif code == 404:
            target["status"] = "missing"
        else:
            target["status"] = "error"
            target["problem"] = f"answered {code}" if code else "no answer within 60 s"
    return targets


def settle(server: Server, workers: int) -> None:
    """Wait until the requests a load left queued are answered.

    When wrk stops, requests it already sent are still queued at gunicorn; a
    slow page would otherwise eat into the next target's seconds. A cheap
    request per worker, sent after them, returns once they are done.
    """
    for _ in range(workers):
        fetch(server.base + "/bench-settle/")


def metered_load(server, url: str, args) -> dict:
    """One load of ``url``, with the CPU its server (and the database) used per request."""
    before = cpu.snapshot(server.pids())
    load = loadgen.run(
        url, seconds=args.seconds, connections=args.connections, tool=args.loadgen
    ).as_dict()
    used = cpu.seconds_between(before, cpu.snapshot(server.pids()))
    load["server_cpu_us"] = (
        round(used / load["requests"] * 1e6, 1) if used and load["requests"] else None
    )
    return load


def load_rounds(product: Server, floor: Server, targets: list[dict], args) -> dict:
    live = [t for t in targets if t["status"] == "ok"]
    rounds = []
    for number in range(args.rounds):
        shift = number % len(live) if live else 0
        order = live[shift:] + live[:shift]
        measured = {"floor": metered_load(floor, floor.base + "/", args)}
        settle(floor, args.workers)
        for target in order:
            server = target.get("server", product)
            load = metered_load(server, server.base + target["path"], args)
            settle(server, args.workers)
            floor_rps = measured["floor"]["rps"]
            load["ratio"] = round(load["rps"] / floor_rps, 3) if floor_rps else None
            floor_cpu = measured["floor"]["server_cpu_us"]
            if floor_cpu and load["server_cpu_us"]:
                load["cpu_ratio"] = round(floor_cpu / load["server_cpu_us"], 3)
            measured[target["name"]] = load
        rounds.append(measured)
        summary = "  ".join(
            f"{name} {m['rps']:.0f}/s" + (f" ({m['ratio']:.2f}x)" if "ratio" in m else "")
            for name, m in measured.items()
        )
        log(f"    round {number + 1}: {summary}")
    summary = {}
    for name in ["floor", *(t["name"] for t in live)]:
        per = [r[name] for r in rounds if name in r]
        if not per:
            continue
        summary[name] = {
            "rps_median": round(statistics.median(p["rps"] for p in per), 1),
            "p50_ms_median": round(statistics.median(p["p50_ms"] for p in per), 2),
            "p99_ms_median": round(statistics.median(p["p99_ms"] for p in per), 2),
            "errors": sum(p["errors"] for p in per),
        }
        ratios = [p["ratio"] for p in per if p.get("ratio") is not None]
        if ratios:
            summary[name]["ratios"] = ratios
            summary[name]["ratio_median"] = round(statistics.median(ratios), 3)
        cpu_us = [p["server_cpu_us"] for p in per if p.get("server_cpu_us")]
        if cpu_us:
            summary[name]["server_cpu_us_median"] = round(statistics.median(cpu_us), 1)
        cpu_ratios = [p["cpu_ratio"] for p in per if p.get("cpu_ratio") is not None]
        if cpu_ratios:
            summary[name]["cpu_ratio_median"] = round(statistics.median(cpu_ratios), 3)
    return {"rounds": rounds, "summary": summary}


# --- the cache in front --------------------------------------------------------------


class CachedServer:
    """Varnish (deploy/varnish/editorial.vcl) in front of the product."""

    def __init__(self, product: Server, port: int, log_dir: Path) -> None:
        self.log_file = open(log_dir / f"varnish-{product.name}.log", "w")  # noqa: SIM115
        self.varnish = Varnish(backend_port=product.port, port=port, log=self.log_file)
        self.base = self.varnish.base

    def start(self) -> None:
        self.varnish.start()

    def pids(self) -> list[int]:
        process = self.varnish.process
        return [process.pid] if process is not None else []

    def stop(self) -> None:
        self.varnish.close()
        self.log_file.close()


def time_to_invisibility(db: dict, cache: CachedServer, article_path: str, args) -> dict:
    """Retractions and approvals of different articles while readers load the cache."""
    stop = threading.Event()
    loads: list[dict] = []

    def readers() -> None:
        while not stop.is_set():
            loads.append(
                loadgen.run(
                    cache.base + article_path,
                    seconds=2,
                    connections=args.connections,
                    tool=args.loadgen,
                ).as_dict()
            )

    thread = threading.Thread(target=readers, daemon=True)
    thread.start()
    try:
        done = subprocess.run(
            [PYTHON, "-m", "bench.invisibility", "--cache", cache.base,
             "--count", str(args.invisibility)],
            cwd=ROOT,
            env=env_for(db, EDITORIAL_PURGE_URLS=cache.base + "/"),
            capture_output=True,
            text=True,
            timeout=3600,
        )  # fmt: skip
    finally:
        stop.set()
        thread.join(30)
    if done.returncode:
        raise Failure(f"time to invisibility failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["readers_rps_median"] = (
        round(statistics.median(load["rps"] for load in loads), 1) if loads else 0
    )
    return result


# --- one database ------------------------------------------------------------------


def measure_database(db: dict, args, log_dir: Path, floor_holder: dict) -> dict:
    result: dict = {"vendor": db["vendor"], "database": db["name"]}
    log(f"== {db['vendor']}: {db['name']}")
    log("  building the archive")
    result["build"] = {"seconds": prepare(db, args)["seconds"]}
    log("  measuring in-process (queries, admin, approval, history)")
    result["in_process"] = in_process(db, args)
    tricks = variants.variants_for(db["vendor"], args.variants)
    if tricks:
        log(f"  timing the admin in-process with every trick and without each: {', '.join(tricks)}")
        result["variants"] = {"tricks": tricks, "admin": admin_variants(db, args, tricks)}
    facts = result["in_process"]["facts"]
    targets = resolve_targets(json.loads(Path(args.targets).read_text()), facts)
    log(f"  starting the product under gunicorn ({args.workers} sync workers, DEBUG off)")
    cache_port = free_port() if args.cache else None
    product_env = env_for(db)
    if cache_port:
        product_env["EDITORIAL_PURGE_URLS"] = f"http://127.0.0.1:{cache_port}/"
    product = Server(
        f"product-{db['vendor']}", "editorial.wsgi:application", product_env, args.workers, log_dir
    )
    servers = [product]
    try:
        product.wait_ready()
        result["server_started"] = True
        probe(product, targets)
        result["targets"] = targets
        for target in targets:
            if target["status"] != "ok":
                log(f"    {target['name']}: {target['status']} ({target.get('path')})")
        floor = floor_holder.get("server")
        if floor is None:
            size = next(
                (t["bytes"] for t in targets if t.get("floor") and t["status"] == "ok"), 15000
            )
            log(f"  starting the framework floor ({size:,} bytes a page)")
            floor = Server(
                "floor",
                "bench.floor.wsgi:application",
                {**os.environ, "FLOOR_BYTES": str(size), "PYTHONPATH": str(ROOT),
                 "DJANGO_SETTINGS_MODULE": "bench.floor.settings"},
                args.workers,
                log_dir,
            )  # fmt: skip
            floor_holder["server"] = floor
            floor_holder["bytes"] = size
            floor.wait_ready()
        ceiling = None
        if args.ceiling:
            log("  starting the cached-page ceiling (the floor's page behind our middleware)")
            ceiling = Server(
                f"ceiling-{db['vendor']}",
                "bench.floor.wsgi:application",
                env_for(db, FLOOR_BYTES=str(floor_holder["bytes"]),
                        DJANGO_SETTINGS_MODULE="bench.floor.stack_settings"),
                args.workers,
                log_dir,
            )  # fmt: skip
            servers.append(ceiling)
            ceiling.wait_ready()
        log(
            f"  load: {args.rounds} rounds of {args.seconds} s per target, "
            f"{args.connections} connections"
        )
        if ceiling is not None:
            targets = [
                *targets,
                {"name": "ceiling", "path": "/", "status": "ok", "server": ceiling},
            ]
        loaded: list[dict] = []
        if tricks:
            log("  starting the product once more per trick, with that trick switched off")
            loaded, problems = start_variants(db, args, tricks, targets, log_dir, servers)
            if problems:
                result["variants"]["problems"] = problems
                for trick, pages in problems.items():
                    for page, problem in pages.items():
                        log(f"    {page} without {trick}: {problem}")
            targets = [*targets, *loaded]
        article = next((t for t in targets if t["name"] == "article" and t["status"] == "ok"), None)
        cache = None
        if cache_port and article is not None:
            log("  starting Varnish in front of the product (deploy/varnish/editorial.vcl)")
            try:
                cache = CachedServer(product, cache_port, log_dir)
                servers.append(cache)
                cache.start()
            except Exception as error:
                result["cache_error"] = f"{type(error).__name__}: {error}"
                log(f"    no cache: {error}")
                cache = None
        if cache is not None:
            code, _ = fetch(cache.base + article["path"])
            if code != 200:
                raise Failure(f"the article through the cache answered {code}")
            targets = [
                *targets,
                {"name": CACHED, "path": article["path"], "status": "ok", "server": cache},
            ]
        result["load"] = load_rounds(product, floor, targets, args)
        if loaded:
            result["variants"]["load"] = variants.compare_variants(result["load"], loaded)
        if cache is not None and args.invisibility:
            log(
                f"  time to invisibility: {args.invisibility} retractions, then as many "
                "approvals, under load"
            )
            result["invisibility"] = time_to_invisibility(db, cache, article["path"], args)
    except (Failure, RuntimeError, subprocess.TimeoutExpired) as error:
        result.setdefault("server_started", False)
        result["error"] = str(error)
        log(f"  FAILED: {error}")
    finally:
        for server in servers:
            server.stop()
    return result


# --- report -------------------------------------------------------------------------


def _cpu_columns(summary: dict) -> str:
    """Server CPU per request, and how many of these the floor's CPU per request would serve."""
    used = summary.get("server_cpu_us_median")
    ratio = summary.get("cpu_ratio_median")
    return (f" {used:>8.0f}" if used else f" {'':>8}") + (
        f" {ratio:>12.2f}" if ratio is not None else f" {'':>12}"
    )


def table(results: dict) -> str:
    lines = []
    for db in results["databases"]:
        lines.append(f"\n{db['vendor']} · {results['articles']:,} articles")
        if "error" in db:
            lines.append(f"  error: {db['error'].splitlines()[0]}")
            if not db.get("targets"):
                continue
        summary = db.get("load", {}).get("summary", {})
        queries = db.get("in_process", {}).get("queries_per_page", {})
        lines.append(
            f"  {'page':<10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'x floor':>8} {'queries':>8}"
            f" {'render ms':>10} {'cpu µs':>8} {'x floor cpu':>12}"
        )
        for target in db.get("targets", []):
            name = target["name"]
            if target["status"] != "ok":
                lines.append(f"  {name:<10} {target['status']:>8}")
                continue
            s = summary.get(name, {})
            q = queries.get(name, {}).get("queries", "")
            first = queries.get(name, {}).get("first_ms")
            rendered = f"{first:.1f}" if first is not None else ""
            lines.append(
                f"  {name:<10} {s.get('rps_median', 0):>8.0f} {s.get('p50_ms_median', 0):>8.1f} "
                f"{s.get('p99_ms_median', 0):>8.1f} {s.get('ratio_median', 0):>8.2f} {q!s:>8}"
                f" {rendered:>10}{_cpu_columns(s)}"
            )
        if CACHED in summary:
            c = summary[CACHED]
            lines.append(
                f"  {CACHED:<10} {c['rps_median']:>8.0f} {c['p50_ms_median']:>8.1f} "
                f"{c['p99_ms_median']:>8.1f} {c.get('ratio_median', 0):>8.2f} {'':>8} {'':>10}"
                f"{_cpu_columns(c)}  (the article through Varnish)"
            )
        if "ceiling" in summary:
            c = summary["ceiling"]
            lines.append(
                f"  {'ceiling':<10} {c['rps_median']:>8.0f} {c['p50_ms_median']:>8.1f} "
                f"{c['p99_ms_median']:>8.1f} {c.get('ratio_median', 0):>8.2f} {'':>8} {'':>10}"
                f"{_cpu_columns(c)}  (a cached page's best)"
            )
        if "floor" in summary:
            f = summary["floor"]
            lines.append(
                f"  {'floor':<10} {f['rps_median']:>8.0f} {f['p50_ms_median']:>8.1f} "
                f"{f['p99_ms_median']:>8.1f} {'':>8} {'':>8} {'':>10}{_cpu_columns(f)}"
            )
        invisible = db.get("invisibility")
        if invisible:
            for kind in ("retractions", "approvals", "all"):
                d = invisible.get(kind, {})
                if d.get("count"):
                    lines.append(
                        f"  time to invisibility, {kind}: p50 {d['p50_ms']} ms, "
                        f"p90 {d['p90_ms']} ms, p99 {d['p99_ms']} ms, max {d['max_ms']} ms "
                        f"({d['count']} changes)"
                    )
            lines.append(
                f"    slowest surface: {invisible.get('slowest_surface_ms')}; readers meanwhile "
                f"{invisible.get('readers_rps_median')} req/s"
            )
        if db.get("cache_error"):
            lines.append(f"  cache: {db['cache_error']}")
        ip = db.get("in_process", {})
        admin = ip.get("admin", {})
        if "changelist" in admin:
            c = admin["changelist"]
            lines.append(
                f"  admin article list: {c['median_ms']:.0f} ms median, {c['queries']} queries"
            )
        if "change_page" in admin:
            c = admin["change_page"]
            lines.append(
                f"  admin change page ({c['references']} references, {c['revisions']} revisions): "
                f"{c['median_ms']:.0f} ms median, {c['queries']} queries"
            )
        if "approval" in ip and "median_ms" in ip["approval"]:
            a = ip["approval"]
            lines.append(
                f"  approval with 30 references: {a['median_ms']:.1f} ms median "
                f"({a['cpu_median_ms']:.1f} ms of it Python), {a['queries']} queries"
            )
        if "history" in ip:
            lines.append(
                f"  history: {ip['history']['bytes_per_revision']:,} bytes per revision "
                f"({ip['history']['method']})"
            )
        if db.get("variants"):
            lines.extend(variants.variants_table(db["variants"]))
    return "\n".join(lines)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Editorial's benchmark.")
    parser.add_argument("--articles", type=int, default=int(os.environ.get("ARTICLES", 1000)))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5, help="Load time per target and round.")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per server.")
    parser.add_argument("--repeat", type=int, default=7, help="Repetitions of in-process timings.")
    parser.add_argument(
        "--targets", default=str(DEFAULT_TARGETS), help="JSON list of {name, path}."
    )
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--databases", default="sqlite,postgres", help="Which of sqlite,postgres.")
    parser.add_argument("--out", default=str(ROOT / "bench-results"), help="Folder for the JSON.")
    parser.add_argument("--data-dir", default=None, help="Folder for SQLite archives.")
    parser.add_argument(
        "--no-ceiling",
        dest="ceiling",
        action="store_false",
        help="Skip the cached-page ceiling (the floor's page behind Editorial's middleware).",
    )
    parser.add_argument("--fresh", action="store_true", help="Drop the archive databases first.")
    parser.add_argument(
        "--no-cache",
        dest="cache",
        action="store_false",
        help="Skip Varnish: the article through the cache and the time to invisibility.",
    )
    parser.add_argument(
        "--invisibility",
        type=int,
        default=100,
        help="Retractions (and as many approvals) timed through the cache; 0 skips them.",
    )
    parser.add_argument(
        "--variants",
        default="",
        help="Speed tricks to measure switched off, each beside the full product: a comma-"
        f"separated list of {', '.join(variants.TRICKS)}, or 'all'.",
    )
    parser.add_argument(
        "--variant-pages",
        default=variants.VARIANT_PAGES,
        help="The targets loaded again without each trick (names, or 'all').",
    )
    parser.add_argument(
        "--tiny",
        action="store_true",
        help="A few seconds end to end: 20 articles, one short round.",
    )
    args = parser.parse_args(argv)
    if args.tiny:
        args.articles, args.rounds, args.seconds, args.repeat = 20, 1, 1, 2
        args.connections = 2
        args.invisibility = min(args.invisibility, 3)
    args.databases = {d.strip() for d in args.databases.split(",")}
    try:
        args.variants = variants.tricks_asked(args.variants)
    except ValueError as error:
        parser.error(str(error))
    args.variant_pages = variants.pages_asked(args.variant_pages)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if not 1 <= args.articles <= 100_000:
        log("--articles must be between 1 and 100,000.")
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    scratch = None
    if args.data_dir is None:
        if args.tiny:
            scratch = tempfile.mkdtemp(prefix="editorial-bench-")
            args.data_dir = scratch
        else:
            args.data_dir = str(out)
    log_dir = out / f"{stamp}-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    results = {
        "started": stamp,
        "articles": args.articles,
        "tiny": args.tiny,
        "settings": {
            k: getattr(args, k)
            for k in (
                "rounds",
                "seconds",
                "connections",
                "workers",
                "repeat",
                "loadgen",
                "variants",
                "variant_pages",
            )
        },
        "loadgen": loadgen.available_tool(args.loadgen),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load": os.getloadavg(),
        },
        "goals": GOALS,
        "databases": [],
    }
    floor_holder: dict = {}
    failed = False
    try:
        for db in databases(args):
            try:
                if args.fresh or args.tiny:
                    drop_database(db)
                result = measure_database(db, args, log_dir, floor_holder)
            # One database failing is reported in the results, not fatal to the run.
            except Exception as error:
                result = {
                    "vendor": db["vendor"],
                    "database": db["name"],
                    "error": f"{type(error).__name__}: {error}",
                }
                log(f"  FAILED: {error}")
            failed = failed or "error" in result
            results["databases"].append(result)
            if args.tiny:
                with contextlib.suppress(Exception):
                    drop_database(db)
    finally:
        if "server" in floor_holder:
            floor_holder["server"].stop()
        results["floor_bytes"] = floor_holder.get("bytes")
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    path = out / f"{stamp}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    log(table(results))
    log(f"\nResults: {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
