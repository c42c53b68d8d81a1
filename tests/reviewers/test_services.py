"""Review assignments and decisions: who may make them, what they record."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import services as article_services
from articles.exceptions import WorkflowError
from articles.models import Article, AuditEntry
from articles.services import article_submit
from reviewers.models import ReviewAssignment, ReviewDecision
from reviewers.selectors import assignable_members
from reviewers.services import assignment_cancel, assignment_create
from tests.factories import (
    ArticleFactory,
    BoardMemberFactory,
    ReferenceFactory,
    UserFactory,
    decision_record,
    on_screen,
)
from tests.reviewers.helpers import assign_accepted


def fresh(article: Article) -> Article:
    return Article.objects.get(pk=article.pk)


@pytest.fixture
def assignment(article_under_review, member) -> ReviewAssignment:
    """``member``'s open assignment on the article under review."""
    return ReviewAssignment.objects.get(article=article_under_review, reviewer=member)


# --- Assigning --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["author", "other_author"])
def test_assignment_create_by_non_editor_is_refused(request, submitted_article, member, role):
    """Only an editor assigns board members; the article stays submitted."""
    with pytest.raises(WorkflowError, match="Only an editor can assign"):
        assign_accepted(
            article=submitted_article, reviewer=member, by=request.getfixturevalue(role)
        )

    assert not ReviewAssignment.objects.exists()
    assert fresh(submitted_article).state == "submitted"


def test_assignment_create_by_board_member_is_refused(submitted_article, member, second_member):
    """A board member cannot pick a colleague to review."""
    with pytest.raises(WorkflowError, match="Only an editor can assign"):
        assign_accepted(article=submitted_article, reviewer=member, by=second_member.user)

    assert not ReviewAssignment.objects.exists()


@pytest.mark.parametrize("fixture", ["article", "approved_article"])
def test_assignment_create_outside_review_is_refused(request, fixture, member, editor):
    """Members are assigned only to a submitted article or one under review."""
    article = request.getfixturevalue(fixture)
    count = ReviewAssignment.objects.count()

    with pytest.raises(WorkflowError, match="only to a submitted article or one under review"):
        assign_accepted(article=article, reviewer=member, by=editor)

    assert ReviewAssignment.objects.count() == count


def test_assignment_create_of_inactive_member_is_refused(submitted_article, member, editor):
    """A member whose board membership is inactive cannot be assigned."""
    member.active = False
    member.save()

    with pytest.raises(WorkflowError, match="is not an active board member"):
        assign_accepted(article=submitted_article, reviewer=member, by=editor)

    assert not ReviewAssignment.objects.exists()


def test_assignment_create_of_deactivated_user_is_refused(submitted_article, member, editor):
    """A member whose account was deactivated cannot be assigned."""
    member.user.is_active = False
    member.user.save()

    with pytest.raises(WorkflowError, match="is not an active board member"):
        assign_accepted(article=submitted_article, reviewer=member, by=editor)

    assert not ReviewAssignment.objects.exists()


