"""Every change to a staff member's second factor, and who must have one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import RECOVERY_CODE_COUNT, RecoveryCode, RecoveryCodeDevice, digest, new_code
from articles.actionlog import log_action

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser as User

# Groups whose members decide what readers see: with EDITORIAL_REQUIRE_2FA
# they cannot reach the back office without a second factor.
REQUIRED_GROUPS = ("Editors", "Advisory Board")


def second_factor_required(user: User) -> bool:
    if not settings.EDITORIAL_REQUIRE_2FA:
        return False
    return user.is_superuser or user.groups.filter(name__in=REQUIRED_GROUPS).exists()


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_pending(*, user: User) -> TOTPDevice:
    """An authenticator key waiting to be confirmed with a first code (one at a time)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def totp_confirm(*, device: TOTPDevice, token: str, by: User) -> list[str] | None:
    """Confirm the pending key with a code from the app; None when the code is wrong.

    The new key replaces any earlier one, and the user gets a fresh set of
    recovery codes (returned, to be shown once).
    """
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if device.confirmed or not device.verify_token(token):
            return None
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(device.user)
        log_action(action="account.otp_enrol", by=by, payload={"user": device.user_id})
    return codes


def recovery_codes_renew(*, user: User, by: User) -> list[str]:
    """A new set of codes; the old ones stop working. Returned to be shown once."""
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        log_action(action="account.recovery_codes", by=by, payload={"user": user.pk})
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCodeDevice.objects.filter(user=user).delete()
    device = RecoveryCodeDevice.objects.create(user=user, name="Recovery codes")
    codes = [new_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(RecoveryCode(device=device, digest=digest(c)) for c in codes)
    return codes


def second_factor_reset(*, user: User, by: User) -> None:
    """An administrator removes a member's authenticator and codes (a lost phone).

    Every session of the member ends; at their next sign-in they set up a
    new authenticator (when it is required) or sign in with the password alone.
    """
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        RecoveryCodeDevice.objects.filter(user=user).delete()
        log_action(action="account.otp_reset", by=by, payload={"user": user.pk})
        transaction.on_commit(lambda: sessions_end(user=user))


def sessions_end(*, user: User, keep: str | None = None) -> int:
    """End every session of the user but ``keep`` (the session key making the change).

    Sessions live in the database and belong to staff only (the public
    pages use none), so looking through the unexpired ones is cheap.
    """
    ended = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.session_key == keep:
            continue
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            ended.append(session.session_key)
    Session.objects.filter(session_key__in=ended).delete()
    return len(ended)
