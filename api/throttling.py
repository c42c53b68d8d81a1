"""Per-key rate limits (per address without a key), answered with 429 and Retry-After."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiKey


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
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        if isinstance(request.auth, ApiKey):
            ident = f"key:{request.auth.prefix}"
        else:
            ident = f"addr:{self.get_ident(request)}"
        return f"editorial:api:throttle:{ident}"
