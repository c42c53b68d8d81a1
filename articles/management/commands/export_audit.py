"""``manage.py export_audit``: the audit trail of one article or all, for an auditor.

Everything is exported, conflict-of-interest statements included: whoever
can run management commands can read the database anyway. The command
only reads; it changes nothing.

    manage.py export_audit --format json --output audit.json
    manage.py export_audit --article milia-treatment --format csv
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles import history
from articles.models import Article


class Command(BaseCommand):
    help = (
        "Export the full audit trail (revisions, transitions, review decisions with their "
        "conflict-of-interest statements, published versions) of one article or of all, "
        "as JSON or CSV."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--article",
            metavar="SLUG",
            help="Export only the article at this web address (its slug); default: all.",
        )
        parser.add_argument(
            "--format",
            choices=["json", "csv"],
            default="json",
            help="json: one document with every article; csv: one row per event.",
        )
        parser.add_argument(
            "--output",
            metavar="FILE",
            help="Write to this file instead of the standard output; refuses to overwrite.",
        )

    def handle(self, *args, **options) -> None:
        articles = Article.objects.select_related("author", "topic", "live_version").order_by("pk")
        slug = options.get("article")
        if slug:
            articles = articles.filter(slug=slug)
            if not articles.exists():
                raise CommandError(f"No article has the web address “{slug}”.")
        output = options.get("output")
        if output:
            path = Path(output)
            if path.exists():
                raise CommandError(f"{path} exists already: choose another file name.")
            if not path.parent.is_dir():
                raise CommandError(f"The folder {path.parent} does not exist.")
            with path.open("x", encoding="utf-8", newline="") as stream:
                count = self.write(articles, options["format"], stream)
            self.stderr.write(f"Exported the audit trail of {count} article(s) to {path}.")
        else:
            self.write(articles, options["format"], self.stdout)

    def write(self, articles, fmt: str, stream) -> int:
        articles = list(articles)
        if fmt == "json":
            document = history.audit_document(articles)
            stream.write(json.dumps(document, ensure_ascii=False, indent=2, default=str))
            stream.write("\n")
        else:
            writer = csv.writer(stream if stream is not self.stdout else _Raw(self.stdout))
            header_written = False
            for article in articles:
                rows = history.csv_rows(history.audit_records(article))
                header = next(rows)
                if not header_written:
                    writer.writerow(header)
                    header_written = True
                writer.writerows(rows)
            if not header_written:
                writer.writerow(history.CSV_COLUMNS)
        return len(articles)


class _Raw:
    """The command's stdout without its line-ending rewrite, for the csv module."""

    def __init__(self, out) -> None:
        self._out = out

    def write(self, text: str) -> None:
        self._out.write(text, ending="")
