"""Writes of the review process: assignments and decisions.

Each locks the article row first, so an assignment or a decision can never
interleave with a transition of the same article, and writes its action-log
row in the same transaction. A decision names the fingerprint of the text
the member had on screen and is refused when that text is no longer the
article's (``StaleText``); it freezes the member's credentials as they
stand, and counting reads only those frozen facts (reviewers.policy).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from articles import services as article_services
from articles.actionlog import log_action
from articles.choices import ArticleState
from articles.conditions import by_other_editor, wrote
from articles.exceptions import WorkflowError
from articles.fingerprints import article_fingerprint, short
from articles.models import Article
from articles.notifications import send_templated
from articles.publishing import change_note_needed
from articles.roles import editors, is_board_member, is_editor
from reviewers.choices import PENDING_STATUSES, AssignmentStatus, Decision
from reviewers.models import BoardMember, ReviewAssignment, ReviewDecision
from reviewers.policy import (
    approval_rule_holds,
    checklist_for,
    rejection_recommended,
    round_settled,
)
from reviewers.rounds import (
    check_member_may_review,
    default_deadlines,
    invite,
    log_assignment,
    save_tracked,
)
from reviewers.signals import (
    assignment_accepted,
    assignment_cancelled,
    assignment_declined,
    decision_recorded,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser as User


# A review is weeks of work, not years.
MAX_REVIEW_DAYS = 365


class StaleText(WorkflowError):
    """The decision was made on a text that is no longer the article's."""

    def __init__(self, message: str, *, seen_revision: int | None) -> None:
        super().__init__(message)
        self.seen_revision = seen_revision


def _check_deadlines(today: datetime.date, respond_by: datetime.date, due_date: datetime.date):
    if due_date < today:
        raise WorkflowError(_("The due date is in the past."))
    if respond_by < today:
        raise WorkflowError(_("The reply-by date is in the past."))
    if due_date > today + datetime.timedelta(days=MAX_REVIEW_DAYS):
        raise WorkflowError(
            _("The due date is more than %(days)s days away.") % {"days": MAX_REVIEW_DAYS}
        )
    if respond_by > due_date:
        raise WorkflowError(_("The reply-by date must come on or before the review's due date."))


def assignment_create(
    *,
    article: Article | int,
    reviewer: BoardMember,
    by: User,
    due_date: datetime.date | None = None,
    respond_by: datetime.date | None = None,
    message: str = "",
) -> ReviewAssignment:
    """Invite a board member to review the article's current round.

    ``message`` is the editor's own note, sent with the invitation.

    The member accepts or declines by ``respond_by``; the review starts when
    the first member accepts, or when an editor starts it.
    """
    today = timezone.localdate()
    default_respond, default_due = default_deadlines(today)
    due_date = due_date or default_due
    respond_by = respond_by or min(default_respond, due_date)
    with transaction.atomic():
        article = Article.objects.locked(article)
        reviewer = BoardMember.objects.select_related("user").get(pk=reviewer.pk)
        if not is_editor(by):
            raise WorkflowError(_("Only an editor can assign board members."))
        if not by_other_editor(article, by):
            raise WorkflowError(
                _("You wrote this article: another editor must choose its reviewers.")
            )
        if article.state not in (ArticleState.SUBMITTED, ArticleState.UNDER_REVIEW):
            raise WorkflowError(
                _("Board members can be assigned only to a submitted article or one under review.")
            )
        check_member_may_review(article, reviewer)
        _check_deadlines(today, respond_by, due_date)
        return invite(
            article=article,
            reviewer=reviewer,
            assigned_by=by,
            by=by,
            respond_by=respond_by,
            due_date=due_date,
            reason=_("Invited"),
            message=(message or "").strip(),
        )


def _lock_assignment(assignment: ReviewAssignment) -> tuple[Article, ReviewAssignment]:
    """Lock the assignment's article, then the assignment, to the end of the transaction.

    In that order, as every write of an article or its review takes the
    article's lock first, so none of them can interleave.
    """
    article = Article.objects.locked(assignment.article_id)
    assignment = (
        ReviewAssignment.objects.select_for_update()
        .select_related("reviewer__user")
        .get(pk=assignment.pk)
    )
    # Read through the assignment, the article is the row just locked.
    assignment.article = article
    return article, assignment