def test_assignment_create_with_past_due_date_is_refused(submitted_article, member, editor):
    """A review cannot be due before it is asked for."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    with pytest.raises(WorkflowError, match="due date is in the past"):
        assign_accepted(article=submitted_article, reviewer=member, by=editor, due_date=yesterday)

    assert not ReviewAssignment.objects.exists()


def test_assignment_create_twice_in_a_round_is_refused(article_under_review, member, editor):
    """A member is assigned to each round of an article once."""
    with pytest.raises(WorkflowError, match="already assigned to this round"):
        assign_accepted(article=article_under_review, reviewer=member, by=editor)

    assert ReviewAssignment.objects.filter(reviewer=member).count() == 1


def test_assignment_create_after_cancellation_is_allowed(assignment, member, editor):
    """A cancelled assignment may be replaced by a new one for the same member."""
    assignment_cancel(assignment=assignment, by=editor, reason="Wrong due date.")

    again = assign_accepted(article=assignment.article, reviewer=member, by=editor)

    assert (again.status, again.round) == ("open", assignment.round)


def test_assignment_create_records_round_due_date_and_editor(
    submitted_article, member, editor, due_date
):
    """The assignment names the round, the due date and the assigning editor."""
    created = assign_accepted(
        article=submitted_article, reviewer=member, by=editor, due_date=due_date
    )

    assert (created.round, created.due_date, created.assigned_by, created.status) == (
        1,
        due_date,
        editor,
        "open",
    )


def test_assignment_create_defaults_due_date_from_settings(
    submitted_article, member, editor, settings
):
    """Without a due date the member gets EDITORIAL_REVIEW_DAYS days."""
    settings.EDITORIAL_REVIEW_DAYS = 10

    created = assign_accepted(article=submitted_article, reviewer=member, by=editor)

    assert created.due_date == timezone.localdate() + datetime.timedelta(days=10)


def test_assignment_create_writes_history_with_editor(submitted_article, member, editor):
    """The invitation's history row names the editor and says the member was invited."""
    created = assignment_create(article=submitted_article, reviewer=member, by=editor)

    row = created.history.get()
    assert (row.history_user, row.history_change_reason) == (editor, "Invited")


def test_assignment_create_leaves_the_article_submitted(submitted_article, member, editor):
    """An invitation alone does not start the review: the member has not accepted yet."""
    created = assignment_create(article=submitted_article, reviewer=member, by=editor)

    assert (created.status, fresh(submitted_article).state) == ("invited", "submitted")


def test_first_acceptance_starts_review_in_the_members_name(submitted_article, member, editor):
    """The first acceptance starts the review; the audit entry names the member."""
    assign_accepted(article=submitted_article, reviewer=member, by=editor)

    entry = AuditEntry.objects.filter(article=submitted_article).last()
    assert (entry.transition, entry.from_state, entry.to_state, entry.by, entry.comment) == (
        "start_review",
        "submitted",
        "under_review",
        member.user,
        f"{member.name} accepted the review.",
    )


def test_assignment_create_second_member_does_not_restart_review(
    article_under_review, second_member, editor
):
    """Assigning one more member to an article under review adds no transition."""
    entries = AuditEntry.objects.filter(article=article_under_review).count()

    assign_accepted(article=article_under_review, reviewer=second_member, by=editor)

    assert AuditEntry.objects.filter(article=article_under_review).count() == entries
    assert fresh(article_under_review).state == "under_review"


def test_assignment_create_emails_the_member(
    submitted_article, member, editor, due_date, mailoutbox, django_capture_on_commit_callbacks
):
    """The assigned member is asked by email to review by the due date."""
    with django_capture_on_commit_callbacks(execute=True):
        assign_accepted(article=submitted_article, reviewer=member, by=editor, due_date=due_date)

    to_member = [m for m in mailoutbox if m.to == [member.user.email]]
    assert [
        (submitted_article.title in m.subject, f"{due_date.day} {due_date:%B %Y}" in m.body)
        for m in to_member
    ] == [(True, True)]


def test_assignment_create_rolled_back_sends_no_email(
    submitted_article, member, editor, mailoutbox, django_capture_on_commit_callbacks
):
    """When the surrounding transaction rolls back, the member is not asked to review."""
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        assign_accepted(article=submitted_article, reviewer=member, by=editor)
        raise RuntimeError("the request failed later")

    assert mailoutbox == []
    assert not ReviewAssignment.objects.exists()


# --- Cancelling ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["author", "member"])
def test_assignment_cancel_by_non_editor_is_refused(request, assignment, role):
    """Only an editor cancels an assignment."""
    user = request.getfixturevalue(role)
    user = getattr(user, "user", user)

    with pytest.raises(WorkflowError, match="Only an editor can cancel"):
        assignment_cancel(assignment=assignment, by=user, reason="No longer needed.")

    assert ReviewAssignment.objects.get(pk=assignment.pk).status == "open"


