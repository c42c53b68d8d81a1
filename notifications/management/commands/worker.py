"""``manage.py worker``: run background tasks (email) until stopped.

The options are django-tasks-db's ``db_worker`` options; this command adds
the heartbeat and the recovery of tasks a lost worker left running
(notifications/worker.py). Run one per machine or more: they never run one
task twice.
"""

import os

from django.core.checks.registry import registry
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand
from django_tasks_db.management.commands.db_worker import logger

from notifications.worker import EditorialWorker


class Command(DBWorkerCommand):
    help = "Run background tasks (email), with a heartbeat and recovery of lost tasks."

    def check(self, app_configs=None, tags=None, **kwargs):
        # A worker starting up is the answer to "no worker seen": don't print the question.
        tags = tags or sorted(registry.tags_available() - {"tasks"})
        return super().check(app_configs=app_configs, tags=tags, **kwargs)

    def handle(
        self,
        *,
        verbosity,
        queue_name,
        interval,
        batch,
        backend_name,
        startup_delay,
        reload,
        max_tasks,
        worker_id,
        exclude_queues,
        **options,
    ):
        self.configure_logging(verbosity)
        if reload and batch:
            logger.warning("--reload and --batch cannot be used together: not reloading.")
            reload = False
        worker = EditorialWorker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
