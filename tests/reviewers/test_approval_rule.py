"""The approval rule: when the board's decisions publish an article.

An article is approved once EDITORIAL_REQUIRED_APPROVALS distinct, active,
conflict-free members assigned to the current round have approved it and no
request for changes is open.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from articles import services as article_services
from articles.exceptions import WorkflowError
from articles.models import Article
from reviewers.models import ReviewAssignment, ReviewDecision
from reviewers.policy import approval_count
from reviewers.services import assignment_cancel
from tests.factories import decision_record
from tests.reviewers.helpers import assign_accepted


def fresh(article: Article) -> Article:
    return Article.objects.get(pk=article.pk)


def assignment_of(article: Article, member) -> ReviewAssignment:
    return ReviewAssignment.objects.get(
        article=article, reviewer=member, round=fresh(article).review_round
    )


def approve(article: Article, member, **kwargs) -> ReviewDecision:
    kwargs.setdefault("no_conflict", not kwargs.get("conflict_declared"))
    return decision_record(
        assignment=assignment_of(article, member),
        by=member.user,
        decision="approve",
        **kwargs,
    )


@pytest.fixture
def two_reviewers(article_under_review, editor, second_member):
    """The article under review by ``member`` and ``second_member``."""
    assign_accepted(article=article_under_review, reviewer=second_member, by=editor)
    return fresh(article_under_review)


@pytest.fixture
def three_reviewers(two_reviewers, editor, unassigned_member):
    """The article under review by three members (the third was previously unassigned)."""
    assign_accepted(article=two_reviewers, reviewer=unassigned_member, by=editor)
    return fresh(two_reviewers)


# --- Quorum -------------------------------------------------------------------------------


def test_one_approval_approves_when_one_is_required(article_under_review, member, settings):
    """With EDITORIAL_REQUIRED_APPROVALS=1 the first approval publishes the article."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 1

    approve(article_under_review, member)

    assert fresh(article_under_review).state == "approved"


def test_one_approval_is_not_enough_when_two_are_required(two_reviewers, member, settings):
    """With EDITORIAL_REQUIRED_APPROVALS=2 one approval leaves the article under review."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 2

    approve(two_reviewers, member)

    assert (fresh(two_reviewers).state, fresh(two_reviewers).live_version) == (
        "under_review",
        None,
    )


def test_two_distinct_approvals_approve_when_two_are_required(
    two_reviewers, member, second_member, settings
):
    """The second distinct member's approval completes the quorum."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    approve(two_reviewers, member)

    approve(two_reviewers, second_member)

    assert fresh(two_reviewers).state == "approved"


def test_approved_version_credits_each_approving_member(
    two_reviewers, member, second_member, settings
):
    """The published version names both approving members with their credentials."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    approve(two_reviewers, member)
    approve(two_reviewers, second_member)

    reviewers = fresh(two_reviewers).live_version.reviewers
    assert [(r["name"], r["credentials"]) for r in reviewers] == [
        (member.name, "MD, FAAD"),
        (second_member.name, "MD, PhD"),
    ]


def test_same_member_cannot_approve_twice(two_reviewers, member, editor, settings):
    """One member's approval counts once: a second decision and a second assignment are refused."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    approve(two_reviewers, member)

    with pytest.raises(WorkflowError):
        approve(two_reviewers, member)
    with pytest.raises(WorkflowError, match="already assigned"):
        assign_accepted(article=two_reviewers, reviewer=member, by=editor)

    assert fresh(two_reviewers).state == "under_review"


