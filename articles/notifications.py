"""Email, rendered from templates and sent through Django's mail framework."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def render_email(template: str, context: dict) -> tuple[str, str, str]:
    """Subject, plain text and HTML of ``email/<template>``.

    ``<template>.txt`` gives the subject (first line) and the plain text.
    ``<template>.html`` gives the HTML; without one, the plain text is set in
    the shared HTML layout so every email has both parts.
    """
    context = {
        "site_name": settings.EDITORIAL_SITE_NAME,
        "base_url": settings.EDITORIAL_BASE_URL,
        **context,
    }
    subject, _, body = render_to_string(f"email/{template}.txt", context).strip().partition("\n")
    subject, body = subject.strip(), body.strip() + "\n"
    context = {**context, "subject": subject, "plain_body": body}
    try:
        html = render_to_string(f"email/{template}.html", context)
    except TemplateDoesNotExist:
        html = render_to_string("email/_plain_as_html.html", context)
    return subject, body, html


def send_templated(*, template: str, recipients: Iterable, context: dict) -> list[str]:
    """Send ``email/<template>`` to each user that has an address; return the addresses.

    Receivers run after commit, so a failing mail server is logged and never
    undoes the change it reports.
    """
    addresses = sorted({user.email for user in recipients if getattr(user, "email", "")})
    if not addresses:
        return []
    subject, body, html = render_email(template, context)
    message = EmailMultiAlternatives(subject, body, None, addresses)
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:
        logger.exception("Could not send the %s email to %s", template, addresses)
    return addresses
