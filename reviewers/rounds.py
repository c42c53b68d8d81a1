"""A round of review: inviting members to it, inviting them again, closing it.

The reviewer services invite on an editor's request; the article's
transitions call ``assignments_reinvite`` (a resubmission) and
``assignments_close_round`` (a round-ending verb) inside their own
transaction, after saving the article. So this module sits below both
service layers: it never imports articles.services or reviewers.services.
Every change here writes its action-log row in the caller's transaction.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.actionlog import log_action
from articles.conditions import wrote
from articles.exceptions import WorkflowError
from articles.roles import is_board_member
from reviewers.choices import PENDING_STATUSES, AssignmentStatus
from reviewers.models import BoardMember, ReviewAssignment
from reviewers.policy import conflicted_members, previous_round_reviewers, standing_conflicts
from reviewers.signals import reviewer_assigned

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser as User

    from articles.models import Article


def save_tracked(obj, *, by: User | None, reason: str) -> None:
    """Save with the history's user and change reason (``by=None``: the system)."""
    obj._history_user = by
    obj._change_reason = reason
    obj.save()


def log_assignment(action: str, assignment: ReviewAssignment, *, by, **details) -> None:
    """Write the action-log row of a change to ``assignment``, with its facts as they stand."""
    article = assignment.article
    log_action(
        action=action,
        by=by,
        article=article,
        from_state=article.state,
        to_state=article.state,
        payload={
            "assignment": assignment.pk,
            "member": assignment.reviewer_id,
            "member_user": assignment.reviewer.user_id,
            "member_name": assignment.reviewer.name,
            "round": assignment.round,
            "status": assignment.status,
            "due_date": assignment.due_date,
            "respond_by": assignment.respond_by,
            **details,
        },
    )


def default_deadlines(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """Reply-by and review-by dates an invitation gets when the editor sets none."""
    today = today or timezone.localdate()
    return (
        today + datetime.timedelta(days=settings.EDITORIAL_RESPOND_DAYS),
        today + datetime.timedelta(days=settings.EDITORIAL_REVIEW_DAYS),
    )


def check_member_may_review(article: Article, reviewer: BoardMember) -> None:
    """Refuse a member who may not review this article, naming the reason."""
    name = {"name": reviewer.name}
    if not reviewer.active or not is_board_member(reviewer.user):
        raise WorkflowError(_("%(name)s is not an active board member.") % name)
    if reviewer.licence_expired():
        raise WorkflowError(
            _(
                "%(name)s's licence expired on %(date)s: they cannot be assigned until it "
                "is renewed."
            )
            % {**name, "date": reviewer.licence_expires_on.strftime("%-d %B %Y")}
        )
    if wrote(article, reviewer.user):
        raise WorkflowError(_("%(name)s wrote this article and cannot review it.") % name)
    if conflicted_members(article).filter(pk=reviewer.pk).exists():
        raise WorkflowError(_("%(name)s declared a conflict of interest with this article.") % name)
    if standing_conflicts(article).filter(member=reviewer).exists():
        raise WorkflowError(
            _("%(name)s has a standing conflict of interest with this article's author or topic.")
            % name
        )


def invite(
    *,
    article: Article,
    reviewer: BoardMember,
    assigned_by: User,
    by: User | None,
    respond_by: datetime.date,
    due_date: datetime.date,
    reason: str,
    automatic: str = "",
    message: str = "",
) -> ReviewAssignment:
    """Create the invitation of a member already checked, on the locked article.

    ``automatic`` names why the system, not a person, invited them.
    """
    already = _("%(name)s is already assigned to this round of review.") % {"name": reviewer.name}
    if ReviewAssignment.objects.filter(
        article=article,
        reviewer=reviewer,
        round=article.review_round,
        status__in=[*PENDING_STATUSES, AssignmentStatus.COMPLETED],
    ).exists():
        raise WorkflowError(already)
    assignment = ReviewAssignment(
        article=article,
        reviewer=reviewer,
        round=article.review_round,
        respond_by=respond_by,
        due_date=due_date,
        assigned_by=assigned_by,
        invitation_message=message,
    )
    try:
        with transaction.atomic():
            save_tracked(assignment, by=by, reason=reason)
    except IntegrityError as error:  # a concurrent assignment won the race
        raise WorkflowError(already) from error
    if automatic:
        log_assignment(
            "assignment.reinvite", assignment, by=None, automatic=automatic, reason=reason
        )
    else:
        log_assignment("assignment.create", assignment, by=by)
    reviewer_assigned.send(sender=ReviewAssignment, assignment=assignment, by=by)
    return assignment


def assignments_reinvite(*, article: Article) -> list[ReviewAssignment]:
    """Invite last round's reviewers again to the new round of a resubmitted article.

    Called by the submit transition inside its transaction. Members who have
    since become unable to review are skipped; editors can add others. The
    system sends these invitations, not the author who resubmitted: the
    history and the action log say "automatically, on resubmission".
    """
    if article.review_round < 2:
        return []
    respond_by, due_date = default_deadlines()
    invited = []
    for previous in previous_round_reviewers(article):
        try:
            check_member_may_review(article, previous.reviewer)
            invited.append(
                invite(
                    article=article,
                    reviewer=previous.reviewer,
                    assigned_by=previous.assigned_by,
                    by=None,
                    respond_by=respond_by,
                    due_date=due_date,
                    reason=_("Invited again for round %(round)s after resubmission")
                    % {"round": article.review_round},
                    automatic="resubmission",
                )
            )
        except WorkflowError:
            continue
    return invited


def assignments_close_round(*, article: Article, by: User) -> None:
    """Close the round's unanswered assignments once the round has ended."""
    for assignment in ReviewAssignment.objects.filter(
        article=article, round=article.review_round, status__in=PENDING_STATUSES
    ):
        assignment.status = AssignmentStatus.CLOSED
        save_tracked(assignment, by=by, reason=_("Round ended"))
        # The transition that ended the round is logged; this follows from it.
        log_assignment("assignment.close", assignment, by=None, automatic="round ended")
