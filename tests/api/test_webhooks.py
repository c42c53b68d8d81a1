"""Webhooks: queued with the transition, signed, retried, disabled after repeated failure."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from api.models import WebhookDelivery
from api.scopes import DeliveryStatus
from api.services import subscription_create
from articles.exceptions import WorkflowError
from articles.models import Article
from articles.services import article_retract, article_submit
from reviewers.models import ReviewAssignment
from reviewers.services import assignment_accept, assignment_create
from tests.api.conftest import draft_body
from tests.api.webhook_receiver import Receiver, verify
from tests.factories import decision_record

pytestmark = pytest.mark.django_db

ALL_EVENTS = [
    "article.submitted",
    "article.changes_requested",
    "article.approved",
    "article.rejected",
    "article.retracted",
    "article.rereview_due",
]


def run_due_tasks() -> int:
    """Run every queued task that is due, as `manage.py db_worker` does."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests",
        excluded_queue_names=[],
    )
    ran = 0
    while (result := DBTaskResult.objects.ready().first()) is not None:
        result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    return ran


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def subscription(integration, receiver):
    return subscription_create(integration=integration, url=receiver.url, events=ALL_EVENTS)


@pytest.fixture
def own_draft(api, topic):
    pk = api.post("/api/v1/drafts/", draft_body(topic), format="json").json()["id"]
    return Article.objects.get(pk=pk)


def approve(article, editor, member, due_date, settings):
    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    assignment = assignment_create(article=article, reviewer=member, by=editor, due_date=due_date)
    assignment_accept(assignment=assignment, by=member.user)
    decision_record(
        assignment=ReviewAssignment.objects.get(pk=assignment.pk),
        by=member.user,
        decision="approve",
        no_conflict=True,
    )


def test_webhook_approved_arrives_signed(
    api, own_draft, subscription, receiver, editor, member, due_date, settings
):
    """Submit and approval each send one signed event the README's verifier accepts."""
    api.post(f"/api/v1/drafts/{own_draft.pk}/submit/", {}, format="json")
    approve(own_draft, editor, member, due_date, settings)
    # The two deliveries, and the notifications' email tasks beside them.
    run_due_tasks()
    events = [r["headers"]["Editorial-Event"] for r in receiver.received]
    assert events == ["article.submitted", "article.approved"]
    approved = receiver.received[1]
    assert verify(subscription.secret, approved["headers"], approved["body"])
    body = json.loads(approved["body"])
    assert body["article"]["id"] == own_draft.pk
    assert body["article"]["live_version"] == 1
    assert body["article"]["state"] == "approved"
    delivery = WebhookDelivery.objects.get(event="article.approved")
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.last_status_code == 204


def test_webhook_verifier_rejects_tampering(api, own_draft, subscription, receiver):
    """A changed body, another secret or an old timestamp fails verification."""
    api.post(f"/api/v1/drafts/{own_draft.pk}/submit/", {}, format="json")
    run_due_tasks()
    genuine = receiver.received[0]
    headers, body = genuine["headers"], genuine["body"]
    assert verify(subscription.secret, headers, body)
    assert not verify(subscription.secret, headers, body.replace(b"submitted", b"approved"))
    assert not verify("whsec_another", headers, body)
    old = {**headers, "Editorial-Timestamp": str(int(headers["Editorial-Timestamp"]) - 3600)}
    assert not verify(subscription.secret, old, body)


def test_webhook_rolled_back_transition_sends_nothing(own_draft, subscription, integration):
    """A transition whose transaction rolls back leaves no delivery and no task."""
    with pytest.raises(WorkflowError), transaction.atomic():
        article_submit(article=own_draft, by=integration.account)
        raise WorkflowError("Rolled back on purpose.")
    assert not WebhookDelivery.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_webhook_other_authors_drafts_are_not_sent(subscription, article, author, receiver):
    """An integration hears only about its own drafts."""
    article_submit(article=article, by=author)
    assert not WebhookDelivery.objects.exists()


def test_webhook_all_articles_receives_public_events_only(
    integration, receiver, approved_article, editor
):
    """With “every published article”, approvals and retractions of others' articles arrive."""
    subscription_create(
        integration=integration, url=receiver.url, events=ALL_EVENTS, all_articles=True
    )
    article_retract(article=approved_article, by=editor, reason="Outdated advice.")
    run_due_tasks()
    assert [r["headers"]["Editorial-Event"] for r in receiver.received] == ["article.retracted"]


def test_webhook_failure_is_retried_with_backoff(api, own_draft, subscription, receiver, settings):
    """A 500 schedules another try later; the next try that succeeds delivers."""
    settings.API_WEBHOOK_RETRY_BASE_SECONDS = 30
    receiver.status = [500, 200]
    api.post(f"/api/v1/drafts/{own_draft.pk}/submit/", {}, format="json")
    run_due_tasks()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.last_status_code == 500
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 20 < wait <= 30
    assert run_due_tasks() == 0  # not due yet
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    run_due_tasks()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 2
    assert [a.status_code for a in delivery.attempt_log.all()] == [500, 200]
    assert receiver.received[0]["headers"]["Editorial-Delivery"] == str(delivery.event_id)
    assert receiver.received[1]["headers"]["Editorial-Delivery"] == str(delivery.event_id)


def test_webhook_repeated_failure_disables_and_tells_editors(
    api, own_draft, subscription, receiver, settings, editor, django_capture_on_commit_callbacks
):
    """After the set number of failures in a row the subscription stops and editors are told."""
    settings.API_WEBHOOK_MAX_ATTEMPTS = 3
    settings.API_WEBHOOK_DISABLE_AFTER = 3
    receiver.status = 503
    api.post(f"/api/v1/drafts/{own_draft.pk}/submit/", {}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
            run_due_tasks()
    subscription.refresh_from_db()
    assert not subscription.active
    assert "503" in subscription.disabled_reason
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 3
    assert any("Webhook disabled" in m.subject for m in mail.outbox)
    assert editor.email in mail.outbox[-1].to


def test_webhook_redelivery_sends_the_same_event_again(
    api, own_draft, subscription, receiver, client, editor
):
    """The admin's “Deliver again” sends the same event id and body once more."""
    api.post(f"/api/v1/drafts/{own_draft.pk}/submit/", {}, format="json")
    run_due_tasks()
    delivery = WebhookDelivery.objects.get()
    client.force_login(editor)
    response = client.post(
        "/admin/api/webhookdelivery/",
        {"action": "redeliver", "_selected_action": [delivery.pk]},
    )
    assert response.status_code == 302
    run_due_tasks()
    assert len(receiver.received) == 2
    assert receiver.received[0]["body"] == receiver.received[1]["body"]
    log = client.get(f"/admin/api/webhookdelivery/{delivery.pk}/change/").content.decode()
    assert "204" in log
