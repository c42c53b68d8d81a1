"""A small fixed-window limit per client address, counted in the database.

Not in a cache: a per-process cache gives each web worker its own count, and
any cache that evicts lets a client empty its own counter by filling the
cache with other entries (distinct searches did exactly that). The database
is shared by every process and evicts nothing. (django-ratelimit counts in
the cache, which is local memory here unless REDIS_URL is set, so it would
bring both problems back; the address is read by python-ipware, as the
login lockouts read it.)
"""

from __future__ import annotations

import datetime
import functools
from types import SimpleNamespace

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from ipware import get_client_ip

from articles.models import RateLimitCount


def client_ip(request: HttpRequest) -> str:
    """The reader's address.

    Behind N trusted proxies (``EDITORIAL_TRUSTED_PROXIES``, default 0) the
    address is the N-th entry from the right of X-Forwarded-For: each proxy
    appends the address it saw, and entries further left were written by
    the client and can be forged. python-ipware counts the proxies named in
    the header, one fewer than the proxies in front of the app. With fewer
    entries than proxies, or none that reads as an address, the address the
    request came from counts.
    """
    meta = request.META
    proxies = settings.EDITORIAL_TRUSTED_PROXIES
    return _client_ip(
        meta.get("REMOTE_ADDR") or "",
        # Without trusted proxies the header is not read, so a client that
        # changes it on every request does not fill the memo either.
        meta.get("HTTP_X_FORWARDED_FOR") if proxies else None,
        proxies,
    )


@functools.lru_cache(maxsize=4096)
def _client_ip(remote_addr: str, forwarded_for: str | None, proxies: int) -> str:
    """The same answer for the same two headers: python-ipware reads only these.

    Remembered, because python-ipware first copies every header of the
    request and costs 20 µs or more each time, which the read API's rate
    limit paid on every request.
    """
    meta = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    address, _routable = get_client_ip(
        SimpleNamespace(META=meta),
        proxy_count=proxies - 1 if proxies else None,
        request_header_order=(
            ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if proxies else ["REMOTE_ADDR"]
        ),
        strict=False,
    )
    return address or (remote_addr or "unknown")[:64]


def is_limited(scope: str, request: HttpRequest, *, limit: int, window: int) -> bool:
    """Whether this client has used up its ``limit`` in the current ``window`` seconds."""
    since = timezone.now() - datetime.timedelta(seconds=window)
    used = (
        RateLimitCount.objects.filter(
            scope=scope, client=client_ip(request), window_started_at__gt=since
        )
        .values_list("count", flat=True)
        .first()
    )
    return (used or 0) >= limit


def count(scope: str, request: HttpRequest, *, window: int) -> None:
    """Count one use; the window starts with the first use and lasts ``window`` seconds."""
    now = timezone.now()
    expired = now - datetime.timedelta(seconds=window)
    client = client_ip(request)
    with transaction.atomic():
        row, created = RateLimitCount.objects.select_for_update().get_or_create(
            scope=scope, client=client, defaults={"window_started_at": now, "count": 1}
        )
        if created:
            # Addresses whose window is over are forgotten as new ones come.
            RateLimitCount.objects.filter(scope=scope, window_started_at__lte=expired).delete()
        elif row.window_started_at <= expired:
            RateLimitCount.objects.filter(pk=row.pk).update(window_started_at=now, count=1)
        else:
            RateLimitCount.objects.filter(pk=row.pk).update(count=F("count") + 1)
