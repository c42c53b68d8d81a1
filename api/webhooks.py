"""Webhook events: queued in the workflow's transaction, POSTed by a task, signed.

Every delivery is a POST of a JSON body with these headers:

- ``Editorial-Event``: the event, e.g. ``article.approved``;
- ``Editorial-Delivery``: the event id (the same on every retry and redelivery);
- ``Editorial-Timestamp``: seconds since the epoch when this attempt was signed;
- ``Editorial-Signature``: ``v1=`` and the hex HMAC-SHA256, keyed with the
  subscription's secret, of the timestamp, a full stop and the exact body bytes.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from api.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from api.scopes import EVENT_OF_TRANSITION, PUBLIC_EVENTS, DeliveryStatus
from articles.models import AuditEntry
from articles.notifications import send_templated
from articles.roles import editors

SIGNATURE_VERSION = "v1"


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _event_body(event: str, event_id: uuid.UUID, entry: AuditEntry) -> str:
    article = entry.article
    data = {
        "id": str(event_id),
        "event": event,
        "occurred_at": entry.at,
        "article": {
            "id": article.pk,
            "slug": article.slug,
            "title": article.title,
            "state": article.state,
            "review_round": article.review_round,
            "live_version": article.live_version.number if article.live_version_id else None,
        },
        # What the author would read: the comment given with the transition.
        "comment": entry.comment if event != "article.submitted" else "",
    }
    return json.dumps(data, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True)


@receiver(post_save, sender=AuditEntry, dispatch_uid="api.webhooks.queue_events")
def queue_events(sender, instance: AuditEntry, created: bool, **kwargs) -> None:
    """Queue the event of a transition, inside the transition's own transaction.

    A rolled-back transition leaves no delivery behind; a committed one never
    loses its delivery, which waits in the task queue for the worker.
    """
    event = EVENT_OF_TRANSITION.get(instance.transition)
    if not created or event is None or kwargs.get("raw"):
        return
    article = instance.article
    mine = Q(integration__account_id=article.author_id)
    if event in PUBLIC_EVENTS:
        mine |= Q(all_articles=True)
    subscriptions = WebhookSubscription.objects.filter(mine, active=True)
    for subscription in subscriptions:
        if event not in subscription.events:
            continue
        event_id = uuid.uuid4()
        delivery = WebhookDelivery.objects.create(
            subscription=subscription,
            event_id=event_id,
            event=event,
            article=article,
            body=_event_body(event, event_id, instance),
            next_attempt_at=timezone.now(),
        )
        deliver_webhook.enqueue(delivery.pk)


def _backoff(attempt: int) -> datetime.timedelta:
    """How long to wait after the ``attempt``-th failure: doubling from the base."""
    base = settings.API_WEBHOOK_RETRY_BASE_SECONDS
    return datetime.timedelta(seconds=min(base * 2 ** (attempt - 1), 6 * 3600))


def _post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """POST the delivery once: (response code or None, error text)."""
    subscription = delivery.subscription
    body = delivery.body.encode()
    timestamp = int(time.time())
    signature = sign(subscription.secret, timestamp, body)
    request = urllib.request.Request(
        subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Editorial-Webhooks/1",
            "Editorial-Event": delivery.event,
            "Editorial-Delivery": str(delivery.event_id),
            "Editorial-Timestamp": str(timestamp),
            "Editorial-Signature": f"{SIGNATURE_VERSION}={signature}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.API_WEBHOOK_TIMEOUT_SECONDS) as r:
            return r.status, ""
    except urllib.error.HTTPError as error:
        return error.code, _("The receiver answered %(code)s.") % {"code": error.code}
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return None, str(reason)[:500] or error.__class__.__name__


def _notify_editors(subscription: WebhookSubscription) -> None:
    """Tell the editors a receiver stopped answering: an inbox entry each, and email."""
    send_templated(
        template="webhook_disabled",
        recipients=editors(),
        context={"subscription": subscription, "integration": subscription.integration},
    )


@task()
def deliver_webhook(delivery_id: int) -> str:
    """Try one delivery; on failure, queue the next try after a growing pause."""
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    subscription = delivery.subscription
    if delivery.status in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED):
        return delivery.status
    if not subscription.active:
        delivery.status = DeliveryStatus.FAILED
        delivery.last_error = _("The subscription is disabled.")
        delivery.save(update_fields=["status", "last_error"])
        return delivery.status
    started = time.monotonic()
    code, error = _post(delivery)
    elapsed = int((time.monotonic() - started) * 1000)
    now = timezone.now()
    ok = code is not None and 200 <= code < 300
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery, at=now, status_code=code, error=error, duration_ms=elapsed
        )
        delivery.attempts += 1
        delivery.last_status_code = code
        delivery.last_error = error
        if ok:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            WebhookSubscription.objects.filter(pk=subscription.pk).update(consecutive_failures=0)
        else:
            failures = (
                WebhookSubscription.objects.select_for_update()
                .filter(pk=subscription.pk)
                .values_list("consecutive_failures", flat=True)
                .get()
            ) + 1
            WebhookSubscription.objects.filter(pk=subscription.pk).update(
                consecutive_failures=F("consecutive_failures") + 1
            )
            if delivery.attempts >= settings.API_WEBHOOK_MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
                delivery.next_attempt_at = None
            else:
                delivery.status = DeliveryStatus.RETRYING
                delivery.next_attempt_at = now + _backoff(delivery.attempts)
                deliver_webhook.using(run_after=delivery.next_attempt_at).enqueue(delivery.pk)
            if failures >= settings.API_WEBHOOK_DISABLE_AFTER and subscription.active:
                subscription.refresh_from_db()
                subscription.active = False
                subscription.disabled_at = now
                subscription.disabled_reason = _(
                    "%(n)s deliveries in a row failed; the last: %(error)s"
                ) % {"n": failures, "error": error or code}
                subscription.save(update_fields=["active", "disabled_at", "disabled_reason"])
                # In this transaction: the notice and the switch-off commit together.
                _notify_editors(subscription)
        delivery.save()
    return delivery.status
