"""``python -m bench.build_archive --articles N``: the benchmark's synthetic archive.

Builds topics, board members, authors and editors, and N articles that went
through every path of the workflow, with their references, published
versions, history, audit trail, assignments and decisions (bench/archive.py
says how). DATABASE_URL names the database, as for ``manage.py``; the runner
sets it for each database it measures.

Running it again on an archive of the same size does nothing; a database
holding other articles is left alone unless ``--reset`` empties it first.

It is the benchmark's, not the product's: no module of the product imports
``bench`` (import-linter checks it), so it is not a management command.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "editorial.settings")

import django

django.setup()

from django.db import connection  # noqa: E402

from bench import archive  # noqa: E402

MAX_ARTICLES = 100_000


class ArchiveRefused(Exception):
    """The archive is not built in this database as it stands; the message says why."""


def build_archive(
    *, articles: int, reset: bool = False, seed: int = 7, out: Callable[[str], object] = print
) -> None:
    """Build an archive of ``articles`` articles, reporting each step through ``out``."""
    if not 1 <= articles <= MAX_ARTICLES:
        raise ArchiveRefused(
            f"--articles must be between 1 and {MAX_ARTICLES:,}, not {articles:,}."
        )
    started = time.monotonic()
    if reset:
        removed = archive.reset()
        total = sum(removed.values())
        out(f"Reset: removed {total:,} rows ({time.monotonic() - started:.1f} s).")
    existing = archive.archive_size()
    if existing == articles and archive.is_bench_archive():
        out(
            f"The archive already holds {articles:,} articles: nothing to do "
            "(use --reset to build it again)."
        )
        return
    if existing:
        raise ArchiveRefused(
            f"The database already holds {existing:,} articles. Build the archive in an empty "
            "database, or pass --reset to delete them first."
        )
    out(f"Building {articles:,} articles on {connection.vendor}…")
    report = archive.Builder(articles=articles, seed=seed, out=out).build()
    out(f"Built in {report.seconds:.1f} s:")
    for table, count in report.rows.items():
        out(f"  {count:>10,}  {table}")
    states = ", ".join(f"{state} {count:,}" for state, count in sorted(report.states.items()))
    out(f"  articles by state: {states}")
    out(
        f"  the admin's heavy case: /articles/{archive.HEAVY_SLUG}/ in the back office "
        f"({archive.HEAVY_REFERENCES} references, {archive.HEAVY_REVISIONS} revisions)"
    )
    out(f"  logins: {archive.USER_PREFIX}editor-001 etc., password {archive.PASSWORD}")


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.build_archive",
        description="Build a synthetic archive of N articles with realistic history, "
        "for the benchmark.",
    )
    parser.add_argument(
        "--articles", type=int, default=1000, help="How many articles (1 to 100,000)."
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="First delete every article, version, review and history row, and the "
        "benchmark's accounts. Never use this on a database that matters.",
    )
    parser.add_argument(
        "--seed", type=int, default=7, help="Random seed (same seed, same archive)."
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = arguments().parse_args(argv)
    try:
        build_archive(articles=args.articles, reset=args.reset, seed=args.seed)
    except ArchiveRefused as refused:
        print(f"build_archive: {refused}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
