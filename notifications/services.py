"""Every notification goes through ``notify``: an inbox entry, and an email task if wanted.

``notify`` is called inside the transaction of the change it reports. The
inbox entries, the email records and the tasks that send them are rows of
that transaction: a rolled-back change leaves none of them, and a committed
one cannot lose them.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.choices import EMAIL_BY_DEFAULT, DeliveryStatus, Kind
from notifications.models import Delivery, Notification, NotificationPreference

logger = logging.getLogger(__name__)

# Statuses a worker may (re)start sending from. "sending" is there because
# a task runs once at a time per message: finding it "sending" means the
# attempt before was cut off (a lost worker) before it could say how it went.
SENDABLE = (DeliveryStatus.QUEUED, DeliveryStatus.RETRYING, DeliveryStatus.SENDING)


def email_wanted(users: Iterable[User], kind: str) -> set[int]:
    """Ids of those users who want ``kind`` by email (their choice, or the default)."""
    users = list(users)
    chosen = dict(
        NotificationPreference.objects.filter(user__in=users, kind=kind).values_list(
            "user_id", "email"
        )
    )
    default = kind in EMAIL_BY_DEFAULT
    return {user.pk for user in users if chosen.get(user.pk, default)}


def notify(
    *,
    kind: Kind | str,
    template: str,
    recipients: Iterable[User],
    context: dict,
    article=None,
    url: str = "",
    addresses: Iterable[str] = (),
) -> list[Notification]:
    """Tell each recipient, in their inbox and (if they want it) by email.

    ``addresses`` are people without an account (a reader who asked for a
    reply): they get the email only.

    The message is rendered now, from the change as it is committed, so the
    inbox entry and the email say the same thing however late the email goes.
    Whatever the template shows is what the recipient is allowed to read:
    callers choose the template by audience (no confidential note ever goes
    to an author's template).
    """
    from articles.notifications import render_email

    people = {user.pk: user for user in recipients if user is not None and user.is_active}
    addresses = sorted(set(addresses) - {user.email for user in people.values()})
    if not people and not addresses:
        return []
    subject, body, html = render_email(template, context)
    if not url and article is not None:
        url = reverse("admin:articles_article_change", args=[article.pk])
    # Part of the caller's transaction (no savepoint): if this fails, so does the change.
    with transaction.atomic(savepoint=False):
        now = timezone.now()
        entries = Notification.objects.bulk_create(
            Notification(
                recipient=user,
                kind=kind,
                title=subject[:300],
                text=body,
                article=article,
                url=url,
                created_at=now,
            )
            for user in people.values()
        )
        wanted = email_wanted(people.values(), kind)
        deliveries = Delivery.objects.bulk_create(
            [
                *(
                    Delivery(
                        notification=entry,
                        recipient=entry.recipient,
                        kind=kind,
                        to=entry.recipient.email,
                        subject=subject[:300],
                        body=body,
                        html=html,
                        created_at=now,
                    )
                    for entry in entries
                    if entry.recipient_id in wanted and entry.recipient.email
                ),
                *(
                    Delivery(
                        kind=kind,
                        to=address,
                        subject=subject[:300],
                        body=body,
                        html=html,
                        created_at=now,
                    )
                    for address in addresses
                ),
            ]
        )
        for delivery in deliveries:
            _enqueue(delivery)
    return entries


def _enqueue(delivery: Delivery, *, at: datetime.datetime | None = None) -> None:
    from notifications.tasks import deliver_email

    task = deliver_email.using(run_after=at) if at else deliver_email
    task.enqueue(delivery.pk)


def retry_delay(attempts: int) -> datetime.timedelta:
    """The wait after the ``attempts``-th failed attempt: doubled each time, at most an hour."""
    seconds = settings.NOTIFICATIONS_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, 3600))


def delivery_send(*, delivery_id: int) -> str:
    """Send one email once: what the worker's task does. Returns what happened.

    The message is claimed (status "sending", one more attempt) and marked
    delivered in short transactions of their own around the send, so no
    database lock is held while the mail server is talking. A failure is
    recorded and the next attempt queued with a longer wait; past
    ``NOTIFICATIONS_MAX_ATTEMPTS`` it stays failed for an operator to retry.
    """
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None:
            return "gone"
        if delivery.status not in SENDABLE:
            return f"already {delivery.status}"
        delivery.status = DeliveryStatus.SENDING
        delivery.attempts += 1
        delivery.attempted_at = timezone.now()
        delivery.next_attempt_at = None
        delivery.save(update_fields=["status", "attempts", "attempted_at", "next_attempt_at"])
    try:
        _send(delivery)
    except Exception as error:
        _record_failure(delivery, error)
        raise
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.DELIVERED, delivered_at=timezone.now(), last_error=""
    )
    return "delivered"


def _send(delivery: Delivery) -> None:
    message = EmailMultiAlternatives(
        delivery.subject,
        delivery.body,
        None,
        [delivery.to],
        # The same Message-ID on every attempt lets a mail server that did
        # receive an interrupted attempt drop the second copy.
        headers={"Message-ID": f"<{delivery.key}@editorial>"},
    )
    if delivery.html:
        message.attach_alternative(delivery.html, "text/html")
    message.send()


def _record_failure(delivery: Delivery, error: Exception) -> None:
    text = f"{type(error).__name__}: {error}"[:2000]
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        delivery.last_error = text
        if delivery.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            logger.error(
                "Email %s to %s failed %s times and is given up: %s",
                delivery.pk,
                delivery.to,
                delivery.attempts,
                text,
            )
        else:
            delivery.status = DeliveryStatus.RETRYING
            delivery.next_attempt_at = timezone.now() + retry_delay(delivery.attempts)
            _enqueue(delivery, at=delivery.next_attempt_at)
        delivery.save(update_fields=["status", "last_error", "next_attempt_at"])


def deliveries_retry(*, deliveries: QuerySet[Delivery] | Iterable[Delivery], by: User) -> int:
    """Send failed emails again, with a fresh allowance of attempts; returns how many."""
    from articles.conditions import is_editor

    if not (by.is_active and (by.is_superuser or is_editor(by))):
        raise PermissionDenied(_("Only an editor can send failed emails again."))
    count = 0
    with transaction.atomic():
        ids = [d.pk for d in deliveries]
        for delivery in Delivery.objects.select_for_update().filter(
            pk__in=ids, status=DeliveryStatus.FAILED
        ):
            delivery.status = DeliveryStatus.QUEUED
            delivery.attempts = 0
            delivery.last_error = _("Sent again by %(user)s after: %(error)s") % {
                "user": by.get_username(),
                "error": delivery.last_error,
            }
            delivery.save(update_fields=["status", "attempts", "last_error"])
            _enqueue(delivery)
            count += 1
    return count


def inbox_mark_all_read(*, user: User) -> int:
    """Mark every unread entry of the user's inbox read; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def inbox_open(*, notification_id: int, user: User) -> Notification | None:
    """The user's own entry, marked read; None when it is not theirs."""
    entry = Notification.objects.filter(pk=notification_id, recipient=user).first()
    if entry is not None and entry.read_at is None:
        entry.read_at = timezone.now()
        entry.save(update_fields=["read_at"])
    return entry


def preferences_set(*, user: User, email_kinds: Iterable[str]) -> None:
    """Record, for every kind, whether the user wants it by email too."""
    wanted = set(email_kinds)
    with transaction.atomic():
        for kind in Kind.values:
            NotificationPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"email": kind in wanted}
            )
