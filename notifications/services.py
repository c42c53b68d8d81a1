"""Every notification goes through ``notify``: an inbox entry, and an email task if wanted.

``notify`` is called inside the transaction of the change it reports. The
inbox entries, the email records and the tasks that send them are rows of
that transaction: a rolled-back change leaves none of them, and a committed
one cannot lose them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.roles import is_editor
from notifications.choices import EMAIL_BY_DEFAULT, DeliveryStatus, Kind
from notifications.emails import render_email
from notifications.models import Delivery, Notification, NotificationPreference
from notifications.tasks import enqueue_delivery


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
            enqueue_delivery(delivery)
    return entries


def deliveries_retry(*, deliveries: QuerySet[Delivery] | Iterable[Delivery], by: User) -> int:
    """Send failed emails again, with a fresh allowance of attempts; returns how many."""
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
            enqueue_delivery(delivery)
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
