"""Which reader a page speaks to: a patient (or carer) or a health professional.

The choice lives in a cookie so that it works without JavaScript and
without an account; anything unknown in the cookie means the default.
"""

from __future__ import annotations

from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

COOKIE_NAME = "audience"
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
    return _BY_VALUE.get(request.COOKIES.get(COOKIE_NAME, ""))


def current(request: HttpRequest) -> Audience:
    """The audience to write for: the reader's choice, else patients."""
    return chosen(request) or DEFAULT
