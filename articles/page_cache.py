"""Rendered public pages, kept in the cache under keys that cannot go stale.

Published versions never change, so a page is a function of the versions it
shows and of a few small facts about the reader (the audience) and the
working copy (an update under review, an overdue review date). Each request
first asks the database, with one small indexed query, which versions are
live *now*; the key is built from their ids and those facts. A new approval
or a retraction changes the ids, so every web process, whatever its cache
holds, serves the new page on the very next request: nothing is ever
invalidated, old entries just stop being asked for and expire.

The cache is Django's default one: local memory in each process by default,
Redis (shared by every process) when REDIS_URL is set.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language

# Bump when a public template changes, so that no cached page (nor a browser's
# copy under an ETag made from the key) outlives it.
TEMPLATE_REVISION = "2"
TIMEOUT = 24 * 60 * 60


def key(kind: str, *parts: object) -> str:
    raw = "|".join(
        [
            TEMPLATE_REVISION,
            settings.EDITORIAL_SITE_NAME,
            settings.EDITORIAL_BASE_URL,
            get_language() or "",
            kind,
            *(str(part) for part in parts),
        ]
    )
    return f"editorial:page:{kind}:{hashlib.sha256(raw.encode()).hexdigest()[:40]}"


def page(cache_key: str, render: Callable[[], bytes]) -> bytes:
    """The cached bytes for ``cache_key``, rendering and storing them when missing."""
    content = cache.get(cache_key)
    if content is None:
        content = render()
        cache.set(cache_key, content, TIMEOUT)
    return content
