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

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, ResolverMatch, get_urlconf, resolve

from articles.public import fastpath

# Methods a public page answers; anything else takes the full stack (and
# there the view's own decorator refuses it with a 405).
SAFE_METHODS = frozenset({"GET", "HEAD"})


def public_page(view: Callable) -> Callable:
    """Marks a read-only view of the public site (outermost decorator)."""
    view.public_page = True
    return view


def public_match(path: str, urlconf: str | None) -> ResolverMatch | None:
    """The public page's view at ``path``, or None when it is not one."""
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None
    return match if getattr(match.func, "public_page", False) else None


class PublicPagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # The memo is a measured speed trick (articles/public/fastpath.py).
        self.match = (
            public_match
            if "url_memo" in settings.EDITORIAL_SPEED_TRICKS_OFF
            else fastpath.remembered(public_match)
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in SAFE_METHODS:
            match = self.match(request.path_info, get_urlconf())
            if match is not None:
                # CommonMiddleware, which this skips, is where Django refuses a
                # Host outside ALLOWED_HOSTS: the public pages refuse it too
                # (DisallowedHost becomes a 400 like everywhere else).
                request.get_host()
                request.resolver_match = match
                response = match.func(request, *match.args, **match.kwargs)
                # A response rendered late (the read API's errors, from Django
                # REST framework) is rendered here, as Django's handler would.
                if callable(getattr(response, "render", None)):
                    response = response.render()
                return response
        return self.get_response(request)
