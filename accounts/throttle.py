"""django-axes' failure count and lockout, extended to the second step.

A wrong code counts as a failed sign-in for the account and address, like a
wrong password; the lockout after AXES_FAILURE_LIMIT failures covers both.
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address
from axes.utils import reset
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest


def _credentials(user) -> dict:
    return {"username": user.get_username()}


def record_failure(request: HttpRequest, user) -> None:
    user_login_failed.send(sender=__name__, credentials=_credentials(user), request=request)


def is_locked(request: HttpRequest, user) -> bool:
    return AxesProxyHandler.is_locked(request, _credentials(user))


def reset_failures(request: HttpRequest, user) -> None:
    reset(ip=get_client_ip_address(request), username=user.get_username())
