"""The page django-axes shows once a back-office login is locked out."""

from __future__ import annotations

import math

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