@pytest.mark.parametrize("reason", ["", "  "], ids=["empty", "blank"])
def test_assignment_cancel_without_reason_is_refused(assignment, editor, reason):
    """A cancellation must say why."""
    with pytest.raises(WorkflowError, match="Say why"):
        assignment_cancel(assignment=assignment, by=editor, reason=reason)

    assert ReviewAssignment.objects.get(pk=assignment.pk).status == "open"


def test_assignment_cancel_after_decision_is_refused(
    assignment, member, editor, second_member, settings
):
    """An answered assignment cannot be cancelled: its decision stands."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    assign_accepted(article=assignment.article, reviewer=second_member, by=editor)
    decision_record(no_conflict=True, assignment=assignment, by=member.user, decision="approve")

    with pytest.raises(WorkflowError, match="no longer open: decision recorded"):
        assignment_cancel(assignment=assignment, by=editor, reason="Changed my mind.")

    assert ReviewAssignment.objects.get(pk=assignment.pk).status == "completed"


def test_assignment_cancel_writes_history_with_reason(assignment, editor):
    """The cancellation's history row names the editor and the reason."""
    assignment_cancel(assignment=assignment, by=editor, reason="Member is on leave.")

    row = assignment.history.order_by("-history_id").first()
    assert (row.status, row.history_user, row.history_change_reason) == (
        "cancelled",
        editor,
        "Cancelled: Member is on leave.",
    )


def test_assignment_cancel_emails_the_member_the_reason(
    assignment, member, editor, mailoutbox, django_capture_on_commit_callbacks
):
    """The member hears that the review is no longer needed, and why."""
    with django_capture_on_commit_callbacks(execute=True):
        assignment_cancel(assignment=assignment, by=editor, reason="Member is on leave.")

    assert [(m.to, "Member is on leave." in m.body) for m in mailoutbox] == [
        ([member.user.email], True)
    ]


# --- Recording a decision -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["second_member", "unassigned_member", "editor", "superuser"])
def test_decision_record_by_anyone_but_the_assigned_member_is_refused(
    request, assignment, editor, role
):
    """Only the member the review was assigned to records its decision."""
    if role == "second_member":
        # Assigned to the same round, but this is not their assignment.
        assign_accepted(
            article=assignment.article,
            reviewer=request.getfixturevalue("second_member"),
            by=editor,
        )
    user = request.getfixturevalue(role)
    user = getattr(user, "user", user)

    with pytest.raises(WorkflowError, match="Only the board member this review was assigned to"):
        decision_record(no_conflict=True, assignment=assignment, by=user, decision="approve")

    assert not ReviewDecision.objects.exists()
    assert fresh(assignment.article).state == "under_review"


def test_decision_record_by_member_made_inactive_is_refused(assignment, member):
    """A member whose board membership became inactive cannot decide."""
    member.active = False
    member.save()

    with pytest.raises(WorkflowError, match="membership is inactive"):
        decision_record(no_conflict=True, assignment=assignment, by=member.user, decision="approve")

    assert not ReviewDecision.objects.exists()


def test_decision_record_by_deactivated_user_is_refused(assignment, member):
    """A member whose account was deactivated cannot decide."""
    member.user.is_active = False
    member.user.save()

    with pytest.raises(WorkflowError):
        decision_record(no_conflict=True, assignment=assignment, by=member.user, decision="approve")

    assert not ReviewDecision.objects.exists()


