"""What a shared HTTP cache (Varnish, a CDN) may keep, and under which keys.

A public view says what its page depends on with ``cache_for_readers(request,
*keys)``: surrogate keys such as the article, its live version, the live set
or the board. ``SharedCacheMiddleware`` then turns those responses, and only
those, into ones a shared cache may hold:

- ``Cache-Control: public, max-age=0, s-maxage=N``: browsers revalidate every
  time with the ETag or Last-Modified the view set; a shared cache keeps the
  page for N seconds, or until a purge of one of its keys;
- ``CDN-Cache-Control`` (RFC 9213, read by shared caches only) repeats the
  lifetime and adds ``stale-while-revalidate`` and ``stale-if-error``: in
  ``Cache-Control`` browsers would honour them too and could show a page
  that was retracted meanwhile;
- the keys, in the header the cache reads (``xkey`` for Varnish).

Anything else gets ``private`` unless it said otherwise, so the back office,
the forms and whatever a future view forgets to mark never land in a shared
cache. A marked response is refused the shared cache when it sets a cookie,
touched the session or asked for a CSRF token: nothing personal is ever
shared.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

# Carried by every shared response, so that one purge empties the whole
# cache (after a deployment that changes the pages' templates).
SITE_KEY = "site"

# Statuses a public page answers and a cache may keep: the page, a
# redirect, and "not here" (which an approval at that address purges).
SHAREABLE_STATUSES = frozenset({200, 203, 301, 304, 404, 410})

# Headers whose values are separated by commas rather than spaces.
COMMA_SEPARATED = frozenset({"cache-tag", "edge-cache-tag"})


def cache_for_readers(request: HttpRequest, *keys: str, max_age: int | None = None) -> None:
    """Let a shared cache keep the response to ``request``, purged by any of ``keys``.

    Call it as early as the keys are known, before anything can raise
    Http404: a "not found" is kept too, under the keys said so far.
    ``max_age`` shortens the lifetime for a page that will change at a
    known moment without any purge (an article whose review falls due).
    """
    marked = request.__dict__.setdefault("_surrogate_keys", [])
    marked.extend(key for key in keys if key)
    if max_age is not None:
        current = getattr(request, "_surrogate_max_age", None)
        request._surrogate_max_age = max_age if current is None else min(current, max_age)


def surrogate_keys(request: HttpRequest) -> list[str]:
    """The keys marked on ``request`` so far, in order, without repeats."""
    return list(dict.fromkeys(request.__dict__.get("_surrogate_keys", ())))


def key_header_value(keys: list[str], header: str | None = None) -> str:
    header = (header or settings.EDITORIAL_SURROGATE_KEY_HEADER).lower()
    return (", " if header in COMMA_SEPARATED else " ").join(keys)


def _personal(request: HttpRequest, response: HttpResponse) -> bool:
    """Whether the response carries, or was made from, something of one reader's."""
    if response.cookies:
        return True
    session = request.__dict__.get("session")
    if session is not None and getattr(session, "accessed", False):
        return True
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or request.META.get("CSRF_COOKIE_USED"):
        return True
    cache_control = response.get("Cache-Control", "").lower()
    return "private" in cache_control or "no-store" in cache_control


def shared_cache_headers(max_age: int) -> tuple[str, str]:
    """(Cache-Control, CDN-Cache-Control) for a page a shared cache may keep ``max_age`` s."""
    return (
        f"public, max-age=0, s-maxage={max_age}",
        f"max-age={max_age}, stale-while-revalidate={settings.EDITORIAL_STALE_WHILE_REVALIDATE}, "
        f"stale-if-error={settings.EDITORIAL_STALE_IF_ERROR}",
    )


class SharedCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        keys = request.__dict__.get("_surrogate_keys")
        if (
            keys
            and request.method in ("GET", "HEAD")
            and response.status_code in SHAREABLE_STATUSES
            and response.get("Vary", "").strip() != "*"
            and not _personal(request, response)
        ):
            max_age = settings.EDITORIAL_SHARED_CACHE_SECONDS
            own = request.__dict__.get("_surrogate_max_age")
            if own is not None:
                max_age = max(0, min(max_age, own))
            cache_control, shared_only = shared_cache_headers(max_age)
            response.headers["Cache-Control"] = cache_control
            response.headers["CDN-Cache-Control"] = shared_only
            response.headers[settings.EDITORIAL_SURROGATE_KEY_HEADER] = key_header_value(
                [*surrogate_keys(request), SITE_KEY]
            )
        elif keys or "Cache-Control" not in response:
            patch_cache_control(response, private=True)
        return response
