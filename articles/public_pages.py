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

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

# Methods a public page answers; anything else takes the full stack (and
# there the view's own decorator refuses it with a 405).
SAFE_METHODS = frozenset({"GET", "HEAD"})


def public_page(view: Callable) -> Callable:
    """Marks a read-only view of the public site (outermost decorator)."""
    view.public_page = True
    return view


class PublicPagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in SAFE_METHODS:
            try:
                match = resolve(request.path_info)
            except Resolver404:
                match = None
            if match is not None and getattr(match.func, "public_page", False):
                request.resolver_match = match
                return match.func(request, *match.args, **match.kwargs)
        return self.get_response(request)