def test_decision_record_twice_is_refused(assignment, member, second_member, editor, settings):
    """A member's decision is recorded once; a second one is refused."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    assign_accepted(article=assignment.article, reviewer=second_member, by=editor)
    decision_record(no_conflict=True, assignment=assignment, by=member.user, decision="approve")

    with pytest.raises(WorkflowError, match="no longer open: decision recorded"):
        decision_record(
            no_conflict=True,
            assignment=assignment,
            by=member.user,
            decision="request_changes",
            comment_to_author="On second thoughts…",
        )

    assert [d.decision for d in ReviewDecision.objects.all()] == ["approve"]


@pytest.mark.parametrize("decision", ["request_changes", "reject"])
@pytest.mark.parametrize("comment", ["", "   "], ids=["empty", "blank"])
def test_decision_record_without_comment_is_refused_unless_approve(
    assignment, member, decision, comment
):
    """Requesting changes or recommending rejection must tell the author why."""
    with pytest.raises(WorkflowError, match="a comment is required unless you approve"):
        decision_record(
            no_conflict=True,
            assignment=assignment,
            by=member.user,
            decision=decision,
            comment_to_author=comment,
        )

    assert not ReviewDecision.objects.exists()
    assert ReviewAssignment.objects.get(pk=assignment.pk).status == "open"


def test_decision_record_approve_needs_no_comment(assignment, member):
    """An approval may be recorded without a comment."""
    recorded = decision_record(
        no_conflict=True, assignment=assignment, by=member.user, decision="approve"
    )

    assert (recorded.decision, recorded.comment_to_author) == ("approve", "")


@pytest.mark.parametrize("statement", ["", "  "], ids=["empty", "blank"])
def test_decision_record_conflict_without_statement_is_refused(assignment, member, statement):
    """Declaring a conflict of interest requires describing it."""
    with pytest.raises(WorkflowError, match="Describe the conflict"):
        decision_record(
            assignment=assignment,
            by=member.user,
            decision="approve",
            conflict_declared=True,
            conflict_statement=statement,
        )

    assert not ReviewDecision.objects.exists()


def test_decision_record_unknown_decision_is_refused(assignment, member):
    """Only approve, request changes and recommend rejection are decisions."""
    with pytest.raises(WorkflowError, match="Choose approve, request changes or recommend"):
        decision_record(no_conflict=True, assignment=assignment, by=member.user, decision="abstain")

    assert not ReviewDecision.objects.exists()


def test_decision_record_stores_what_was_decided(assignment, member):
    """The decision keeps the verdict, comment, recorder and the revision that was read."""
    latest_revision = assignment.article.history.order_by("-history_id").first().history_id

    recorded = decision_record(
        no_conflict=True,
        assignment=assignment,
        by=member.user,
        decision="reject",
        comment_to_author="The claims are not supported.",
    )

    stored = ReviewDecision.objects.get(pk=recorded.pk)
    assert (
        stored.decision,
        stored.comment_to_author,
        stored.recorded_by,
        stored.reviewed_revision,
    ) == ("reject", "The claims are not supported.", member.user, latest_revision)


def test_decision_record_completes_the_assignment_with_history(assignment, member):
    """Recording a decision completes the assignment, with the member in its history."""
    decision_record(
        no_conflict=True,
        assignment=assignment,
        by=member.user,
        decision="reject",
        comment_to_author="Unsupported.",
    )

    row = assignment.history.order_by("-history_id").first()
    assert (row.status, row.history_user, row.history_change_reason) == (
        "completed",
        member.user,
        "Decision recorded: Recommend rejection",
    )


def test_decision_record_after_withdrawal_is_refused(assignment, member, author):
    """When the author withdraws, the round's open reviews close and can no longer be answered."""
    article_services.article_withdraw(article=assignment.article, by=author)

    with pytest.raises(WorkflowError, match="no longer open: round ended before a decision"):
        decision_record(no_conflict=True, assignment=assignment, by=member.user, decision="approve")

    assert not ReviewDecision.objects.exists()


