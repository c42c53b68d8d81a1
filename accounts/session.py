"""Where a staff session stands with the second factor, kept in the session itself.

Worked out once at sign-in (``receivers``) and moved on by the second step
and enrolment, so a back-office request costs no query to know it.
"""

from __future__ import annotations

from django.http import HttpRequest

KEY = "editorial_second_factor"
# Signed in with the password; the account has an authenticator to confirm.
VERIFY = "verify"
# Signed in with the password; the account must set up an authenticator first.
ENROL = "enrol"
# Signed in with the password; no second factor asked of this account.
OPTIONAL = "optional"
# Both steps done (django-otp holds the device that confirmed it).
DONE = "done"

LAST_SEEN = "editorial_last_seen"


def state(request: HttpRequest) -> str | None:
    return request.session.get(KEY)


def set_state(request: HttpRequest, value: str) -> None:
    request.session[KEY] = value
