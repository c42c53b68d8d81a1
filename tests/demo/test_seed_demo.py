"""The demo command: every state of the workflow, built through the services, once."""

from __future__ import annotations

import datetime
import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.choices import ArticleState
from articles.demo import content as demo
from articles.models import (
    ActionLogEntry,
    Article,
    AuditEntry,
    ProblemReport,
    PublishedVersion,
    Reference,
    Topic,
)
from articles.rendering import MARKER, cited_numbers
from editorial.dashboard import review_due
from reviewers.models import BoardMember, ChecklistQuestion, ReviewAssignment, ReviewDecision
from tests.factories import ArticleFactory, UserFactory

MILIA = "milia-treatment-options"
REVISED = "honey-for-childrens-cough"


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db):
    return seed()


def counts() -> dict[str, int]:
    models = (
        User,
        Topic,
        Article,
        Article.history.model,
        Reference,
        PublishedVersion,
        AuditEntry,
        BoardMember,
        ReviewAssignment,
        ReviewDecision,
    )
    return {model.__name__: model.objects.count() for model in models}


def test_seed_demo_leaves_an_article_in_every_state(seeded):
    """Each state of the workflow holds at least one demo article."""
    states = set(Article.objects.values_list("state", flat=True))
    assert states == set(ArticleState.values)


def test_seed_demo_publishes_the_milia_answer(seeded, client):
    """The milia question is approved, live and readable on the public site."""
    article = Article.objects.get(slug=MILIA)
    assert article.state == ArticleState.APPROVED
    assert article.live_version is not None
    assert article.live_version.body_source == article.body
    assert 4 <= len(article.live_version.references) <= 6
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "What are the treatment options for milia?" in response.content.decode()


def test_milia_answer_cites_its_references_in_order(seeded):
    """Markers [1]..[n] first appear in order and match the n references one to one."""
    article = Article.objects.get(slug=MILIA)
    first_seen: list[int] = []
    for match in MARKER.finditer(article.body):
        for number in cited_numbers(match.group(1)):
            if number not in first_seen:
                first_seen.append(number)
    assert first_seen == list(range(1, article.references.count() + 1))


def test_seed_demo_run_twice_creates_nothing_new(seeded):
    """A second run adds no user, article, version, history row or audit entry."""
    before = counts()
    seed()
    assert counts() == before


def test_seed_demo_second_run_says_everything_is_already_there(seeded):
    """The second run reports that it found the demo and created nothing."""
    output = seed()
    assert f"0 created, {len(demo.ARTICLES)} already there" in output
    assert f"0 created, {len(demo.USERS)} already there" in output


def test_revised_article_keeps_its_approved_version_live(seeded):
    """The article under revision still serves its approved text, not the working copy."""
    article = Article.objects.get(slug=REVISED)
    assert article.state == ArticleState.UNDER_REVIEW
    assert article.live_version is not None
    assert article.live_version.body_source != article.body
    assert len(article.live_version.references) < article.references.count()
    assert article.versions.count() == 1


def test_seed_demo_publishes_nothing_that_is_not_approved(seeded):
    """Only approved articles, and the approved version of the one under revision, are live."""
    live = set(Article.objects.filter(live_version__isnull=False).values_list("slug", flat=True))
    approved = set(
        Article.objects.filter(state=ArticleState.APPROVED).values_list("slug", flat=True)
    )
    assert live == approved | {REVISED}
    assert (
        not Article.objects.exclude(slug=REVISED)
        .exclude(state=ArticleState.APPROVED)
        .filter(live_version__isnull=False)
        .exists()
    )


def test_retracted_article_keeps_its_version_but_nothing_is_live(seeded):
    """Retraction takes the page down and keeps the record of what was public."""
    article = Article.objects.get(state=ArticleState.RETRACTED)
    assert article.live_version is None
    assert article.versions.count() == 1


def test_seed_demo_records_who_did_each_step(seeded):
    """Authors submit, the accepting member starts the review and approves, all on record."""
    entries = AuditEntry.objects.filter(article__slug=MILIA)
    assert {e.transition: e.by.username for e in entries} == {
        "submit": "author",
        "start_review": "dr.okafor",
        "approve": "dr.okafor",
    }
    for model in (Article, Reference, Topic, BoardMember, ReviewAssignment, ChecklistQuestion):
        unattributed = model.history.filter(history_user__isnull=True)
        # Re-invitations on resubmission are the system's own, and logged as such.
        unattributed = unattributed.exclude(history_change_reason__contains="after resubmission")
        assert not unattributed.exists(), model

    assert (
        not ActionLogEntry.objects.filter(by__isnull=True)
        .exclude(action__in=["assignment.reinvite", "assignment.close", "reminder.send"])
        .exists()
    )


