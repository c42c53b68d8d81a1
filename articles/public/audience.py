"""Which reader a page speaks to: a patient (or carer) or a health professional.

The choice lives in a cookie so that it works without JavaScript and
without an account; anything unknown in the cookie means the default.

A shared cache in front (deploy/varnish/editorial.vcl) reads the cookie,
sends the choice on in the ``Editorial-Audience`` header and drops the
cookies: the page then varies by that one normalised header, three copies
at most, whatever else the reader's cookies hold.
"""

from __future__ import annotations

from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

COOKIE_NAME = "audience"
# The request header a shared cache sets from the cookie; it wins over the cookie.
HEADER_META = "HTTP_EDITORIAL_AUDIENCE"
# What a page that speaks to one audience varies by: the cookie for browsers
# and caches that keep it, the normalised header for caches that set it.
VARY = ("Cookie", "Editorial-Audience")
# A year: long enough that a reader chooses once.
COOKIE_MAX_AGE = 365 * 24 * 60 * 60


class Audience(models.TextChoices):
    PATIENT = "patient", _("Patient or carer")
    PROFESSIONAL = "professional", _("Healthcare professional")


DEFAULT = Audience.PATIENT


# The members by value, looked up on every article request (``Audience.values``
# builds a new list each time).
_BY_VALUE = {member.value: member for member in Audience}


def chosen(request: HttpRequest) -> Audience | None:
    """The audience the reader picked, or None when they have not picked one."""
    value = request.META.get(HEADER_META)
    if value is None:
        value = request.COOKIES.get(COOKIE_NAME, "")
    return _BY_VALUE.get(value)


def current(request: HttpRequest) -> Audience:
    """The audience to write for: the reader's choice, else patients."""
    return chosen(request) or DEFAULT
