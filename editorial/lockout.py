"""Login throttling with django-axes: its authentication backend and lockout page."""

from __future__ import annotations

import math

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """429 with a page that says what happened and when to try again."""
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    return render(
        request,
        "safety/lockout.html",
        {
            # The back office's own header and title around the message.
            **admin.site.each_context(request),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "minutes": minutes,
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuses sign-in for a locked-out account and address, as django-axes does.

    django-axes raises when ``authenticate()`` is called without a request;
    code that signs in outside a web request (the test client's ``login()``,
    a management command) has no address to throttle, so it passes through
    to the next backend. Every sign-in through a web page has a request.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