def _check_own_invitation(article: Article, assignment: ReviewAssignment, by: User) -> None:
    if assignment.reviewer.user_id != by.pk or not is_board_member(by):
        raise WorkflowError(_("Only the board member who was invited can answer this invitation."))
    if assignment.status != AssignmentStatus.INVITED:
        raise WorkflowError(
            _("This invitation was already answered or withdrawn: %(status)s.")
            % {"status": assignment.get_status_display().lower()}
        )
    if assignment.round != article.review_round or article.state not in (
        ArticleState.SUBMITTED,
        ArticleState.UNDER_REVIEW,
    ):
        raise WorkflowError(_("This round of review has ended: there is nothing to answer."))


def assignment_accept(*, assignment: ReviewAssignment, by: User) -> ReviewAssignment:
    """The member takes the review on; the first acceptance starts the article's review."""
    with transaction.atomic():
        article, assignment = _lock_assignment(assignment)
        _check_own_invitation(article, assignment, by)
        reason = assignment.reviewer.unavailability()
        if reason:
            raise WorkflowError(
                _("You cannot take on a review now: %(reason)s Please tell the editors.")
                % {"reason": reason}
            )
        assignment.status = AssignmentStatus.OPEN
        assignment.responded_at = timezone.now()
        save_tracked(assignment, by=by, reason=_("Accepted"))
        log_assignment("assignment.accept", assignment, by=by)
        if article.state == ArticleState.SUBMITTED:
            article_services.article_start_review(
                article=article,
                by=by,
                comment=_("%(name)s accepted the review.") % {"name": assignment.reviewer.name},
                locked=True,
            )
        assignment_accepted.send(sender=ReviewAssignment, assignment=assignment, by=by)
    return assignment


def assignment_decline(*, assignment: ReviewAssignment, by: User, reason: str) -> ReviewAssignment:
    """The member turns the review down, saying why; the editors are told."""
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(_("Say why you decline, so the editors can choose someone else."))
    with transaction.atomic():
        article, assignment = _lock_assignment(assignment)
        _check_own_invitation(article, assignment, by)
        assignment.status = AssignmentStatus.DECLINED
        assignment.responded_at = timezone.now()
        assignment.decline_reason = reason
        save_tracked(assignment, by=by, reason=_("Declined: %(reason)s") % {"reason": reason})
        log_assignment("assignment.decline", assignment, by=by, reason=reason)
        assignment_declined.send(
            sender=ReviewAssignment, assignment=assignment, by=by, reason=reason
        )
    return assignment


def assignment_cancel(*, assignment: ReviewAssignment, by: User, reason: str) -> ReviewAssignment:
    """Withdraw a review request that has not been answered yet."""
    reason = (reason or "").strip()
    with transaction.atomic():
        article, assignment = _lock_assignment(assignment)
        if not is_editor(by):
            raise WorkflowError(_("Only an editor can cancel an assignment."))
        if not by_other_editor(article, by):
            raise WorkflowError(
                _("You wrote this article: another editor must manage its reviewers.")
            )
        if assignment.status not in PENDING_STATUSES:
            raise WorkflowError(
                _("This assignment is no longer open: %(status)s.")
                % {"status": assignment.get_status_display().lower()}
            )
        if not reason:
            raise WorkflowError(_("Say why the assignment is cancelled."))
        assignment.status = AssignmentStatus.CANCELLED
        save_tracked(assignment, by=by, reason=_("Cancelled: %(reason)s") % {"reason": reason})
        log_assignment("assignment.cancel", assignment, by=by, reason=reason)
        assignment_cancelled.send(
            sender=ReviewAssignment, assignment=assignment, by=by, reason=reason
        )
    return assignment