def test_decision_record_by_author_on_a_forced_assignment_is_refused(
    article_under_review, editor, due_date
):
    """Even assigned behind the service's back, an author cannot review their own article."""
    writer = article_under_review.author
    writer.groups.add(Group.objects.get(name="Advisory Board"))
    forced = ReviewAssignment.objects.create(
        article=article_under_review,
        reviewer=BoardMemberFactory(user=writer),
        round=article_under_review.review_round,
        due_date=due_date,
        assigned_by=editor,
    )

    with pytest.raises(WorkflowError, match="You wrote this article"):
        decision_record(no_conflict=True, assignment=forced, by=writer, decision="approve")

    assert (ReviewDecision.objects.exists(), fresh(article_under_review).state) == (
        False,
        "under_review",
    )


# --- Decisions are never changed ---------------------------------------------------------------


@pytest.fixture
def decision(assignment, member):
    return decision_record(
        no_conflict=True,
        assignment=assignment,
        by=member.user,
        decision="reject",
        comment_to_author="Unsupported.",
    )


def test_review_decision_cannot_be_changed(decision):
    """Saving an existing decision raises and the stored verdict stays."""
    decision.decision = "approve"

    with pytest.raises(ValidationError):
        decision.save()

    assert ReviewDecision.objects.get(pk=decision.pk).decision == "reject"


def test_review_decision_cannot_be_deleted(decision):
    """Deleting a decision raises and the decision stays."""
    with pytest.raises(ValidationError):
        decision.delete()

    assert ReviewDecision.objects.filter(pk=decision.pk).exists()


def test_assignment_create_by_editor_who_wrote_the_article_is_refused(member, editor):
    """An editor cannot choose the reviewers of their own article."""
    editor.groups.add(Group.objects.get(name="Authors"))
    own = ArticleFactory(author=editor)
    ReferenceFactory(article=own)
    article_services.article_submit(article=own, by=editor)

    with pytest.raises(WorkflowError, match="another editor must choose"):
        assign_accepted(article=own, reviewer=member, by=editor)
    assert not ReviewAssignment.objects.exists()


def test_assignment_create_of_member_without_board_role_is_refused(submitted_article, editor):
    """A profile whose user lost the Advisory Board role is neither offered nor assignable."""
    former = BoardMemberFactory(user__groups=[])
    former.user.groups.clear()

    assert former not in assignable_members(submitted_article)
    with pytest.raises(WorkflowError, match="not an active board member"):
        assign_accepted(article=submitted_article, reviewer=former, by=editor)