def test_seed_demo_meets_the_required_number_of_approvals(db, settings):
    """With two approvals required, two distinct board members approve each published article."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    seed()
    for version in PublishedVersion.objects.all():
        assert len({reviewer["member_id"] for reviewer in version.reviewers}) == 2
    assert Article.objects.get(slug=MILIA).state == ArticleState.APPROVED


def test_seed_demo_refuses_more_approvals_than_board_members(db, settings):
    """A policy the demo board cannot meet fails with a plain error and creates nothing."""
    settings.EDITORIAL_REQUIRED_APPROVALS = len(demo.BOARD) + 1
    with pytest.raises(CommandError, match="EDITORIAL_REQUIRED_APPROVALS"):
        seed()
    assert not User.objects.exists()
    assert not Article.objects.exists()


def test_seed_demo_leaves_an_existing_article_alone(db):
    """An article whose slug the demo uses is neither changed nor moved."""
    ArticleFactory(slug=MILIA, title="My own milia article")
    seed("--force")
    article = Article.objects.get(slug=MILIA)
    assert article.title == "My own milia article"
    assert article.state == ArticleState.DRAFT
    assert not article.versions.exists()


def test_seed_demo_does_not_give_roles_to_existing_accounts(db):
    """An existing "editor" account without the editor role stops the demo and stays as it was."""
    UserFactory(username="editor")
    with pytest.raises(CommandError, match="editor"):
        seed()
    assert not User.objects.get(username="editor").groups.exists()
    assert not Article.objects.exists()


def test_seed_demo_prints_the_logins(seeded, settings):
    """The output names every account, the demo password and where to go."""
    for spec in demo.USERS:
        assert spec.username in seeded
    assert demo.DEMO_PASSWORD in seeded
    assert f"{settings.EDITORIAL_BASE_URL}/ (public site)" in seeded
    assert f"{settings.EDITORIAL_BASE_URL}/admin/ (back office)" in seeded


def test_seed_demo_refuses_a_database_with_other_accounts(db):
    """The demo's shared password never lands in a database real people use."""
    User.objects.create_user("real.person", password="a long private passphrase")
    with pytest.raises(CommandError, match="accounts the demo did not create"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not User.objects.filter(username="admin").exists()


def test_seed_demo_board_members_have_licences(seeded):
    """Every demo member has a licence on record; one has lapsed and cannot be invited."""
    members = {m.user.username: m for m in BoardMember.objects.select_related("user")}
    assert all(m.licence_number and m.licence_region for m in members.values())
    assert [name for name, m in members.items() if m.licence_expired()] == ["dr.novak"]


def test_seed_demo_has_an_accepted_review_and_a_pending_invitation(seeded):
    """The article under review shows one accepted assignment and one awaiting a reply."""
    statuses = set(
        ReviewAssignment.objects.filter(
            article__slug="paracetamol-and-ibuprofen-for-fever"
        ).values_list("reviewer__user__username", "status")
    )
    assert statuses == {("dr.mehta", "open"), ("dr.lindqvist", "invited")}


def test_seed_demo_approvals_answer_the_checklist(seeded):
    """Each approval carries the checklist questions it answered, all ticked."""
    decision = ReviewDecision.objects.filter(
        assignment__article__slug=MILIA, decision="approve"
    ).get()
    assert decision.no_conflict_confirmed
    assert len(decision.checklist) == 3
    assert all(item["answer"] for item in decision.checklist)


def test_seed_demo_has_an_article_due_for_re_review(seeded):
    """One approved article was reviewed about a year ago: it appears in the review-due queue."""
    article = Article.objects.get(slug="antibiotics-for-sore-throat")
    version = article.live_version
    assert version.last_reviewed < timezone.localdate() - datetime.timedelta(days=300)
    assert article in [a for a, _ in review_due()]


def test_seed_demo_runs_again_after_the_reminder_command(db):
    """The reminders' system account does not make the demo database look like a real one."""
    seed()
    call_command("send_review_reminders", stdout=io.StringIO())

    assert "0 created" in seed()


def test_demo_shows_a_plain_language_version_and_readers_reports(seeded, client):
    """A patient reading the milia article gets the plain words; editors have reports to triage."""
    client.cookies["audience"] = "patient"
    html = client.get("/articles/milia-treatment-options/").content.decode()
    assert "a tiny pocket of skin protein" in html
    assert ProblemReport.objects.filter(status="new").count() == 2

    seed()  # idempotent: no second copy of the reports
    assert ProblemReport.objects.count() == 2
