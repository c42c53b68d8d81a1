"""Notifications of review assignments and decisions, queued in the change's transaction."""

from django.dispatch import receiver
from django.urls import reverse

from articles.notifications import send_templated
from articles.viewer import editors_of
from reviewers.choices import Decision
from reviewers.signals import (
    assignment_cancelled,
    assignment_declined,
    decision_recorded,
    reviewer_assigned,
)


def _review_url(assignment) -> str:
    return reverse("admin:articles_article_change", args=[assignment.article_id]) + "#your-review"


@receiver(reviewer_assigned)
def email_new_assignment(sender, *, assignment, by, **kwargs):
    send_templated(
        template="review_assigned",
        recipients=[assignment.reviewer.user],
        context={"assignment": assignment, "article": assignment.article, "by": by},
        url=_review_url(assignment),
    )


@receiver(assignment_cancelled)
def email_cancelled_assignment(sender, *, assignment, by, reason, **kwargs):
    send_templated(
        template="review_cancelled",
        recipients=[assignment.reviewer.user],
        context={"assignment": assignment, "article": assignment.article, "reason": reason},
    )


@receiver(assignment_declined)
def email_editors_about_decline(sender, *, assignment, by, reason, **kwargs):
    """Editors choose someone else when a member declines."""
    send_templated(
        template="review_declined",
        recipients=editors_of(assignment.article),
        context={"assignment": assignment, "article": assignment.article, "reason": reason},
    )


@receiver(decision_recorded)
def email_editors_what_needs_them(sender, *, decision, by, **kwargs):
    """Editors decide on rejections and must replace a recused reviewer."""
    if decision.conflict_declared or decision.decision == Decision.REJECT:
        send_templated(
            template="decision_for_editors",
            recipients=editors_of(decision.assignment.article),
            context={"decision": decision, "article": decision.assignment.article},
        )
