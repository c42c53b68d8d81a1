"""Sending email in the background: the worker's task, what it runs, and queueing it.

Enqueue inside the transaction of the change that causes the email: the task
row commits (or rolls back) with it. The task and the sending live together
because each needs the other: queueing needs the task, and a failed send
queues its own retry in the transaction that records the failure.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from notifications.choices import DeliveryStatus
from notifications.models import Delivery

logger = logging.getLogger(__name__)

# Statuses a worker may (re)start sending from. "sending" is there because
# a task runs once at a time per message: finding it "sending" means the
# attempt before was cut off (a lost worker) before it could say how it went.
SENDABLE = (DeliveryStatus.QUEUED, DeliveryStatus.RETRYING, DeliveryStatus.SENDING)


@task()
def deliver_email(delivery_id: int) -> str:
    """Send one queued email (``notifications.models.Delivery``), once."""
    return delivery_send(delivery_id=delivery_id)


def enqueue_delivery(delivery: Delivery, *, at: datetime.datetime | None = None) -> None:
    """Queue the task that sends ``delivery`` (at ``at``), in the caller's transaction."""
    (deliver_email.using(run_after=at) if at else deliver_email).enqueue(delivery.pk)


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
            enqueue_delivery(delivery, at=delivery.next_attempt_at)
        delivery.save(update_fields=["status", "last_error", "next_attempt_at"])
