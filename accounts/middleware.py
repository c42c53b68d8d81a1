"""The back office's doors: the second step after the password, and idle sessions ending."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import session

# Seconds between two writes of the last-seen time: a session is saved at
# most once a minute for it, not on every request.
LAST_SEEN_GRANULARITY = 60


def _login_url(request: HttpRequest) -> str:
    return f"{reverse('admin:login')}?{urlencode({'next': request.get_full_path()})}"


class StaffSessionMiddleware:
    """Ends a signed-in session idle for longer than EDITORIAL_STAFF_IDLE_MINUTES.

    Runs after the authentication and django-otp middleware. Also sends a
    back-office request whose second step is not done to that step, and ends
    a session whose confirming factor was removed or replaced since.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # No session cookie, nobody signed in: the session is not read, so a
        # reader's response (the sitemap, the feed) stays free of Vary: Cookie
        # and a shared cache may keep it.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        redirect = self._idle(request) or self._second_factor(request)
        return redirect or self.get_response(request)

    def _idle(self, request: HttpRequest) -> HttpResponse | None:
        now = int(time.time())
        last_seen = request.session.get(session.LAST_SEEN)
        idle = settings.EDITORIAL_STAFF_IDLE_MINUTES * 60
        if last_seen is not None and idle > 0 and now - last_seen > idle:
            logout(request)
            messages.info(
                request,
                _("You were signed out after %(minutes)s minutes without activity.")
                % {"minutes": settings.EDITORIAL_STAFF_IDLE_MINUTES},
            )
            return HttpResponseRedirect(_login_url(request))
        if last_seen is None or now - last_seen >= LAST_SEEN_GRANULARITY:
            request.session[session.LAST_SEEN] = now
        return None

    def _second_factor(self, request: HttpRequest) -> HttpResponse | None:
        state = session.state(request)
        if state in (None, session.OPTIONAL):
            return None
        if state == session.DONE:
            if request.user.is_verified():
                return None
            # The authenticator or the code set that confirmed this session
            # was reset or replaced: the session ends with it.
            logout(request)
            messages.info(
                request,
                _("Your second factor changed, so you were signed out. Please sign in again."),
            )
            return HttpResponseRedirect(_login_url(request))
        if not request.path_info.startswith(reverse("admin:index")) or _exempt(request):
            return None
        target = "accounts:verify" if state == session.VERIFY else "accounts:setup"
        return HttpResponseRedirect(
            f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}"
        )


def _exempt(request: HttpRequest) -> bool:
    """The pages an unfinished sign-in may open: the steps themselves and signing out."""
    return request.path_info in {
        reverse("admin:logout"),
        reverse("admin:login"),
        reverse("accounts:verify"),
        reverse("accounts:setup"),
        reverse("admin:jsi18n"),
    }
