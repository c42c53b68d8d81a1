"""Reminders about review deadlines, as the editors' reminder rules ask.

Each reminder is recorded (rule, assignment, deadline) under a unique
constraint, in the transaction that queues it for the worker (which retries
a failed send): running the command again, or twice at once, never sends
the same reminder twice. A reminder whose moment passed while the command
was not running is still sent, as long as it still makes sense
(before the deadline for a "before" rule; while the review is still owed
for an "after" rule).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from articles.actionlog import log_action
from articles.choices import ArticleState
from articles.notifications import send_templated
from articles.viewer import editors_of
from reviewers.choices import AssignmentStatus, ReminderEvent
from reviewers.models import ReminderRule, ReminderSent, ReviewAssignment

ACTIVE_ARTICLE_STATES = (ArticleState.SUBMITTED, ArticleState.UNDER_REVIEW)


@dataclass
class Report:
    sent: list[str] = field(default_factory=list)
    skipped: int = 0


def system_user():
    """The named account that the command's records are written by, when no user is given."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=settings.EDITORIAL_SYSTEM_USERNAME,
        defaults={"first_name": "Editorial", "last_name": "reminders", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _candidates(rule: ReminderRule, today: datetime.date):
    """Assignments this rule applies to today, with the deadline it reminds of."""
    live = ReviewAssignment.objects.filter(article__state__in=ACTIVE_ARTICLE_STATES).select_related(
        "article", "reviewer__user", "assigned_by"
    )
    days = datetime.timedelta(days=rule.days)
    if rule.event == ReminderEvent.RESPOND_SOON:
        queryset = live.filter(
            status=AssignmentStatus.INVITED,
            respond_by__gte=today,
            respond_by__lte=today + days,
        )
        return [(a, a.respond_by) for a in queryset]
    if rule.event == ReminderEvent.DUE_SOON:
        queryset = live.filter(
            status=AssignmentStatus.OPEN, due_date__gte=today, due_date__lte=today + days
        )
        return [(a, a.due_date) for a in queryset]
    # Overdue: the review is still owed ``days`` after its due date.
    queryset = live.filter(
        status__in=[AssignmentStatus.INVITED, AssignmentStatus.OPEN],
        due_date__lte=today - days,
        due_date__lt=today,
    )
    return [(a, a.due_date) for a in queryset if a.round == a.article.review_round]


def send_reminders(*, by=None, dry_run: bool = False) -> Report:
    """Send every reminder that is due and was never sent."""
    by = by or system_user()
    today = timezone.localdate()
    report = Report()
    for rule in ReminderRule.objects.filter(active=True).order_by("event", "-days"):
        for assignment, deadline in _candidates(rule, today):
            if ReminderSent.objects.filter(
                rule=rule, assignment=assignment, deadline=deadline
            ).exists():
                report.skipped += 1
                continue
            to_editors = rule.event == ReminderEvent.OVERDUE_EDITORS
            recipients = (
                list(editors_of(assignment.article)) if to_editors else [assignment.reviewer.user]
            )
            line = f"{rule.get_template_display()} — {assignment}"
            if dry_run:
                report.sent.append(line)
                continue
            try:
                # The record and the notification commit together: a reminder
                # recorded as sent is queued for the worker, which retries it
                # until the mail server takes it.
                with transaction.atomic():
                    ReminderSent.objects.create(
                        rule=rule,
                        assignment=assignment,
                        deadline=deadline,
                        recipients=", ".join(sorted(u.email for u in recipients if u.email)),
                        sent_by=by,
                    )
                    log_action(
                        action="reminder.send",
                        by=None,
                        article=assignment.article,
                        from_state=assignment.article.state,
                        to_state=assignment.article.state,
                        payload={
                            "rule": rule.pk,
                            "email": rule.template,
                            "assignment": assignment.pk,
                            "deadline": deadline,
                            "automatically": "reminder rule",
                        },
                    )
                    send_templated(
                        template=rule.template,
                        recipients=recipients,
                        context={
                            "assignment": assignment,
                            "article": assignment.article,
                            "rule": rule,
                            "days_overdue": (today - assignment.due_date).days,
                        },
                        url=""
                        if to_editors
                        else reverse("admin:articles_article_change", args=[assignment.article_id])
                        + "#your-review",
                    )
            except IntegrityError:  # another run sent it a moment ago
                report.skipped += 1
                continue
            report.sent.append(line)
    return report
