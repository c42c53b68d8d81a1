"""The demo's one account with a second factor, so `make run` can show the second step."""

from __future__ import annotations

import base64

from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

# A board member's account, not one the walkthrough needs, so the rest of
# the demo still signs in with the password alone.
DEMO_USERNAME = "dr.novak"
# Published with the demo on purpose (like its password): add it to any
# authenticator app to sign in as this account.
DEMO_KEY_HEX = "4564697469726f616c2d64656d6f2d6b65792121"


def demo_key() -> str:
    """The key as authenticator apps take it (base32)."""
    return base64.b32encode(bytes.fromhex(DEMO_KEY_HEX)).decode()


def ensure_demo_second_factor() -> str | None:
    """Give the demo account its authenticator, once; the username, or None without it."""
    user = get_user_model().objects.filter(username=DEMO_USERNAME).first()
    if user is None:
        return None
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(
            user=user, name="Demo authenticator", key=DEMO_KEY_HEX, confirmed=True
        )
    return user.get_username()
