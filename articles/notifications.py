"""Notifications: email rendered from templates, sent by the worker, and an inbox entry."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.urls import reverse

from articles.roles import editors
from notifications.choices import Kind
from notifications.services import notify

# Which kind of notification each email template is, for the recipients'
# choice of what they also want by email.
TEMPLATE_KINDS = {
    "article_request_changes": Kind.ARTICLE_OUTCOME,
    "article_approve": Kind.ARTICLE_OUTCOME,
    "article_reject": Kind.ARTICLE_OUTCOME,
    "article_retract": Kind.ARTICLE_OUTCOME,
    "article_reopen": Kind.ARTICLE_OUTCOME,
    "article_submit": Kind.ARTICLE_QUEUE,
    "article_withdraw": Kind.ARTICLE_QUEUE,
    "review_assigned": Kind.REVIEW_REQUEST,
    "review_cancelled": Kind.REVIEW_REQUEST,
    "review_declined": Kind.REVIEW_RESPONSE,
    "decision_for_editors": Kind.REVIEW_RESPONSE,
    "reminder_respond": Kind.REVIEW_REMINDER,
    "reminder_due": Kind.REVIEW_REMINDER,
    "reminder_overdue": Kind.REVIEW_REMINDER,
    "reminder_overdue_editors": Kind.REVIEW_REMINDER,
    "report_received": Kind.READER_REPORT,
    "licence_update_request": Kind.REVIEW_RESPONSE,
    "webhook_disabled": Kind.GENERAL,
}


def send_templated(
    *,
    template: str,
    recipients: Iterable,
    context: dict,
    kind: str = "",
    article=None,
    url: str = "",
) -> list[str]:
    """Notify each recipient of ``email/<template>``: an inbox entry, and email if they want it.

    Call it inside the transaction of the change it reports: the inbox
    entries and the email tasks commit (or roll back) with it, and the worker
    sends the email (notifications/). Returns the addresses of the recipients.
    """
    recipients = [user for user in recipients if user is not None]
    article = article if article is not None else context.get("article")
    notify(
        kind=kind or TEMPLATE_KINDS.get(template, Kind.GENERAL),
        template=template,
        # Users get an inbox entry; anyone else with an address (a reader) email only.
        recipients=[user for user in recipients if isinstance(user, AbstractBaseUser)],
        addresses=[
            person.email
            for person in recipients
            if not isinstance(person, AbstractBaseUser) and getattr(person, "email", "")
        ],
        context=context,
        article=article,
        url=url,
    )
    return sorted({user.email for user in recipients if getattr(user, "email", "")})


def report_received(*, report) -> None:
    """Tell the editors about a reader's problem report (in its transaction)."""
    url = reverse("admin:articles_problemreport_change", args=[report.pk])
    send_templated(
        template="report_received",
        recipients=editors(),
        context={"report": report, "article": report.article, "url": url},
        url=url,
    )
