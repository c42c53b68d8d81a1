"""The task worker: django-tasks-db's, plus a heartbeat and the recovery of lost tasks.

django-tasks-db claims a task by locking its row with ``SELECT … FOR UPDATE
SKIP LOCKED`` and marking it running in the same transaction (on SQLite, in
an exclusive transaction), so two workers never run one task. What it does
not do is notice a worker that died in the middle of a task: that task
would stay "running" for ever. Here each worker says it is alive every few
seconds (``WorkerHeartbeat``), and looks for tasks left running by a worker
that has not been seen for ``TASKS_WORKER_STALE_SECONDS``: such a task is
marked failed ("worker lost") and queued again. Tasks are written to be run
again safely (an email is marked delivered by the task that sends it).
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import threading

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from notifications.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10


class WorkerLost(Exception):
    """The worker running a task stopped before the task finished."""


def stale_before() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=settings.TASKS_WORKER_STALE_SECONDS)


def beat(worker_id: str) -> None:
    """Record that ``worker_id`` is alive now."""
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"seen_at": timezone.now(), "hostname": socket.gethostname(), "pid": os.getpid()},
    )


def recover_lost_tasks() -> int:
    """Queue again the tasks whose worker vanished while running them; returns how many."""
    alive = set(
        WorkerHeartbeat.objects.filter(seen_at__gte=stale_before()).values_list(
            "worker_id", flat=True
        )
    )
    recovered = 0
    with transaction.atomic():
        running = DBTaskResult.objects.filter(
            status=TaskResultStatus.RUNNING, started_at__lt=stale_before()
        ).select_for_update(skip_locked=True)
        for result in running:
            if result.worker_ids and result.worker_ids[-1] in alive:
                continue
            result.set_failed(
                WorkerLost(
                    f"Worker {result.worker_ids[-1] if result.worker_ids else '?'} "
                    "stopped while running this task; it was queued again."
                )
            )
            args = result.args_kwargs
            result.task.using(run_after=timezone.now()).enqueue(*args["args"], **args["kwargs"])
            recovered += 1
    if recovered:
        logger.warning("Queued again %s task(s) left running by a lost worker.", recovered)
    return recovered


class EditorialWorker(Worker):
    """django-tasks-db's worker, with a heartbeat thread that also recovers lost tasks."""

    def run(self) -> None:
        stop = threading.Event()
        beat(self.worker_id)
        thread = threading.Thread(target=self._keep_beating, args=(stop,), daemon=True)
        thread.start()
        try:
            super().run()
        finally:
            stop.set()
            thread.join(timeout=HEARTBEAT_SECONDS)
            # A worker that stops cleanly is not reported missing.
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()

    def _keep_beating(self, stop: threading.Event) -> None:
        try:
            while not stop.wait(HEARTBEAT_SECONDS):
                try:
                    beat(self.worker_id)
                    recover_lost_tasks()
                except Exception:  # the database may be restarting: say so, try again
                    logger.exception("Worker %s could not record its heartbeat", self.worker_id)
        finally:
            connection.close()
