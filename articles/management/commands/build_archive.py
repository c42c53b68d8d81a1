"""``manage.py build_archive --articles N``: a synthetic archive for the benchmark.

Builds topics, board members, authors and editors, and N articles that went
through every path of the workflow, with their references, published
versions, history, audit trail, assignments and decisions (see bench/archive.py).

Running it again on an archive of the same size does nothing; a database
holding other articles is left alone unless ``--reset`` empties it first.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bench import archive

MAX_ARTICLES = 100_000


class Command(BaseCommand):
    help = "Build a synthetic archive of N articles with realistic history, for the benchmark."

    def add_arguments(self, parser):
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

    def handle(self, *args, articles: int, reset: bool, seed: int, **options):
        if not 1 <= articles <= MAX_ARTICLES:
            raise CommandError(
                f"--articles must be between 1 and {MAX_ARTICLES:,}, not {articles:,}."
            )
        started = time.monotonic()
        if reset:
            removed = archive.reset()
            total = sum(removed.values())
            self.stdout.write(
                f"Reset: removed {total:,} rows ({time.monotonic() - started:.1f} s)."
            )
        existing = archive.archive_size()
        if existing == articles and archive.is_bench_archive():
            self.stdout.write(
                f"The archive already holds {articles:,} articles: nothing to do "
                "(use --reset to build it again)."
            )
            return
        if existing:
            raise CommandError(
                f"The database already holds {existing:,} articles. Build the archive in an empty "
                "database, or pass --reset to delete them first."
            )
        self.stdout.write(f"Building {articles:,} articles on {connection.vendor}…")
        builder = archive.Builder(
            articles=articles, seed=seed, out=lambda line: self.stdout.write(line)
        )
        report = builder.build()
        self.stdout.write(self.style.SUCCESS(f"Built in {report.seconds:.1f} s:"))
        for table, count in report.rows.items():
            self.stdout.write(f"  {count:>10,}  {table}")
        states = ", ".join(f"{state} {count:,}" for state, count in sorted(report.states.items()))
        self.stdout.write(f"  articles by state: {states}")
        self.stdout.write(
            f"  the admin's heavy case: /articles/{archive.HEAVY_SLUG}/ in the back office "
            f"({archive.HEAVY_REFERENCES} references, {archive.HEAVY_REVISIONS} revisions)"
        )
        self.stdout.write(
            f"  logins: {archive.USER_PREFIX}editor-001 etc., password {archive.PASSWORD}"
        )
