"""``manage.py verify_audit [--article SLUG]``: check that the audit trail is intact.

Recomputes every hash chain of the action log and cross-checks it against
the articles, their history and their published versions (articles.history.audit).
Prints one line per finding and exits with status 1 if there is any; prints
a one-line summary and exits 0 when everything holds.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from articles.history.audit import verify
from articles.models import ActionLogEntry, Article


class Command(BaseCommand):
    help = (
        "Verify the action log's hash chains and cross-check them with the articles, their "
        "history and published versions. Exits non-zero on any finding."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--article", metavar="SLUG", help="Check only the article at this web address."
        )

    def handle(self, *args, article: str | None = None, **options) -> None:
        target = None
        if article:
            target = Article.objects.filter(slug=article).first()
            if target is None:
                raise CommandError(f"No article has the web address “{article}”.")
        findings = verify(article=target)
        for finding in findings:
            self.stdout.write(str(finding))
        if findings:
            raise CommandError(
                f"{len(findings)} finding(s): the audit trail does not hold as recorded.",
                returncode=1,
            )
        rows = (
            ActionLogEntry.objects.filter(article=target).count()
            if target
            else ActionLogEntry.objects.count()
        )
        self.stdout.write(f"The audit trail holds: {rows} action-log rows verified, no findings.")
