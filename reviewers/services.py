"""Writes of the review process: assignments and decisions.

Each locks the article row first, so an assignment or a decision can never
interleave with a transition of the same article.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from articles import services as article_services
from articles.choices import ArticleState
from articles.conditions import is_board_member, is_editor, wrote
from articles.models import Article
from articles.services import WorkflowError, lock
from reviewers.choices import AssignmentStatus, Decision
from reviewers.models import BoardMember, ReviewAssignment, ReviewDecision
from reviewers.selectors import approval_rule_holds, conflicted_members, rejection_recommended
from reviewers.signals import assignment_cancelled, decision_recorded, reviewer_assigned

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser as User


# A review is weeks of work, not years.
MAX_REVIEW_DAYS = 365


def _save(obj, *, by: User, reason: str) -> None:
    obj._history_user = by
    obj._change_reason = reason
    obj.save()


def assignment_create(
    *,
    article: Article | int,
    reviewer: BoardMember,
    by: User,
    due_date: datetime.date | None = None,
) -> ReviewAssignment:
    """Ask a board member to review the article's current round.

    Assigning the first reviewer of a submitted article starts its review.
    """
    today = timezone.localdate()
    due_date = due_date or today + datetime.timedelta(days=settings.EDITORIAL_REVIEW_DAYS)
    with transaction.atomic():
        article = lock(article)
        reviewer = BoardMember.objects.select_related("user").get(pk=reviewer.pk)
        if not is_editor(by):
            raise WorkflowError(_("Only an editor can assign board members."))
        if wrote(article, by):
            raise WorkflowError(
                _("You wrote this article: another editor must choose its reviewers.")
            )
        if article.state not in (ArticleState.SUBMITTED, ArticleState.UNDER_REVIEW):
            raise WorkflowError(
                _("Board members can be assigned only to a submitted article or one under review.")
            )
        if not reviewer.active or not is_board_member(reviewer.user):
            raise WorkflowError(
                _("%(name)s is not an active board member.") % {"name": reviewer.name}
            )
        if wrote(article, reviewer.user):
            raise WorkflowError(
                _("%(name)s wrote this article and cannot review it.") % {"name": reviewer.name}
            )
        if conflicted_members(article).filter(pk=reviewer.pk).exists():
            raise WorkflowError(
                _("%(name)s declared a conflict of interest with this article.")
                % {"name": reviewer.name}
            )
        if due_date < today:
            raise WorkflowError(_("The due date is in the past."))
        if due_date > today + datetime.timedelta(days=MAX_REVIEW_DAYS):
            raise WorkflowError(
                _("The due date is more than %(days)s days away.") % {"days": MAX_REVIEW_DAYS}
            )
        already = _("%(name)s is already assigned to this round of review.") % {
            "name": reviewer.name
        }
        if (
            ReviewAssignment.objects.filter(
                article=article, reviewer=reviewer, round=article.review_round
            )
            .exclude(status=AssignmentStatus.CANCELLED)
            .exists()
        ):
            raise WorkflowError(already)
        assignment = ReviewAssignment(
            article=article,
            reviewer=reviewer,
            round=article.review_round,
            due_date=due_date,
            assigned_by=by,
        )
        try:
            with transaction.atomic():
                _save(assignment, by=by, reason=_("Assigned"))
        except IntegrityError as error:  # a concurrent assignment won the race
            raise WorkflowError(already) from error
        if article.state == ArticleState.SUBMITTED:
            article_services.article_start_review(
                article=article,
                by=by,
                comment=_("Assigned %(name)s.") % {"name": reviewer.name},
            )
        transaction.on_commit(
            lambda: reviewer_assigned.send(sender=ReviewAssignment, assignment=assignment, by=by)
        )
    return assignment


def assignment_cancel(*, assignment: ReviewAssignment, by: User, reason: str) -> ReviewAssignment:
    """Withdraw a review request that has not been answered yet."""
    reason = (reason or "").strip()
    with transaction.atomic():
        lock(assignment.article_id)
        assignment = (
            ReviewAssignment.objects.select_for_update()
            .select_related("article")
            .get(pk=assignment.pk)
        )
        if not is_editor(by):
            raise WorkflowError(_("Only an editor can cancel an assignment."))
        if wrote(assignment.article, by):
            raise WorkflowError(
                _("You wrote this article: another editor must manage its reviewers.")
            )
        if assignment.status != AssignmentStatus.OPEN:
            raise WorkflowError(
                _("This assignment is no longer open: %(status)s.")
                % {"status": assignment.get_status_display().lower()}
            )
        if not reason:
            raise WorkflowError(_("Say why the assignment is cancelled."))
        assignment.status = AssignmentStatus.CANCELLED
        _save(assignment, by=by, reason=_("Cancelled: %(reason)s") % {"reason": reason})
        transaction.on_commit(
            lambda: assignment_cancelled.send(
                sender=ReviewAssignment, assignment=assignment, by=by, reason=reason
            )
        )
    return assignment


def assignments_close_round(*, article: Article, by: User) -> None:
    """Close the round's unanswered assignments once the round has ended."""
    for assignment in ReviewAssignment.objects.filter(
        article=article, round=article.review_round, status=AssignmentStatus.OPEN
    ):
        assignment.status = AssignmentStatus.CLOSED
        _save(assignment, by=by, reason=_("Round ended"))