def test_zero_required_approvals_still_needs_one(article_under_review, editor, settings):
    """A misconfigured EDITORIAL_REQUIRED_APPROVALS=0 does not publish unreviewed articles."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 0

    with pytest.raises(WorkflowError, match="approval rule does not hold"):
        article_services.article_approve(article=article_under_review, by=editor)

    assert fresh(article_under_review).state == "under_review"


# --- What does not count --------------------------------------------------------------------


@pytest.mark.parametrize("required", [1, 2])
def test_conflict_declared_approval_does_not_count(two_reviewers, member, settings, required):
    """A member who declares a conflict is recused: their approval publishes nothing."""
    settings.EDITORIAL_REQUIRED_APPROVALS = required

    approve(two_reviewers, member, conflict_declared=True, conflict_statement="I own shares.")

    assert fresh(two_reviewers).state == "under_review"


def test_conflict_declared_approval_is_left_out_of_the_quorum(
    three_reviewers, member, second_member, unassigned_member, settings
):
    """With two required, a recused approval plus one clean approval is not enough."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    approve(three_reviewers, member, conflict_declared=True, conflict_statement="I own shares.")

    approve(three_reviewers, second_member)

    assert fresh(three_reviewers).state == "under_review"


def test_conflict_declared_request_for_changes_does_not_send_back(two_reviewers, member):
    """A recused member's request for changes leaves the article under review."""
    decision_record(
        assignment=assignment_of(two_reviewers, member),
        by=member.user,
        decision="request_changes",
        comment_to_author="Rewrite it.",
        conflict_declared=True,
        conflict_statement="I wrote a competing article.",
    )

    assert fresh(two_reviewers).state == "under_review"


def test_conflict_declared_emails_the_editors(
    two_reviewers, member, editor, author, mailoutbox, django_capture_on_commit_callbacks
):
    """Editors hear of a recusal so that they can assign someone else."""
    with django_capture_on_commit_callbacks(execute=True):
        approve(two_reviewers, member, conflict_declared=True, conflict_statement="I own shares.")

    assert [
        (m.to, "Conflict of interest declared" in m.subject, "I own shares." in m.body)
        for m in mailoutbox
    ] == [([editor.email], True, True)]


def test_approval_of_member_made_inactive_does_not_count(three_reviewers, member, editor, settings):
    """With one required, an approval stops counting once its member is made inactive."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    approve(three_reviewers, member)
    member.active = False
    member.save()
    settings.EDITORIAL_REQUIRED_APPROVALS = 1

    with pytest.raises(WorkflowError, match="approval rule does not hold"):
        article_services.article_approve(article=three_reviewers, by=editor)

    assert fresh(three_reviewers).state == "under_review"


def test_approval_of_member_made_inactive_leaves_quorum_short(
    three_reviewers, member, second_member, settings
):
    """With two required, an inactive member's approval plus one active approval is not enough."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    approve(three_reviewers, member)
    member.active = False
    member.save()

    approve(three_reviewers, second_member)

    assert fresh(three_reviewers).state == "under_review"


def test_approval_of_member_whose_account_was_deactivated_does_not_count(
    three_reviewers, member, second_member, settings
):
    """With two required, a deactivated account's approval plus one other is not enough."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    approve(three_reviewers, member)
    member.user.is_active = False
    member.user.save()

    approve(three_reviewers, second_member)

    assert fresh(three_reviewers).state == "under_review"


# --- Requests for changes and recommendations to reject ------------------------------------------


@pytest.mark.parametrize("required", [1, 2])
def test_request_changes_sends_back_at_once(two_reviewers, member, settings, required):
    """One member's request for changes returns the article to its author immediately."""
    settings.EDITORIAL_REQUIRED_APPROVALS = required

    decision_record(
        no_conflict=True,
        assignment=assignment_of(two_reviewers, member),
        by=member.user,
        decision="request_changes",
        comment_to_author="Cite the 2019 trial.",
    )

    assert fresh(two_reviewers).state == "changes_requested"


def test_request_changes_after_an_approval_still_sends_back(
    two_reviewers, member, second_member, settings
):
    """A request for changes wins over an approval already recorded in the round."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    approve(two_reviewers, member)

    decision_record(
        no_conflict=True,
        assignment=assignment_of(two_reviewers, second_member),
        by=second_member.user,
        decision="request_changes",
        comment_to_author="The dosage is wrong.",
    )

    assert fresh(two_reviewers).state == "changes_requested"


def test_request_changes_closes_the_other_open_reviews(two_reviewers, member, second_member):
    """Once sent back, the round's unanswered reviews are closed."""
    decision_record(
        no_conflict=True,
        assignment=assignment_of(two_reviewers, member),
        by=member.user,
        decision="request_changes",
        comment_to_author="Cite the 2019 trial.",
    )

    assert assignment_of(two_reviewers, second_member).status == "closed"


