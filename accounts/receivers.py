"""At sign-in: what the session still needs, and the login throttle's reset."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts import session
from accounts.services import has_second_factor, second_factor_required
from accounts.throttle import reset_failures


@receiver(user_logged_in, dispatch_uid="accounts.second_factor_state")
def second_factor_state(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    if has_second_factor(user):
        value = session.VERIFY
    elif second_factor_required(user):
        value = session.ENROL
    else:
        value = session.OPTIONAL
    session.set_state(request, value)
    request.session[session.LAST_SEEN] = int(time.time())
    if value == session.OPTIONAL and settings.AXES_ENABLED:
        # The password was the whole sign-in: its earlier failures are
        # forgotten, as django-axes would. With a second step they are kept
        # until that step succeeds (views.verify), so a known password does
        # not buy fresh guesses at the code.
        reset_failures(request, user)
