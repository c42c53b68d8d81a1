"""Deployment checks of our own, run by ``manage.py check --deploy``.

Django's checks cover its security settings; these cover what would make a
production Editorial quietly wrong: readers' data on an embedded database,
email links over plain http, notifications printed to a console nobody reads.
``EditorialAdminConfig.ready`` (editorial/apps.py) registers them.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.checks import Error, Warning


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


# Cache backends whose entries live in one process's memory (or nowhere).
PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


def _per_process(alias: str) -> bool:
    backend = settings.CACHES.get(alias, {}).get("BACKEND", "")
    return backend in PER_PROCESS_CACHES


def _stores_that_must_be_shared() -> list[str]:
    """What coordinates web workers (limits, lockouts, sessions) but lives in one process."""
    found = []
    if settings.SESSION_ENGINE in {
        "django.contrib.sessions.backends.cache",
        "django.contrib.sessions.backends.cached_db",
    } and _per_process(settings.SESSION_CACHE_ALIAS):
        found.append(f"sessions (SESSION_ENGINE, cache {settings.SESSION_CACHE_ALIAS!r})")
    axes_handler = getattr(settings, "AXES_HANDLER", "axes.handlers.database.AxesDatabaseHandler")
    if "cache" in axes_handler.lower() and _per_process(getattr(settings, "AXES_CACHE", "default")):
        found.append("login lockouts (AXES_HANDLER)")
    return found


def shared_stores(app_configs=None, **kwargs) -> list:
    """Several web workers must count limits and lockouts in one shared store.

    A per-process store gives each worker its own count: two workers let a
    client through twice as often. Readers' report limits always live in the
    database (articles/ratelimit.py); sessions and lockouts do by default.
    This fails when a setting moved one of those into per-process memory
    while more than one worker may run (gunicorn's WEB_CONCURRENCY unset or
    above 1).
    """
    if not getattr(settings, "PRODUCTION", False):
        return []
    workers = os.environ.get("WEB_CONCURRENCY", "").strip()
    if workers.isdigit() and int(workers) <= 1:
        return []
    stores = _stores_that_must_be_shared()
    if not stores:
        return []
    return [
        Error(
            "Several web workers would each keep their own " + ", ".join(stores) + ".",
            hint="Keep them in the database (the default), or in a cache every worker shares "
            "(REDIS_URL); or run a single worker with WEB_CONCURRENCY=1.",
            id="editorial.E001",
        )
    ]