def decision_record(
    *,
    assignment: ReviewAssignment,
    by: User,
    decision: str,
    comment_to_author: str = "",
    conflict_declared: bool = False,
    conflict_statement: str = "",
) -> ReviewDecision:
    """Record a board member's decision and move the article as it requires.

    "Request changes" sends the article back to its author at once. An
    approval publishes the article when the approval rule holds. A
    recommendation to reject, and any declared conflict, go to the editors.
    """
    comment_to_author = (comment_to_author or "").strip()
    conflict_statement = (conflict_statement or "").strip()
    if decision not in Decision.values:
        raise WorkflowError(_("Choose approve, request changes or recommend rejection."))
    if decision != Decision.APPROVE and not comment_to_author:
        raise WorkflowError(
            _("Tell the author what to change or why: a comment is required unless you approve.")
        )
    if conflict_declared and not conflict_statement:
        raise WorkflowError(_("Describe the conflict of interest you declare."))

    with transaction.atomic():
        article = lock(assignment.article_id)
        assignment = (
            ReviewAssignment.objects.select_for_update()
            .select_related("reviewer__user")
            .get(pk=assignment.pk)
        )
        if assignment.reviewer.user_id != by.pk or not is_board_member(by):
            raise WorkflowError(
                _("Only the board member this review was assigned to can record its decision.")
            )
        if wrote(article, by):
            raise WorkflowError(_("You wrote this article: you cannot review it."))
        if not assignment.reviewer.active:
            raise WorkflowError(_("Your board membership is inactive: you cannot review now."))
        if assignment.status != AssignmentStatus.OPEN:
            raise WorkflowError(
                _("This review is no longer open: %(status)s.")
                % {"status": assignment.get_status_display().lower()}
            )
        if article.state != ArticleState.UNDER_REVIEW or assignment.round != article.review_round:
            raise WorkflowError(
                _(
                    "The article is %(state)s: decisions can be recorded only while it is "
                    "under review."
                )
                % {"state": article.get_state_display().lower()}
            )
        latest = article.history.order_by("-history_id").values_list("history_id", flat=True)
        recorded = ReviewDecision.objects.create(
            assignment=assignment,
            decision=decision,
            comment_to_author=comment_to_author,
            conflict_declared=conflict_declared,
            conflict_statement=conflict_statement,
            reviewed_revision=latest.first(),
            recorded_by=by,
        )
        assignment.status = AssignmentStatus.COMPLETED
        _save(
            assignment,
            by=by,
            reason=_("Decision recorded: %(decision)s")
            % {"decision": recorded.get_decision_display()},
        )
        if not conflict_declared:
            if decision == Decision.REQUEST_CHANGES:
                article_services.article_request_changes(
                    article=article, by=by, comment=comment_to_author
                )
            # With a recommendation to reject on the table, the editors decide
            # even when the approvals would suffice.
            elif (
                decision == Decision.APPROVE
                and approval_rule_holds(article, required=settings.EDITORIAL_REQUIRED_APPROVALS)
                and not rejection_recommended(article)
            ):
                article_services.article_approve(article=article, by=by, comment=comment_to_author)
        transaction.on_commit(
            lambda: decision_recorded.send(sender=ReviewDecision, decision=recorded, by=by)
        )
    return recorded
