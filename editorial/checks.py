"""Deployment checks of our own, run by ``manage.py check --deploy``.

Django's checks cover its security settings; these cover what would make a
production Editorial quietly wrong: readers' data on an embedded database,
email links over plain http, notifications printed to a console nobody reads.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def production_services(app_configs=None, **kwargs) -> list[Warning]:
    if not getattr(settings, "PRODUCTION", False):
        return []
    problems = []
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        problems.append(
            Warning(
                "Production runs on SQLite.",
                hint="Set DATABASE_URL to a PostgreSQL database: row locks, several web "
                "processes and backups need it.",
                id="editorial.W001",
            )
        )
    if not settings.EDITORIAL_BASE_URL.startswith("https://"):
        problems.append(
            Warning(
                f"EDITORIAL_BASE_URL is {settings.EDITORIAL_BASE_URL!r}: links in emails would "
                "not use https.",
                hint="Set EDITORIAL_BASE_URL to the public https address, e.g. "
                "https://health.example.org.",
                id="editorial.W002",
            )
        )
    if settings.EMAIL_BACKEND in {
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
    }:
        problems.append(
            Warning(
                "Email is not sent: EMAIL_BACKEND prints or drops messages.",
                hint="Set EMAIL_BACKEND (and Django's EMAIL_HOST settings) so authors, "
                "reviewers and editors receive their notifications.",
                id="editorial.W003",
            )
        )
    return problems
