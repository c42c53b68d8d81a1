"""``manage.py send_review_reminders``: deadline reminders to members, overdue news to editors.

Safe to run from cron every hour: a reminder is recorded as it is sent and
never sent twice. The rules are edited in the admin (Advisory board →
Reminder rules).
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from reviewers.reminders import send_reminders


class Command(BaseCommand):
    help = "Send the review reminders that are due and were not sent before."

    def add_arguments(self, parser):
        parser.add_argument(
            "--user",
            help="Username the reminders are recorded as sent by (default: the system account).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be sent; send nothing."
        )

    def handle(self, *args, user=None, dry_run=False, **options):
        by = None
        if user:
            by = get_user_model().objects.filter(username=user).first()
            if by is None:
                raise CommandError(f"There is no user “{user}”.")
        report = send_reminders(by=by, dry_run=dry_run)
        verb = "Would send" if dry_run else "Sent"
        for line in report.sent:
            self.stdout.write(f"{verb}: {line}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {len(report.sent)} reminder(s); {report.skipped} already sent before."
            )
        )
