"""``manage.py send_review_reminders``: the right reminder, to the right people, once."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase

from articles import services as article_services
from reviewers.models import ReminderRule, ReminderSent, ReviewAssignment
from reviewers.services import assignment_create
from tests.reviewers.helpers import assign_accepted


def run(*args: str) -> str:
    """The cron command; what it queues is sent as it commits."""
    out = io.StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("send_review_reminders", *args, stdout=out)
    return out.getvalue()


def subjects(mailoutbox) -> list[tuple[str, tuple[str, ...]]]:
    return [(m.subject.split(":")[0], tuple(m.to)) for m in mailoutbox]


@pytest.fixture
def accepted(clock, submitted_article, member, editor):
    """``member`` reviewing, due in 10 days from the frozen today."""
    return assign_accepted(
        article=submitted_article,
        reviewer=member,
        by=editor,
        respond_by=clock.today() + datetime.timedelta(days=2),
        due_date=clock.today() + datetime.timedelta(days=10),
    )


def test_default_rules_come_with_the_database(db):
    """A fresh database has a reminder before replying, before and after the due date."""
    assert set(ReminderRule.objects.values_list("event", "days", "template")) == {
        ("respond_soon", 1, "reminder_respond"),
        ("due_soon", 3, "reminder_due"),
        ("overdue", 1, "reminder_overdue"),
        ("overdue_editors", 3, "reminder_overdue_editors"),
    }


def test_nothing_is_sent_while_no_deadline_is_near(accepted, mailoutbox):
    """Ten days before the due date no rule applies."""
    assert "Sent 0 reminder(s)" in run()
    assert mailoutbox == []


def test_member_is_reminded_three_days_before_due_once(clock, accepted, member, mailoutbox):
    """Three days before the due date the member gets one reminder; hourly runs add none."""
    clock.advance(days=7)

    run()
    run()
    clock.advance(hours=5)
    run()

    assert subjects(mailoutbox) == [
        ("Reminder — review due " + (accepted.due_date.strftime("%-d %B")), (member.user.email,))
    ]
    assert ReminderSent.objects.count() == 1


def test_missed_run_still_sends_a_reminder_before_the_deadline(clock, accepted, mailoutbox):
    """If cron did not run on the day, the next run before the due date still reminds."""
    clock.advance(days=9)

    run()

    assert len(mailoutbox) == 1


def test_overdue_review_reminds_member_then_tells_editors(
    clock, accepted, member, editor, mailoutbox
):
    """A day after the due date the member hears; three days after, the editors too."""
    clock.advance(days=11)
    run()
    clock.advance(days=2)
    run()
    run()

    # "Due soon" applies only up to the due date: it is not sent late.
    assert subjects(mailoutbox) == [
        ("Overdue review", (member.user.email,)),
        ("Review overdue by 3 days", (editor.email,)),
    ]
    editors_mail = mailoutbox[1]
    assert member.name in editors_mail.body
    assert "/admin/articles/article/" in editors_mail.body
    assert "text/html" in [kind for _, kind in editors_mail.alternatives]


def test_invited_member_is_reminded_to_reply(clock, submitted_article, member, editor, mailoutbox):
    """A day before the reply deadline an unanswered invitation earns a reminder."""
    assignment_create(
        article=submitted_article,
        reviewer=member,
        by=editor,
        respond_by=clock.today() + datetime.timedelta(days=3),
        due_date=clock.today() + datetime.timedelta(days=14),
    )
    clock.advance(days=2)

    run()

    assert subjects(mailoutbox) == [
        ("Reminder — please reply to the invitation", (member.user.email,))
    ]


def test_switched_off_rule_sends_nothing(clock, accepted, mailoutbox):
    """A rule the editors turned off stays silent."""
    ReminderRule.objects.filter(event="due_soon").update(active=False)
    clock.advance(days=8)

    run()

    assert mailoutbox == []


def test_new_rule_from_the_admin_is_followed(clock, accepted, mailoutbox):
    """Editors may add a rule (here: seven days before due)."""
    ReminderRule.objects.create(event="due_soon", days=7, template="reminder_due")
    clock.advance(days=3)

    run()

    assert len(mailoutbox) == 1


def test_ended_round_gets_no_reminders(clock, accepted, author, mailoutbox):
    """A withdrawn article's closed assignment is never chased."""
    article_services.article_withdraw(article=accepted.article_id, by=author)
    clock.advance(days=12)

    run()

    assert mailoutbox == []


def test_moved_due_date_earns_a_fresh_reminder(clock, accepted, mailoutbox):
    """A reminder is per deadline: a new due date is reminded of again."""
    clock.advance(days=8)
    run()
    ReviewAssignment.objects.filter(pk=accepted.pk).update(
        due_date=clock.today() + datetime.timedelta(days=1)
    )
    run()

    assert len(mailoutbox) == 2


def test_reminders_are_recorded_as_sent_by_the_system_account(clock, accepted, settings):
    """Without --user, the record names the inactive system account."""
    clock.advance(days=8)

    run()

    sent = ReminderSent.objects.get()
    assert sent.sent_by.username == settings.EDITORIAL_SYSTEM_USERNAME
    assert not sent.sent_by.is_active
    assert not sent.sent_by.has_usable_password()


def test_user_option_names_who_sent(clock, accepted, editor):
    """--user records the named account instead."""
    clock.advance(days=8)

    run("--user", editor.username)

    assert ReminderSent.objects.get().sent_by == editor


def test_unknown_user_is_a_clear_error(db):
    """A mistyped --user stops the command with a plain message."""
    with pytest.raises(CommandError, match="There is no user “nobody”"):
        run("--user", "nobody")


def test_dry_run_lists_without_sending(clock, accepted, mailoutbox):
    """--dry-run says what would go out and records nothing."""
    clock.advance(days=8)

    output = run("--dry-run")

    assert "Would send 1 reminder(s)" in output
    assert (mailoutbox, ReminderSent.objects.count()) == ([], 0)
