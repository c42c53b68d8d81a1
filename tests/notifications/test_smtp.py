"""Against a real SMTP server (aiosmtpd): every message arrives once, only for committed changes."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import transaction

from articles.services import article_submit, article_withdraw
from notifications.choices import DeliveryStatus
from notifications.models import Delivery
from reviewers.models import ReminderSent
from reviewers.services import assignment_create
from tests.factories import ArticleFactory, BoardMemberFactory, ReferenceFactory, UserFactory
from tests.notifications.conftest import time_passes
from tests.reviewers.conftest import clock  # noqa: F401 (a fixture)
from tests.reviewers.helpers import assign_accepted
from tests.taskrunner import run_worker

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_mail_server_down_then_up_every_message_arrives_once(smtp, tasks_wait, due_date):
    """Server down, changes made (one rolled back), server up, worker: each message once."""
    author = UserFactory(username="writer", groups=["Authors"])
    editors = [UserFactory(username=f"chief{i}", groups=["Editors"]) for i in range(2)]
    member = BoardMemberFactory(user=UserFactory(username="doctor", groups=["Advisory Board"]))
    article = ArticleFactory(author=author, title="Does ice help a sprain?", body="Yes [1].")
    ReferenceFactory(article=article, position=1)
    smtp.stop()

    article_submit(article=article, by=author)
    assignment_create(article=article, reviewer=member, by=editors[0], due_date=due_date)
    with pytest.raises(RuntimeError), transaction.atomic():
        article_withdraw(article=article, by=author)  # would tell both editors
        raise RuntimeError("the request fails after the withdrawal")
    assert smtp.received.messages == []  # nothing before the worker, nothing for the rollback

    run_worker()  # every attempt meets a closed port
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.RETRYING}
    smtp.start()
    time_passes()
    run_worker()
    run_worker()

    assert sorted(smtp.received.messages) == sorted(
        [
            (editors[0].email, "Submitted for review: Does ice help a sprain?"),
            (editors[1].email, "Submitted for review: Does ice help a sprain?"),
            (member.user.email, "Please review: Does ice help a sprain?"),
        ]
    )
    assert set(Delivery.objects.values_list("status", "attempts")) == {
        (DeliveryStatus.DELIVERED, 2)
    }


@pytest.fixture
def accepted_review(clock, submitted_article, member, editor):  # noqa: F811
    return assign_accepted(
        article=submitted_article,
        reviewer=member,
        by=editor,
        respond_by=clock.today() + datetime.timedelta(days=2),
        due_date=clock.today() + datetime.timedelta(days=10),
    )


def test_reminder_that_fails_to_send_is_retried_not_lost(
    clock,  # noqa: F811
    accepted_review,
    member,
    smtp,
    tasks_wait,
):
    """The reminder is recorded as the mail server is down; the worker delivers it later, once."""
    run_worker()  # the invitation and the rest of the set-up
    smtp.received.envelopes.clear()
    clock.advance(days=7)
    smtp.stop()
    call_command("send_review_reminders", stdout=io.StringIO())
    call_command("send_review_reminders", stdout=io.StringIO())  # the next hourly run
    run_worker()
    assert (ReminderSent.objects.count(), smtp.received.messages) == (1, [])

    smtp.start()
    time_passes()
    run_worker()

    (sent,) = smtp.received.messages
    assert sent[0] == member.user.email and sent[1].startswith("Reminder — review due")
