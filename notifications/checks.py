"""``manage.py check`` warns in production when no worker is running the tasks.

Registered under the ``tasks`` tag (by ``NotificationsConfig.ready``), so a
monitor can run ``manage.py check --tag tasks --fail-level WARNING`` and alert
on its exit status.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning
from django.db import DatabaseError
from django_tasks_db.models import DBTaskResult

from notifications.models import WorkerHeartbeat
from notifications.worker import stale_before


def worker_alive(app_configs=None, **kwargs) -> list[Warning]:
    if not getattr(settings, "PRODUCTION", False):
        return []
    try:
        seen = WorkerHeartbeat.objects.filter(seen_at__gte=stale_before()).exists()
        waiting = DBTaskResult.objects.ready().filter(enqueued_at__lt=stale_before()).count()
    except DatabaseError:  # not migrated yet: `migrate` will say so
        return []
    minutes = settings.TASKS_WORKER_STALE_SECONDS // 60
    problems = []
    if not seen:
        problems.append(
            Warning(
                f"No task worker has been seen for {minutes} minutes: email is not being sent.",
                hint="Start `manage.py worker` (see the README's production section) and check "
                "its log.",
                id="notifications.W001",
            )
        )
    if waiting:
        problems.append(
            Warning(
                f"{waiting} task(s) have waited more than {minutes} minutes for a worker.",
                hint="Start more workers, or find out why the running ones do not claim them.",
                id="notifications.W002",
            )
        )
    return problems
