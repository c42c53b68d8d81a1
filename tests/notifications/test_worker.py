"""The worker command and the check that warns when no worker runs."""

from __future__ import annotations

import datetime
import io

from django.core.checks import registry
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.services import article_submit
from notifications.checks import worker_alive
from notifications.choices import DeliveryStatus
from notifications.models import Delivery, WorkerHeartbeat
from notifications.worker import beat
from tests.taskrunner import keep_test_transaction


def test_worker_command_sends_what_is_queued(article, author, editor, tasks_wait, mailoutbox):
    """``manage.py worker --batch`` sends the queued email and leaves no heartbeat behind."""
    article_submit(article=article, by=author)

    with keep_test_transaction():
        call_command("worker", "--batch", "--no-startup-delay", "--no-reload", stdout=io.StringIO())

    assert [m.to for m in mailoutbox] == [[editor.email]]
    assert Delivery.objects.get().status == DeliveryStatus.DELIVERED
    assert not WorkerHeartbeat.objects.exists()


def test_check_runs_under_the_tasks_tag():
    """``manage.py check --tag tasks`` runs the worker check, which a monitor relies on."""
    assert worker_alive in registry.registry.get_checks()
    assert "tasks" in registry.registry.tags_available()


def test_check_warns_in_production_when_no_worker_is_seen(db, settings):
    """Production without a recent heartbeat: a warning; with one: silence."""
    settings.PRODUCTION = True
    assert [w.id for w in worker_alive()] == ["notifications.W001"]

    beat("web-1-worker")
    assert worker_alive() == []

    settings.PRODUCTION = False
    WorkerHeartbeat.objects.all().delete()
    assert worker_alive() == []


def test_check_warns_about_tasks_nobody_claimed(article, author, editor, tasks_wait, settings):
    """A task waiting longer than the stale limit is reported even if a worker beats."""
    settings.PRODUCTION = True
    article_submit(article=article, by=author)
    beat("stuck-worker")
    DBTaskResult.objects.update(enqueued_at=timezone.now() - datetime.timedelta(hours=1))

    assert [w.id for w in worker_alive()] == ["notifications.W002"]
