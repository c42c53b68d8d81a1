"""Email, rendered from templates and sent through Django's mail framework."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def send_templated(*, template: str, recipients: Iterable, context: dict) -> None:
    """Send ``email/<template>.txt`` to each user that has an address.

    The template's first line is the subject. Receivers run after commit, so
    a failing mail server is logged and never undoes the change it reports.
    """
    addresses = sorted({user.email for user in recipients if getattr(user, "email", "")})
    if not addresses:
        return
    context = {
        "site_name": settings.EDITORIAL_SITE_NAME,
        "base_url": settings.EDITORIAL_BASE_URL,
        **context,
    }
    subject, _, body = render_to_string(f"email/{template}.txt", context).strip().partition("\n")
    try:
        send_mail(subject.strip(), body.strip() + "\n", None, addresses)
    except Exception:
        logger.exception("Could not send the %s email to %s", template, addresses)