def decision_record(
    *,
    assignment: ReviewAssignment,
    by: User,
    decision: str,
    comment_to_author: str = "",
    confidential_note: str = "",
    no_conflict: bool = False,
    conflict_declared: bool = False,
    conflict_statement: str = "",
    checklist: dict[int, bool] | None = None,
    fingerprint: str,
    revision: int | None = None,
) -> ReviewDecision:
    """Record a board member's decision and move the article as it requires.

    The conflict-of-interest statement must be explicit: ``no_conflict``
    ticked, or ``conflict_declared`` with a description. ``checklist`` maps
    each question's id to the member's answer; approving needs “yes” to every
    question asked for the article's topic, and the questions are stored with
    their wording so later edits change no past review.

    ``fingerprint`` is the content fingerprint of the text the member read
    (the decision form carries it), ``revision`` the history row it came
    from. A fingerprint that is not the article's current one is refused
    with ``StaleText`` and nothing is recorded.

    "Request changes" sends the article back to its author at once. An
    approval publishes the article when the approval rule holds. A
    recommendation to reject, and any declared conflict, go to the editors.
    """
    comment_to_author = (comment_to_author or "").strip()
    confidential_note = (confidential_note or "").strip()
    conflict_statement = (conflict_statement or "").strip()
    checklist = checklist or {}
    if decision not in Decision.values:
        raise WorkflowError(_("Choose approve, request changes or recommend rejection."))
    if decision != Decision.APPROVE and not comment_to_author:
        raise WorkflowError(
            _("Tell the author what to change or why: a comment is required unless you approve.")
        )
    if no_conflict and conflict_declared:
        raise WorkflowError(
            _("Either confirm that you have no conflict of interest or declare one, not both.")
        )
    if not no_conflict and not conflict_declared:
        raise WorkflowError(
            _(
                "State your conflict of interest: tick that you have none, or describe the "
                "conflict you declare."
            )
        )
    if conflict_declared and not conflict_statement:
        raise WorkflowError(_("Describe the conflict of interest you declare."))

    with transaction.atomic():
        article, assignment = _lock_assignment(assignment)
        if assignment.reviewer.user_id != by.pk or not is_board_member(by):
            raise WorkflowError(
                _("Only the board member this review was assigned to can record its decision.")
            )
        if wrote(article, by):
            raise WorkflowError(_("You wrote this article: you cannot review it."))
        if not assignment.reviewer.active:
            raise WorkflowError(_("Your board membership is inactive: you cannot review now."))
        if assignment.status == AssignmentStatus.INVITED:
            raise WorkflowError(
                _("Accept the invitation first: a decision is recorded on an accepted review.")
            )
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
        questions = list(checklist_for(article.topic))
        answers = [
            {"id": q.pk, "question": q.text, "answer": bool(checklist.get(q.pk))} for q in questions
        ]
        unanswered = [a["question"] for a in answers if not a["answer"]]
        if decision == Decision.APPROVE and not conflict_declared and unanswered:
            raise WorkflowError(
                _("Before approving, confirm every item of the review checklist: %(items)s.")
                % {"items": "; ".join(unanswered)}
            )
        current = article_fingerprint(article)
        if (fingerprint or "").strip().lower() != current:
            raise StaleText(
                _(
                    "The text changed after you opened it (you read %(seen)s, it is now "
                    "%(now)s): your decision was not recorded. Read what changed, then decide "
                    "on the text as it stands."
                )
                % {"seen": short(fingerprint) or _("an unknown text"), "now": short(current)},
                seen_revision=revision,
            )
        history = article.history.all()
        if revision is None or not history.filter(history_id=revision).exists():
            revision = history.order_by("-history_id").values_list("history_id", flat=True).first()
        member = assignment.reviewer
        today = timezone.localdate()
        member_active = member.active and member.user.is_active
        recorded = ReviewDecision.objects.create(
            assignment=assignment,
            decision=decision,
            comment_to_author=comment_to_author,
            confidential_note=confidential_note,
            no_conflict_confirmed=no_conflict,
            conflict_declared=conflict_declared,
            conflict_statement=conflict_statement,
            checklist=answers,
            reviewed_revision=revision,
            fingerprint=current,
            member_credentials=member.credentials,
            licence_number=member.licence_number,
            licence_region=member.licence_region,
            licence_expires_on=member.licence_expires_on,
            member_active=member_active,
            credentials_valid=member_active and not member.licence_expired(today),
            recorded_by=by,
        )
        log_action(
            action="decision.record",
            by=by,
            article=article,
            from_state=article.state,
            to_state=article.state,
            fingerprint=current,
            payload={
                "decision_id": recorded.pk,
                "assignment": assignment.pk,
                "member": member.pk,
                "decision": decision,
                "revision": revision,
                "round": assignment.round,
                "conflict_declared": conflict_declared,
                "credentials": {
                    "credentials": member.credentials,
                    "licence_number": member.licence_number,
                    "licence_region": member.licence_region,
                    "licence_expires_on": member.licence_expires_on,
                    "active": member_active,
                    "valid": recorded.credentials_valid,
                },
            },
        )
        assignment.status = AssignmentStatus.COMPLETED
        save_tracked(
            assignment,
            by=by,
            reason=_("Decision recorded: %(decision)s")
            % {"decision": recorded.get_decision_display()},
        )
        # The decision is recorded: from here on the round's answers hold, and
        # the approval asks each of them once.
        with round_settled():
            if not conflict_declared:
                if decision == Decision.REQUEST_CHANGES:
                    article_services.article_request_changes(
                        article=article, by=by, comment=comment_to_author, locked=True
                    )
                # With a recommendation to reject on the table, the editors decide
                # even when the approvals would suffice.
                elif (
                    decision == Decision.APPROVE
                    and approval_rule_holds(article)
                    and not rejection_recommended(article)
                    # A changed text waits for its public note: an editor approves it.
                    and not change_note_needed(article)
                ):
                    article_services.article_approve(
                        article=article, by=by, comment=comment_to_author, locked=True
                    )
        decision_recorded.send(sender=ReviewDecision, decision=recorded, by=by)
    return recorded


