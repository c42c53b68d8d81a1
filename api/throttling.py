"""Per-key rate limits (per address without a key), answered with 429 and Retry-After.

A fixed window: each key's requests are counted per minute (or whatever
period the rate names) in one cache entry, and Retry-After says when the
next period starts. Django REST framework's own throttle keeps a sliding log
instead, every request's time over the last period, read and written back
whole on each request: its cost grows with the limit, so a generous key (a
headless site allowed thousands a minute) paid for thousands of timestamps
on every request. A counter costs the same at any limit; the price is that
a client may spend one period's allowance at its very end and the next at
the start of the following one, as with most public APIs' limits.
"""

from __future__ import annotations

import math

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiKey
from articles.public.ratelimit import client_ip


class KeyRateThrottle(SimpleRateThrottle):
    scope = "api"

    def __init__(self) -> None:
        # Read at each request rather than at import, so that a deployment's
        # (and a test's) setting applies.
        pass

    def allow_request(self, request, view) -> bool:
        keyed = isinstance(request.auth, ApiKey)
        self.rate = settings.API_RATE_LIMIT if keyed else settings.API_ANONYMOUS_RATE_LIMIT
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.rate is None:
            return True
        self.now = self.timer()
        window = math.floor(self.now / self.duration)
        self.window_ends = (window + 1) * self.duration
        key = f"{self.get_cache_key(request, view)}:{window}"
        # Kept a little past its period, so a slow clock elsewhere still finds it.
        lifetime = self.duration + 1
        try:
            count = self.cache.incr(key)
        except ValueError:
            # The period's first request (incr refuses a missing key): open its
            # count, unless another process opened it a moment ago.
            count = 1 if self.cache.add(key, 1, lifetime) else self._count_again(key)
        return count <= self.num_requests

    def _count_again(self, key: str) -> int:
        try:
            return self.cache.incr(key)
        except ValueError:
            # Evicted in between: counted afresh.
            return 1

    def wait(self) -> float:
        """Seconds until the next period (DRF rounds it up into Retry-After)."""
        return max(self.window_ends - self.now, 0.0)

    def get_cache_key(self, request, view) -> str:
        if isinstance(request.auth, ApiKey):
            ident = f"key:{request.auth.prefix}"
        else:
            # The reader's address as the login lockouts and the report limit
            # read it (behind EDITORIAL_TRUSTED_PROXIES only), not DRF's
            # get_ident, which takes a client's own X-Forwarded-For as given.
            ident = f"addr:{client_ip(request._request)}"
        return f"editorial:api:throttle:{ident}"
