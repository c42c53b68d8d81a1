"""A small fixed-window limit per client address, kept in the shared cache."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The reader's address.

    Behind N trusted proxies (``EDITORIAL_TRUSTED_PROXIES``, default 0) the
    address is the N-th entry from the right of X-Forwarded-For: entries
    further left were written by the client and can be forged.
    """
    proxies = settings.EDITORIAL_TRUSTED_PROXIES
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _key(scope: str, request: HttpRequest) -> str:
    return f"ratelimit:{scope}:{client_ip(request)}"


def is_limited(scope: str, request: HttpRequest, *, limit: int) -> bool:
    """Whether this client has used up its ``limit`` for the current window."""
    return (cache.get(_key(scope, request)) or 0) >= limit


def count(scope: str, request: HttpRequest, *, window: int) -> None:
    """Count one use; the window starts with the first use and lasts ``window`` seconds."""
    key = _key(scope, request)
    if not cache.add(key, 1, timeout=window):
        try:
            cache.incr(key)
        except ValueError:
            # Expired between add and incr: this use opens a new window.
            cache.add(key, 1, timeout=window)
