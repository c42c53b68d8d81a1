"""Rendered public pages, kept in the cache under keys that cannot go stale.

Published versions never change, so a page is a function of the versions it
shows and of a few small facts about the reader (the audience) and the
working copy (an update under review, an overdue review date). Each request
first asks the database, with one small indexed query, which versions are
live *now*; the key is built from their ids and those facts. A new approval
or a retraction changes the ids, so every web process, whatever its cache
holds, serves the new page on the very next request: nothing is ever
invalidated, old entries just stop being asked for and expire.

Search result pages are the exception: any words make a new page, so they
stay in a small pool of their own per process (``search_page``) and never
push the site's pages out of the shared cache.

The cache is Django's default one: local memory in each process by default,
Redis (shared by every process) when REDIS_URL is set. In front of it each
process keeps the pages it served most recently, as bytes, in a small table
of its own: a key never names stale content, so a copy is as good as the
cache's, and a popular page costs neither a trip to Redis nor unpickling.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language

from articles.public import fastpath

# Bump when a public template changes, so that no cached page (nor a browser's
# copy under an ETag made from the key) outlives it.
TEMPLATE_REVISION = "4"
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


class LocalPages:
    """Pages one process keeps, as bytes, least recently served first out."""

    def __init__(self, size: Callable[[], int]) -> None:
        # Read at each store, so the module's setting can change (tests).
        self.size = size
        self._pages: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, cache_key: str) -> bytes | None:
        with self._lock:
            content = self._pages.get(cache_key)
            if content is not None:
                self._pages.move_to_end(cache_key)
            return content

    def __len__(self) -> int:
        return len(self._pages)

    def put(self, cache_key: str, content: bytes) -> None:
        size = self.size()
        if size <= 0:
            return
        with self._lock:
            self._pages[cache_key] = content
            while len(self._pages) > size:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


# How many pages each process keeps in front of the cache (least recently
# served first out): about 40 KB each for an article.
LOCAL_PAGES = settings.PAGE_CACHE_LOCAL_ENTRIES
_local = LocalPages(lambda: LOCAL_PAGES)
# Search result pages: anyone can ask for a new one with any words, so they
# get a small pool of their own in each process and never enter the shared
# cache. However many distinct searches arrive, they only push out other
# searches: the site's pages stay cached.
SEARCH_PAGES = settings.PAGE_CACHE_SEARCH_ENTRIES
_search = LocalPages(lambda: SEARCH_PAGES)


def page(cache_key: str, render: Callable[[], bytes]) -> bytes:
    """The bytes for ``cache_key``: this process's copy, the cache's, or rendered and stored."""
    content = _local.get(cache_key)
    if content is not None:
        return content
    content = cache.get(cache_key)
    if content is None:
        content = render()
        cache.set(cache_key, content, TIMEOUT)
    _local.put(cache_key, content)
    return content


def search_page(cache_key: str, render: Callable[[], bytes]) -> bytes:
    """A search result page: from this process's search pool, or rendered into it."""
    content = _search.get(cache_key)
    if content is None:
        content = render()
        _search.put(cache_key, content)
    return content


def forget_local() -> None:
    """Drop this process's copies, of pages and of the re-review answers they
    were keyed on (tests, whose databases reuse ids, need it)."""
    _local.clear()
    _search.clear()
    fastpath.forget_answers()
