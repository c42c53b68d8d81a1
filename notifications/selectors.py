"""Reads for the inbox and the operators' page."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from notifications.choices import DeliveryStatus
from notifications.models import Delivery, Notification, WorkerHeartbeat
from notifications.worker import stale_before

FRONT_PAGE_ENTRIES = 5


def inbox(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).only(
        "id", "kind", "title", "text", "url", "created_at", "read_at"
    )


def unread_count(request) -> int:
    """Unread entries of the signed-in user's inbox, counted once per request."""
    if not hasattr(request, "_inbox_unread"):
        user = request.user
        request._inbox_unread = (
            Notification.objects.filter(recipient=user, read_at__isnull=True).count()
            if user.is_authenticated
            else 0
        )
    return request._inbox_unread


def unread(user, limit: int = FRONT_PAGE_ENTRIES) -> list[Notification]:
    return list(inbox(user).filter(read_at__isnull=True)[:limit])


def delivery_counts() -> dict[str, int]:
    """Emails by status, every status present (zero when none)."""
    counts = dict(
        Delivery.objects.order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in DeliveryStatus.values}


def failed_deliveries() -> int:
    return Delivery.objects.filter(status=DeliveryStatus.FAILED).count()


def workers_alive() -> list[WorkerHeartbeat]:
    return list(WorkerHeartbeat.objects.filter(seen_at__gte=stale_before()))
