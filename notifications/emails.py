"""How every email looks: subject, plain text and HTML from the ``email/`` templates.

A leaf of the notifications app: it knows templates and the site's name and
address, nothing of articles or reviews. ``notify`` renders each message once,
when the change it reports commits, and keeps what it rendered.
"""

from __future__ import annotations

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string


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
