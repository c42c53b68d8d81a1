"""Running background tasks in tests, through django-tasks-db's own worker code."""

from __future__ import annotations

import contextlib
from unittest import mock

from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from notifications.worker import EditorialWorker


def make_worker(worker_id: str = "test-worker", max_tasks: int | None = None) -> EditorialWorker:
    return EditorialWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


@contextlib.contextmanager
def keep_test_transaction():
    """Inside a test's transaction, stop the worker from closing the connection.

    The worker closes connections it finds outside autocommit (as after a
    request); in a test that is the test's own transaction, which PostgreSQL
    would lose. SQLite's in-memory test database is never closed anyway.
    """
    if not connection.in_atomic_block:
        yield
        return
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    ):
        yield


def run_worker(worker_id: str = "test-worker") -> None:
    """Run every task that is due, as ``manage.py worker --batch`` would, then return."""
    with keep_test_transaction():
        make_worker(worker_id).run()


def run_task_now(result_id, worker_id: str = "test-worker") -> None:
    """Claim and run one task if it is still waiting and due (what a worker does next)."""
    with exclusive_transaction():
        result = DBTaskResult.objects.ready().filter(pk=result_id).get_locked()
        if result is None:
            return
        result.claim(worker_id)
    make_worker(worker_id).run_task(result)


def run_after_commit(sender, task_result, **kwargs) -> None:
    """A receiver of ``task_enqueued``: run the task as soon as its transaction commits.

    Most tests use it, so the email a change queues arrives in ``mail.outbox``
    when that change commits (``django_capture_on_commit_callbacks`` in a
    test that runs in a transaction), as a worker with nothing else to do
    would send it.
    """
    transaction.on_commit(lambda: run_task_now(task_result.id))