def test_recommend_rejection_leaves_article_under_review(two_reviewers, member):
    """A recommendation to reject is for the editors to act on; the article stays under review."""
    decision_record(
        no_conflict=True,
        assignment=assignment_of(two_reviewers, member),
        by=member.user,
        decision="reject",
        comment_to_author="Not supported by the evidence.",
    )

    assert fresh(two_reviewers).state == "under_review"


def test_recommend_rejection_emails_the_editors_not_the_author(
    two_reviewers, member, editor, author, mailoutbox, django_capture_on_commit_callbacks
):
    """Editors are told a member recommends rejection; the author hears nothing yet."""
    with django_capture_on_commit_callbacks(execute=True):
        decision_record(
            no_conflict=True,
            assignment=assignment_of(two_reviewers, member),
            by=member.user,
            decision="reject",
            comment_to_author="Not supported by the evidence.",
        )

    assert [
        (m.to, "Rejection recommended" in m.subject, "Not supported by the evidence." in m.body)
        for m in mailoutbox
    ] == [([editor.email], True, True)]


# --- Rounds and cancelled assignments ------------------------------------------------------------


def test_approvals_from_an_earlier_round_do_not_count(
    two_reviewers, member, second_member, author, editor, settings
):
    """After resubmission only the new round's approvals count toward the quorum."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    approve(two_reviewers, member)
    decision_record(
        no_conflict=True,
        assignment=assignment_of(two_reviewers, second_member),
        by=second_member.user,
        decision="request_changes",
        comment_to_author="The dosage is wrong.",
    )
    article_services.article_submit(article=two_reviewers, by=author)
    assign_accepted(article=two_reviewers, reviewer=member, by=editor)
    assign_accepted(article=two_reviewers, reviewer=second_member, by=editor)

    approve(two_reviewers, second_member)

    assert (fresh(two_reviewers).review_round, fresh(two_reviewers).state) == (2, "under_review")


def test_earlier_round_assignment_cannot_be_answered(two_reviewers, member, author, editor):
    """An assignment closed with its round cannot carry a decision into the next one."""
    old = assignment_of(two_reviewers, member)
    article_services.article_withdraw(article=two_reviewers, by=author)
    article_services.article_submit(article=two_reviewers, by=author)
    assign_accepted(article=two_reviewers, reviewer=member, by=editor)

    with pytest.raises(WorkflowError, match="no longer open"):
        decision_record(no_conflict=True, assignment=old, by=member.user, decision="approve")

    assert fresh(two_reviewers).state == "under_review"


def test_cancelled_assignment_reviewer_cannot_decide(two_reviewers, member, editor, settings):
    """A member whose assignment an editor cancelled can no longer record a decision."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    cancelled = assignment_cancel(
        assignment=assignment_of(two_reviewers, member), by=editor, reason="On leave."
    )

    with pytest.raises(WorkflowError, match="no longer open: cancelled by an editor"):
        decision_record(no_conflict=True, assignment=cancelled, by=member.user, decision="approve")

    assert (ReviewDecision.objects.exists(), fresh(two_reviewers).state) == (False, "under_review")


def test_approval_of_member_removed_from_the_board_does_not_count(
    article_under_review, member, second_member, editor, settings
):
    """A member taken out of the Advisory Board role no longer counts toward approval."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    assign_accepted(article=article_under_review, reviewer=second_member, by=editor)
    first = ReviewAssignment.objects.get(reviewer=member)
    decision_record(no_conflict=True, assignment=first, by=member.user, decision="approve")
    member.user.groups.remove(Group.objects.get(name="Advisory Board"))

    article = Article.objects.get(pk=article_under_review.pk)
    assert approval_count(article) == 0