def assignment_remind(*, assignment: ReviewAssignment, by: User) -> ReviewAssignment:
    """An editor's reminder to a member who has not answered an invitation (or delivered)."""
    with transaction.atomic():
        article, assignment = _lock_assignment(assignment)
        if not is_editor(by):
            raise WorkflowError(_("Only an editor can send reminders."))
        if assignment.status not in PENDING_STATUSES or assignment.round != article.review_round:
            raise WorkflowError(
                _("This assignment is no longer waiting for the member: no reminder was sent.")
            )
        if article.state not in (ArticleState.SUBMITTED, ArticleState.UNDER_REVIEW):
            raise WorkflowError(_("The article is not in review: no reminder was sent."))
        assignment.reminded_at = timezone.now()
        save_tracked(assignment, by=by, reason=_("Reminded by an editor"))
        template = (
            "reminder_respond" if assignment.status == AssignmentStatus.INVITED else "reminder_due"
        )
        context = {
            "assignment": assignment,
            "article": assignment.article,
            "days_overdue": (timezone.localdate() - assignment.due_date).days,
        }
        log_assignment("assignment.remind", assignment, by=by)
        # Queued in this transaction: the reminder and its record commit together.
        send_templated(template=template, recipients=[assignment.reviewer.user], context=context)
    return assignment


def licence_update_request(*, member: BoardMember, by: User, note: str = "") -> list[str]:
    """A member asks the editors to record a renewed licence; returns who was told.

    Editors keep the licence fields (they verify them), so the member's part
    is to ask, with the new details in the note.
    """
    if member.user_id != by.pk:
        raise WorkflowError(_("You can ask for an update of your own profile only."))
    note = (note or "").strip()
    if len(note) > 2000:
        raise WorkflowError(_("The note is longer than 2,000 characters: nothing was sent."))
    with transaction.atomic():
        log_action(
            action="member.licence_update_request",
            by=by,
            payload={"member": member.pk, "member_name": member.name, "note": note},
        )
        return send_templated(
            template="licence_update_request",
            recipients=list(editors()),
            context={"member": member, "note": note},
        )
