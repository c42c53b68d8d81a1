"""Races and faults on real transactions: one winner, consistent records, email after commit.

The racing tests run real threads, each on its own database connection, on
PostgreSQL; SQLite skips them (see ``needs_row_locks``). The fault-injection
tests need real commits but no threads, so they run on both databases.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import services
from articles.exceptions import ConcurrentChange, WorkflowError
from articles.models import Article, AuditEntry, PublishedVersion
from reviewers.choices import AssignmentStatus
from reviewers.models import ReviewAssignment, ReviewDecision
from reviewers.services import (
    assignment_accept,
    assignment_cancel,
    assignment_create,
    assignment_decline,
)
from tests.factories import UserFactory, decision_record, on_screen
from tests.safety.conftest import assert_trail_is_a_chain, needs_row_locks

# serialized_rollback: the flush after each test would take the groups
# the data migrations create with it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# PostgreSQL allows 100 connections by default and other test runs share it.
RACERS = int(os.environ.get("SAFETY_RACERS", "50"))


def race(count: int, action: Callable[[int], object]) -> list[tuple[str, object]]:
    """Run ``action(i)`` in ``count`` threads released at the same instant.

    Each thread has its own connection (Django's are per thread), closed at
    the end; returns ("ok", result) or ("error", exception) per thread.
    """
    barrier = threading.Barrier(count, timeout=60)
    results: list[tuple[str, object]] = [("missing", None)] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = ("ok", action(index))
        except Exception as error:  # recorded and asserted on by the caller
            results[index] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def footprint(article: Article) -> dict:
    fresh = Article.objects.get(pk=article.pk)
    return {
        "state": fresh.state,
        "live_version": fresh.live_version_id,
        "audit_entries": AuditEntry.objects.filter(article=fresh).count(),
        "history": fresh.history.count(),
        "versions": PublishedVersion.objects.filter(article=fresh).count(),
        "decisions": ReviewDecision.objects.filter(assignment__article=fresh).count(),
        "assignments": list(
            ReviewAssignment.objects.filter(article=fresh).values_list("status", flat=True)
        ),
    }


# --- Races --------------------------------------------------------------------------------


@needs_row_locks
def test_fifty_concurrent_approvals_make_one_transition(stage, cast):
    """50 editors approving at once: one approval, one entry, one version, one history row."""
    article = stage.make("approvable")
    before = footprint(article)
    mail.outbox.clear()

    results = race(
        RACERS,
        lambda i: services.article_approve(
            article=article.pk, by=cast.editor, expected_state="under_review"
        ),
    )

    winners = [r for kind, r in results if kind == "ok"]
    losers = [r for kind, r in results if kind == "error"]
    assert len(winners) == 1
    assert len(losers) == RACERS - 1
    assert all(isinstance(error, ConcurrentChange) for error in losers), losers[:3]
    assert "already changed" in str(losers[0])
    after = footprint(article)
    assert after["state"] == "approved"
    assert after["audit_entries"] == before["audit_entries"] + 1
    assert after["history"] == before["history"] + 1
    assert after["versions"] == 1
    assert after["live_version"] is not None
    assert [m.to for m in mail.outbox if m.subject.startswith("Approved")] == [[cast.author.email]]
    assert_trail_is_a_chain(article)


@needs_row_locks
def test_fifty_concurrent_approvals_without_a_seen_state_are_refused_plainly(stage, cast):
    """Callers that do not say what they saw get the plain reason: it is approved now."""
    article = stage.make("approvable")
    results = race(RACERS, lambda i: services.article_approve(article=article.pk, by=cast.editor))
    errors = [r for kind, r in results if kind == "error"]
    assert len(errors) == RACERS - 1
    assert all(isinstance(e, WorkflowError) for e in errors)
    assert "while the article is approved" in str(errors[0])
    assert footprint(article)["versions"] == 1


@needs_row_locks
def test_fifty_concurrent_approve_clicks_in_the_admin_never_fail(stage, cast):
    """Through the admin: every click answers a redirect with a message, never a 5xx."""
    article = stage.make("approvable")
    before = footprint(article)
    url = reverse("admin:articles_article_transition", args=[article.pk, "approve"])
    clients = [cast.client("editor") for _ in range(RACERS)]

    results = race(RACERS, lambda i: clients[i].post(url, {"state": "under_review", "comment": ""}))

    assert all(kind == "ok" for kind, _ in results), [r for k, r in results if k != "ok"][:3]
    assert {response.status_code for _, response in results} == {302}
    pages = [
        client.get(reverse("admin:articles_article_change", args=[article.pk]))
        for client in clients
    ]
    said = [page.content.decode() for page in pages]
    assert sum("Approved and published" in text for text in said) == 1
    assert sum("This article has already changed" in text for text in said) == RACERS - 1
    after = footprint(article)
    assert after["audit_entries"] == before["audit_entries"] + 1
    assert after["history"] == before["history"] + 1
    assert after["versions"] == 1


@needs_row_locks
@pytest.mark.parametrize("attempt", range(4))
def test_approve_against_request_changes_has_one_winner(stage, cast, attempt):
    """An editor approving while another requests changes: exactly one of them happens."""
    article = stage.make("approvable")
    other_editor = UserFactory(username=f"other_editor{attempt}", groups=["Editors"])
    before = footprint(article)
    actions = [
        lambda: services.article_approve(
            article=article.pk, by=cast.editor, expected_state="under_review"
        ),
        lambda: services.article_request_changes(
            article=article.pk,
            by=other_editor,
            comment="Cite the newer trial.",
            expected_state="under_review",
        ),
    ]
    results = race(2, lambda i: actions[i]())
    kinds = sorted(kind for kind, _ in results)
    assert kinds == ["error", "ok"]
    assert isinstance(next(r for k, r in results if k == "error"), ConcurrentChange)
    after = footprint(article)
    assert after["state"] in ("approved", "changes_requested")
    assert after["versions"] == (1 if after["state"] == "approved" else 0)
    assert after["audit_entries"] == before["audit_entries"] + 1
    assert_trail_is_a_chain(article)


@needs_row_locks
@pytest.mark.parametrize("attempt", range(4))
def test_submit_against_withdraw_keeps_a_consistent_trail(stage, cast, attempt):
    """Submit from one tab and withdraw from a stale one: whatever the order, the trail holds."""
    article = stage.make("draft")
    actions = [
        lambda: services.article_submit(article=article.pk, by=cast.author, expected_state="draft"),
        lambda: services.article_withdraw(
            article=article.pk, by=cast.author, expected_state="submitted"
        ),
    ]
    results = race(2, lambda i: actions[i]())
    outcome = {("submit", "withdraw")[i]: kind for i, (kind, _) in enumerate(results)}
    assert outcome["submit"] == "ok"
    state = Article.objects.get(pk=article.pk).state
    # Withdraw wins only if it ran after the submit; otherwise it is refused.
    assert state == ("draft" if outcome["withdraw"] == "ok" else "submitted")
    for kind, result in results:
        if kind == "error":
            assert isinstance(result, ConcurrentChange)
    assert_trail_is_a_chain(article)


@needs_row_locks
def test_editors_inviting_the_same_member_at_once_make_one_invitation(stage, cast):
    """Ten editors inviting one member to one article: one invitation, one email, no review yet."""
    article = stage.make("submitted")
    editors = [UserFactory(username=f"race_editor{i}", groups=["Editors"]) for i in range(10)]
    member = cast.member_assigned.board_member
    before = footprint(article)
    mail.outbox.clear()

    results = race(
        len(editors),
        lambda i: assignment_create(article=article.pk, reviewer=member, by=editors[i]),
    )

    assert sum(kind == "ok" for kind, _ in results) == 1
    errors = [r for kind, r in results if kind == "error"]
    assert all(isinstance(e, WorkflowError) for e in errors), errors[:3]
    assert all("already assigned" in str(e) for e in errors)
    invitations = ReviewAssignment.objects.filter(article=article, reviewer=member).exclude(
        status=AssignmentStatus.CANCELLED
    )
    assert list(invitations.values_list("status", flat=True)) == [AssignmentStatus.INVITED]
    # An invitation starts nothing: the review starts when a member accepts.
    after = footprint(article)
    assert (after["state"], after["audit_entries"]) == ("submitted", before["audit_entries"])
    assert [m.to for m in mail.outbox if m.subject.startswith("Please review")] == [
        [cast.member_assigned.email]
    ]
    assert_trail_is_a_chain(article)


@needs_row_locks
@pytest.mark.parametrize("attempt", range(3))
def test_members_accepting_at_once_start_the_review_once(stage, cast, attempt):
    """Four members accepting their invitations together: all accepted, one review start."""
    article = stage.make("submitted")
    users = [cast.member_assigned, cast.member_unassigned, cast.member_recused]
    users.append(cast.member_dissenting)
    invitations = [stage.invite(article, user) for user in users]
    before = footprint(article)

    results = race(
        len(users),
        lambda i: assignment_accept(assignment=invitations[i], by=users[i]),
    )

    assert all(kind == "ok" for kind, _ in results), [r for k, r in results if k != "ok"][:3]
    after = footprint(article)
    assert after["state"] == "under_review"
    assert after["audit_entries"] == before["audit_entries"] + 1
    assert after["history"] == before["history"] + 1
    assert sorted(after["assignments"]) == [AssignmentStatus.OPEN] * len(users)
    started = AuditEntry.objects.get(article=article, transition="start_review")
    assert started.by in users
    assert_trail_is_a_chain(article)


@needs_row_locks
@pytest.mark.parametrize("attempt", range(3))
def test_accept_against_cancel_has_one_winner(stage, cast, attempt):
    """A member accepting while an editor cancels the invitation: exactly one of them happens."""
    article = stage.make("submitted")
    invitation = stage.invite(article, cast.member_assigned)
    actions = [
        lambda: assignment_accept(assignment=invitation, by=cast.member_assigned),
        lambda: assignment_cancel(assignment=invitation, by=cast.editor, reason="Away."),
    ]
    results = race(2, lambda i: actions[i]())
    outcome = {("accept", "cancel")[i]: kind for i, (kind, _) in enumerate(results)}
    status = ReviewAssignment.objects.get(pk=invitation.pk).status
    state = Article.objects.get(pk=article.pk).state
    if outcome["accept"] == "ok":
        # Cancelling an accepted review is allowed: both may succeed, in that order.
        assert state == "under_review"
        assert status == (AssignmentStatus.CANCELLED if outcome["cancel"] == "ok" else "open")
    else:
        assert outcome["cancel"] == "ok"
        assert (status, state) == (AssignmentStatus.CANCELLED, "submitted")
        assert isinstance(next(r for k, r in results if k == "error"), WorkflowError)
    assert_trail_is_a_chain(article)


@needs_row_locks
def test_two_final_approvals_at_once_publish_once(stage, cast, settings):
    """With two approvals required, two members approving together publish exactly once."""
    article = stage.make("submitted")
    stage.assign(article, cast.member_assigned)
    stage.assign(article, cast.member_unassigned)
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    assignments = [
        stage.assignment(article, cast.member_assigned),
        stage.assignment(article, cast.member_unassigned),
    ]
    users = [cast.member_assigned, cast.member_unassigned]
    results = race(
        2,
        lambda i: decision_record(
            assignment=assignments[i], by=users[i], decision="approve", no_conflict=True
        ),
    )
    assert all(kind == "ok" for kind, _ in results)
    after = footprint(article)
    assert after["state"] == "approved"
    assert after["versions"] == 1
    assert AuditEntry.objects.filter(article=article, transition="approve").count() == 1
    assert_trail_is_a_chain(article)


# --- Faults after the state is saved ---------------------------------------------------


def _fail(*args, **kwargs):
    raise RuntimeError("injected failure")


FAULTS = {
    # (object, attribute) replaced by a function that raises
    "published_version_save": ("articles.models.PublishedVersion.save", None),
    "audit_entry_create": ("articles.services.AuditEntry.objects.create", None),
    "closing_the_round": ("reviewers.rounds.assignments_close_round", None),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_failure_during_approval_changes_nothing_and_sends_nothing(stage, cast, monkeypatch, fault):
    """A crash half-way through an approval rolls everything back and sends no email."""
    article = stage.make("under_review")
    before = footprint(article)
    mail.outbox.clear()
    target = FAULTS[fault][0]
    if target.startswith("articles.services.AuditEntry.objects"):
        monkeypatch.setattr(AuditEntry.objects, "create", _fail)
    else:
        monkeypatch.setattr(target, _fail)

    with pytest.raises(RuntimeError, match="injected failure"):
        stage.decide(article, cast.member_assigned, "approve")

    assert footprint(article) == before
    assert mail.outbox == []
    assert (
        ReviewAssignment.objects.get(article=article, reviewer__user=cast.member_assigned).status
        == AssignmentStatus.OPEN
    )
    assert_trail_is_a_chain(article)


def test_failure_after_a_transition_in_an_outer_transaction_sends_nothing(stage, cast):
    """An approval inside a transaction that later fails leaves no email and no version."""
    article = stage.make("approvable")
    before = footprint(article)
    mail.outbox.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.article_approve(article=article.pk, by=cast.editor)
        raise RuntimeError("the caller failed afterwards")
    assert footprint(article) == before
    assert mail.outbox == []


def test_email_goes_out_once_and_only_after_commit(stage, cast):
    """Inside the transaction nothing is sent; after commit, the author hears exactly once."""
    article = stage.make("approvable")
    mail.outbox.clear()
    with transaction.atomic():
        services.article_approve(article=article.pk, by=cast.editor)
        assert mail.outbox == []
    approvals = [m for m in mail.outbox if m.subject.startswith("Approved")]
    assert [m.to for m in approvals] == [[cast.author.email]]


def test_decision_on_a_round_that_is_no_longer_current_is_refused(stage, cast):
    """A member answering an old round (the author withdrew and resubmitted) is refused."""
    article = stage.make("under_review")
    old = stage.assignment(article, cast.member_assigned)
    services.article_withdraw(article=article.pk, by=cast.author)
    services.article_submit(article=article.pk, by=cast.author)
    stage.assign(article, cast.member_unassigned)
    before = footprint(article)
    with pytest.raises(WorkflowError, match="no longer open"):
        decision_record(
            assignment=old, by=cast.member_assigned, decision="approve", no_conflict=True
        )
    assert footprint(article) == before


def test_admin_decision_on_a_stale_page_is_refused_with_a_message(stage, cast):
    """Through the admin: a decision sent after the round closed is a message, not an error page."""
    article = stage.make("under_review")
    client = Client()
    client.force_login(cast.member_assigned)
    services.article_withdraw(article=article.pk, by=cast.author)
    before = footprint(article)
    response = client.post(
        reverse("admin:articles_article_decide", args=[article.pk]),
        {"decision": "approve", "conflict": "none", "comment_to_author": "", **on_screen(article)},
        follow=True,
    )
    assert response.status_code == 200
    assert "nothing was recorded" in response.content.decode()
    assert footprint(article) == before


def test_sqlite_writers_queue_instead_of_failing(tmp_path):
    """On a SQLite file, racing approvals wait for each other: one wins, none crashes.

    The embedded database takes its write lock when a transaction begins
    ("transaction_mode": "IMMEDIATE"), so a second writer waits instead of
    failing half-way with "database is locked".
    """
    root = Path(__file__).resolve().parents[2]
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        },
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "EDITORIAL_REQUIRED_APPROVALS": "1",
    }

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    migrated = manage("migrate", "--noinput", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    raced = manage("shell", "-c", "from tests.safety.sqlite_race import main; main()")
    assert raced.returncode == 0, raced.stderr
    result = json.loads(raced.stdout.strip().splitlines()[-1])
    assert result["outcomes"].count("ok") == 1, result
    assert set(result["outcomes"]) == {"ok", "refused"}, result
    assert (result["state"], result["approvals"], result["versions"]) == ("approved", 1, 1)


# --- Every write locks the article first -------------------------------------------------


def _lock_cases(stage, cast):
    """(name, article, call) for every service that writes an article or its review."""
    draft = stage.make("draft")
    submitted = stage.make("submitted")
    review = stage.make("under_review")
    assignment = stage.assignment(review, cast.member_assigned)
    other = stage.make("under_review")
    other_assignment = stage.assignment(other, cast.member_assigned)
    invited = stage.make("invited")
    invitation = stage.assignment(invited, cast.member_assigned)
    declined = stage.make("invited")
    declined_invitation = stage.assignment(declined, cast.member_assigned)

    edited = Article.objects.get(pk=draft.pk)
    edited.summary = "Changed."
    # What the member's form carries, read before the write is watched.
    seen = on_screen(review)

    def edit():
        services.article_save_content(article=edited, by=cast.author)

    return [
        ("article_save_content", draft, edit),
        (
            "article_transition",
            submitted,
            lambda: services.article_withdraw(article=submitted.pk, by=cast.author),
        ),
        (
            "assignment_create",
            review,
            lambda: assignment_create(
                article=review.pk, reviewer=cast.member_unassigned.board_member, by=cast.editor
            ),
        ),
        (
            "assignment_cancel",
            other,
            lambda: assignment_cancel(assignment=other_assignment, by=cast.editor, reason="Away."),
        ),
        (
            "decision_record",
            review,
            lambda: decision_record(
                assignment=assignment,
                by=cast.member_assigned,
                decision="approve",
                no_conflict=True,
                **seen,
            ),
        ),
        (
            "assignment_accept",
            invited,
            lambda: assignment_accept(assignment=invitation, by=cast.member_assigned),
        ),
        (
            "assignment_decline",
            declined,
            lambda: assignment_decline(
                assignment=declined_invitation, by=cast.member_assigned, reason="Away."
            ),
        ),
    ]


@needs_row_locks
def test_every_workflow_write_locks_the_article_row_before_reading_it(stage, cast):
    """Each service's first read of the article is SELECT ... FOR UPDATE, inside its transaction."""
    for name, article, call in _lock_cases(stage, cast):
        with CaptureQueriesContext(connection) as captured:
            call()
        reads = [
            q["sql"]
            for q in captured.captured_queries
            if q["sql"].startswith("SELECT") and 'FROM "articles_article"' in q["sql"]
        ]
        assert reads, name
        assert reads[0].endswith("FOR UPDATE"), (name, reads[0][:200])
        assert f'"articles_article"."id" = {article.pk}' in reads[0], name
