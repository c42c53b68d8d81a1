"""Durable email: queued with the change, sent once by a worker, retried, recovered."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.models import Article
from articles.services import article_submit
from notifications.choices import DeliveryStatus
from notifications.models import Delivery, Notification, WorkerHeartbeat
from notifications.services import deliveries_retry
from notifications.tasks import delivery_send
from notifications.worker import recover_lost_tasks
from tests.factories import ArticleFactory, ReferenceFactory, UserFactory
from tests.notifications.conftest import time_passes
from tests.taskrunner import run_worker

real_commits = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def draft(author) -> Article:
    article = ArticleFactory(author=author, body="Rest helps [1].")
    ReferenceFactory(article=article, position=1)
    return article


def email_tasks() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path="notifications.tasks.deliver_email"))


@real_commits
def test_change_and_its_tasks_commit_together(author, editor, tasks_wait):
    """A committed submission leaves its inbox entry, its email record and its task."""
    article = article_submit(article=draft(author), by=author)

    (delivery,) = Delivery.objects.all()
    (task,) = email_tasks()
    assert (delivery.to, delivery.status) == (editor.email, DeliveryStatus.QUEUED)
    assert task.args_kwargs == {"args": [delivery.pk], "kwargs": {}}
    assert Notification.objects.get(recipient=editor).article_id == article.pk


@real_commits
def test_change_that_fails_after_queueing_leaves_no_task(author, editor, tasks_wait):
    """The change fails after its notification was queued: no entry, no email, no task."""
    article = draft(author)

    with pytest.raises(RuntimeError), transaction.atomic():
        article_submit(article=article, by=author)
        assert len(email_tasks()) == 1  # queued inside the transaction...
        raise RuntimeError("the next step of the change fails")

    assert email_tasks() == []  # ...and gone with it
    assert (Delivery.objects.count(), Notification.objects.count()) == (0, 0)
    assert Article.objects.get(pk=article.pk).state == "draft"
    run_worker()
    assert mail.outbox == []


def test_failed_send_is_retried_with_growing_waits_then_stays_failed(
    author, editor, tasks_wait, smtp, settings
):
    """Mail server down: each attempt waits twice as long; after the limit the email is failed."""
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    settings.NOTIFICATIONS_RETRY_SECONDS = 60
    smtp.stop()
    article_submit(article=draft(author), by=author)
    delivery = Delivery.objects.get()

    waits = []
    for _attempt in range(3):
        before = timezone.now()
        run_worker()
        delivery.refresh_from_db()
        if delivery.next_attempt_at:
            waits.append(round((delivery.next_attempt_at - before).total_seconds() / 60))
        run_worker()  # not due yet: nothing happens
        time_passes()

    assert waits == [1, 2]
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 3)
    assert "Connection refused" in delivery.last_error or "Errno" in delivery.last_error
    assert DBTaskResult.objects.filter(status="READY").count() == 0
    assert [t.status for t in sorted(email_tasks(), key=lambda t: t.enqueued_at)] == ["FAILED"] * 3


def test_failed_email_sent_again_by_an_editor_arrives_once(
    author, editor, tasks_wait, smtp, settings, client
):
    """An editor sends a failed email again from the outgoing-email page: it arrives once."""
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 1
    smtp.stop()
    article_submit(article=draft(author), by=author)
    run_worker()
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED

    client.force_login(editor)
    page = client.get(reverse("admin:notifications_delivery_changelist")).content.decode()
    assert "Failed: <strong>1</strong>" in page
    smtp.start()
    response = client.post(
        reverse("admin:notifications_delivery_changelist"),
        {"action": "send_again", "_selected_action": [delivery.pk]},
    )
    assert response.status_code == 302
    run_worker()
    run_worker()

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert [to for to, _subject in smtp.received.messages] == [editor.email]


def test_outgoing_email_page_is_for_editors_only(author, client):
    """Authors cannot see other people's email."""
    client.force_login(author)
    response = client.get(reverse("admin:notifications_delivery_changelist"))
    assert response.status_code == 403


def test_crash_between_send_and_completion_sends_once(author, editor, tasks_wait, smtp, settings):
    """A worker sends, then dies before finishing its task: the task runs again, sends nothing."""
    article_submit(article=draft(author), by=author)
    (task,) = email_tasks()
    task.claim("worker-that-dies")
    delivery_send(delivery_id=task.args_kwargs["args"][0])  # sent, then the process is killed
    assert len(smtp.received.messages) == 1

    DBTaskResult.objects.filter(pk=task.pk).update(
        started_at=timezone.now()
        - datetime.timedelta(seconds=settings.TASKS_WORKER_STALE_SECONDS + 1)
    )
    assert recover_lost_tasks() == 1
    run_worker()

    task.refresh_from_db()
    assert task.status == "FAILED" and "stopped while running" in task.traceback
    assert [t.status for t in email_tasks() if t.pk != task.pk] == ["SUCCESSFUL"]
    assert [t.return_value for t in email_tasks() if t.pk != task.pk] == ["already delivered"]
    assert len(smtp.received.messages) == 1


def test_task_of_a_live_worker_is_left_running(author, editor, tasks_wait, settings):
    """A long task on a worker that is still beating is not taken from it."""
    article_submit(article=draft(author), by=author)
    (task,) = email_tasks()
    task.claim("busy-worker")
    DBTaskResult.objects.filter(pk=task.pk).update(
        started_at=timezone.now() - datetime.timedelta(hours=1)
    )
    WorkerHeartbeat.objects.create(worker_id="busy-worker")

    assert recover_lost_tasks() == 0
    task.refresh_from_db()
    assert task.status == "RUNNING"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason=(
        "needs PostgreSQL: the race is between row locks (SELECT … FOR UPDATE SKIP LOCKED); "
        "SQLite runs one writer at a time and its shared in-memory test database fails "
        "concurrent writers instead of queueing them"
    ),
)
@real_commits
def test_workers_racing_run_each_task_once(author, tasks_wait):
    """Four workers at once on 40 queued emails: each email is sent by exactly one of them."""
    editors = [UserFactory(username=f"ed{i}", groups=["Editors"]) for i in range(40)]
    article_submit(article=draft(author), by=author)
    assert len(email_tasks()) == len(editors)
    mail.outbox.clear()
    barrier = threading.Barrier(4, timeout=60)
    errors = []

    def work(i: int) -> None:
        try:
            barrier.wait()
            run_worker(f"racer-{i}")
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    tasks = email_tasks()
    assert {t.status for t in tasks} == {"SUCCESSFUL"}
    assert all(len(t.worker_ids) == 1 for t in tasks)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(e.email for e in editors)
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1}


def test_only_editors_send_failed_email_again(author, editor, tasks_wait, settings):
    """The service refuses an author; the failed email stays failed."""
    settings.EMAIL_BACKEND = "tests.notifications.test_tasks.RefusingBackend"
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 1
    article_submit(article=draft(author), by=author)
    run_worker()

    with pytest.raises(PermissionDenied):
        deliveries_retry(deliveries=Delivery.objects.all(), by=author)
    assert Delivery.objects.get().status == DeliveryStatus.FAILED
    assert deliveries_retry(deliveries=Delivery.objects.all(), by=editor) == 1


class RefusingBackend:
    """An email backend whose server refuses everything."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server refused the connection")