def test_rejection_recommendation_leaves_the_decision_to_editors(
    article_under_review, member, second_member, editor, settings
):
    """With one member recommending rejection, another's approval does not publish."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    assign_accepted(article=article_under_review, reviewer=second_member, by=editor)
    first, second = ReviewAssignment.objects.order_by("id")
    decision_record(
        no_conflict=True,
        assignment=first,
        by=member.user,
        decision="reject",
        comment_to_author="Not supported.",
    )
    decision_record(no_conflict=True, assignment=second, by=second_member.user, decision="approve")

    article = fresh(article_under_review)
    assert article.state == "under_review"
    assert article.live_version is None
    with pytest.raises(WorkflowError, match="only an editor can"):
        article_services.article_approve(article=article, by=second_member.user)
    article = article_services.article_approve(article=article, by=editor)
    assert article.state == "approved"


@pytest.mark.parametrize(
    ("model", "field"), [(AuditEntry, "comment"), (ReviewDecision, "comment_to_author")]
)
def test_immutable_records_refuse_bulk_update_and_delete(approved_article, model, field):
    """Audit entries and decisions cannot be changed or deleted in bulk either."""
    count = model.objects.count()
    with pytest.raises(ValidationError):
        model.objects.all().update(**{field: "rewritten"})
    with pytest.raises(ValidationError):
        model.objects.all().delete()
    assert model.objects.count() == count
    assert not model.objects.filter(**{field: "rewritten"}).exists()


def test_member_who_declared_a_conflict_is_not_assigned_in_a_later_round(
    article_under_review, member, editor, author
):
    """A declared conflict carries across rounds: the member is neither offered nor assignable."""
    first = ReviewAssignment.objects.get(reviewer=member)
    decision_record(
        assignment=first,
        by=member.user,
        decision="approve",
        conflict_declared=True,
        conflict_statement="I co-authored one of the cited studies.",
    )
    article_services.article_withdraw(article=article_under_review, by=author)
    article = article_services.article_submit(article=article_under_review, by=author)

    assert member not in assignable_members(article)
    with pytest.raises(WorkflowError, match="declared a conflict of interest"):
        assign_accepted(article=article, reviewer=member, by=editor)


def test_assignment_cancel_by_editor_who_wrote_the_article_is_refused(member, editor):
    """An editor cannot drop the reviewers of their own article."""
    editor.groups.add(Group.objects.get(name="Authors"))
    own = ArticleFactory(author=editor)
    ReferenceFactory(article=own)
    article_services.article_submit(article=own, by=editor)
    other_editor = UserFactory(username="editor2", groups=["Editors"])
    assignment = assign_accepted(article=own, reviewer=member, by=other_editor)

    with pytest.raises(WorkflowError, match="another editor must manage"):
        assignment_cancel(assignment=assignment, by=editor, reason="Changed my mind.")
    with pytest.raises(WorkflowError, match="did not write this article"):
        article_services.article_reject(article=own, by=editor, comment="Not good enough.")
    assert fresh(own).state == "under_review"


def test_assignment_create_with_due_date_over_a_year_away_is_refused(
    submitted_article, member, editor
):
    """A due date more than a year away is refused as a typing slip."""
    with pytest.raises(WorkflowError, match="more than 365 days away"):
        assign_accepted(
            article=submitted_article,
            reviewer=member,
            by=editor,
            due_date=timezone.localdate() + datetime.timedelta(days=400),
        )
    assert not ReviewAssignment.objects.exists()


def test_candidates_come_least_busy_first_with_their_load(
    submitted_article, member, second_member, editor, author
):
    """The assignment list offers members with fewer open reviews first, counting them."""
    for _ in range(2):
        other = ArticleFactory(author=author)
        ReferenceFactory(article=other)
        other = article_services.article_submit(article=other, by=author)
        assign_accepted(article=other, reviewer=member, by=editor)

    candidates = list(assignable_members(submitted_article))
    assert candidates == [second_member, member]
    assert [c.open_reviews for c in candidates] == [0, 2]


def _approval_queries(*, author, editor, member, references: int) -> tuple[int, Article]:
    """Queries of the decision that publishes a fresh article citing ``references`` sources."""
    body = " ".join(f"Claim {number} [{number}]." for number in range(1, references + 1))
    article = ArticleFactory(author=author, body=body, plain_body=f"In short [{references}].")
    for position in range(1, references + 1):
        ReferenceFactory(article=article, position=position)
    article_submit(article=article, by=author)
    assignment = assign_accepted(article=article, reviewer=member, by=editor)
    # A fresh account, so that no permission cached by the steps above is reused.
    reviewer = type(member.user).objects.get(pk=member.user.pk)
    seen = on_screen(article)["fingerprint"]  # rendered with the form, before the decision
    with CaptureQueriesContext(connection) as captured:
        decision_record(
            assignment=assignment,
            by=reviewer,
            decision="approve",
            no_conflict=True,
            fingerprint=seen,
        )
    return len(captured), fresh(article)


def test_approval_queries_do_not_grow_with_the_references(author, editor, member, settings):
    """Publishing an article with 30 references costs the same few queries as with 3."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    few, small = _approval_queries(author=author, editor=editor, member=member, references=3)
    many, large = _approval_queries(author=author, editor=editor, member=member, references=30)

    assert (small.state, large.state) == ("approved", "approved")
    assert len(large.live_version.references) == 30
    assert many == few
    # Decision, history, snapshot, audit and the round's closing, the fingerprint
    # check, two action-log rows (three queries each), the author's notification
    # in the same transaction (inbox entry, email choice, email and its task), the
    # readers' reports the revision fixes and the webhook subscriptions to tell.
    assert many <= 36
