"""Recovery codes: django-otp's static device, with the codes stored as hashes.

django_otp.plugins.otp_static keeps its tokens in clear in the database, so
anyone who reads a backup could sign in with them. These codes are 80
random bits each, shown once; only their SHA-256 is kept (a slow hash adds
nothing against 80 random bits, and a fast one finds a code in one indexed
query).
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin

# Codes a user gets at a time.
RECOVERY_CODE_COUNT = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
_CODE_LENGTH = 16  # 16 characters of 31: 79 bits


def new_code() -> str:
    """A fresh code, as shown to the user: four groups of four."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _CODE_LENGTH, 4))


def normalise(code: str) -> str:
    """What a user typed, without spaces, dashes or capitals."""
    return "".join(ch for ch in code.lower() if ch.isalnum())


def digest(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


class RecoveryCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """A user's set of single-use recovery codes, for when the authenticator is lost."""

    class Meta:
        verbose_name = _("recovery code set")
        verbose_name_plural = _("recovery code sets")

    def get_throttle_factor(self) -> int:
        # As django-otp's static device: each wrong code doubles the wait.
        return getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1)

    def verify_token(self, token) -> bool:
        allowed, _details = self.verify_is_allowed()
        if not allowed:
            return False
        with transaction.atomic():
            # Deleting the row is what makes a code single-use: of two
            # requests racing with the same code, one deletes nothing.
            used, _counts = self.codes.filter(digest=digest(str(token))).delete()
            if used:
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
                return True
        self.throttle_increment()
        return False

    def remaining(self) -> int:
        return self.codes.count()


class RecoveryCode(models.Model):
    device = models.ForeignKey(
        RecoveryCodeDevice,
        on_delete=models.CASCADE,
        related_name="codes",
        verbose_name=_("recovery code set"),
    )
    digest = models.CharField(
        _("SHA-256 of the code"),
        max_length=64,
        db_index=True,
        help_text=_("The code itself is shown once and never stored."),
    )

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self) -> str:
        return self.digest[:8]
