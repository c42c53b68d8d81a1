"""The public site's read-only pages, answered without the back office's middleware.

A reader's GET of an article, a list, search or the feed needs no session,
no user, no CSRF token and no messages: those pages are the same bytes for
every reader of an audience. ``PublicPagesMiddleware`` sits just below the
security headers (as Django's own FetchFromCacheMiddleware would) and calls
such views itself, so the sessions, CSRF, authentication, messages,
history and lockout middleware below it run only for the pages that use
them: the back office, the report form and the audience switch.

A view opts in with ``@public_page``. It must only read, and its templates
must not use the user, messages or a CSRF token (tests/public hold every
marked view to that).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, ResolverMatch, get_urlconf, resolve

# Methods a public page answers; anything else takes the full stack (and
# there the view's own decorator refuses it with a 405).
SAFE_METHODS = frozenset({"GET", "HEAD"})


def public_page(view: Callable) -> Callable:
    """Marks a read-only view of the public site (outermost decorator)."""
    view.public_page = True
    return view


# Addresses whose resolution is remembered: reading the same pages over and
# over is what the public site does, and URL patterns do not change while the
# process runs. Bounded in number and length, so made-up addresses cost
# memory only up to the bound (the table starts again when full).
REMEMBERED_ADDRESSES = 2048
REMEMBERED_LENGTH = 200
_matches: dict[tuple[str, str | None], ResolverMatch | None] = {}


def _public_match(path: str, urlconf: str | None) -> ResolverMatch | None:
    """The public page's view at ``path``, or None when it is not one."""
    key = (path, urlconf)
    try:
        return _matches[key]
    except KeyError:
        pass
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        match = None
    if match is not None and not getattr(match.func, "public_page", False):
        match = None
    if len(path) <= REMEMBERED_LENGTH:
        if len(_matches) >= REMEMBERED_ADDRESSES:
            _matches.clear()
        _matches[key] = match
    return match


def _forget_matches(*, setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _matches.clear()


setting_changed.connect(_forget_matches)


class PublicPagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in SAFE_METHODS:
            match = _public_match(request.path_info, get_urlconf())
            if match is not None:
                # CommonMiddleware, which this skips, is where Django refuses a
                # Host outside ALLOWED_HOSTS: the public pages refuse it too
                # (DisallowedHost becomes a 400 like everywhere else).
                request.get_host()
                request.resolver_match = match
                return match.func(request, *match.args, **match.kwargs)
        return self.get_response(request)
