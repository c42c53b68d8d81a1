"""Writes of the review process: assignments and decisions.

Each locks the article row first, so an assignment or a decision can never
interleave with a transition of the same article, and writes its action-log
row in the same transaction. A decision names the fingerprint of the text
the member had on screen and is refused when that text is no longer the
article's (``StaleText``); it freezes the member's credentials as they
stand, and counting reads only those frozen facts (reviewers.selectors).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from articles import services as article_services
from articles.actionlog import log_action
from articles.choices import ArticleState
from articles.conditions import is_board_member, is_editor, wrote
from articles.fingerprints import article_fingerprint, short
from articles.models import Article
from articles.services import WorkflowError, lock
from reviewers.choices import PENDING_STATUSES, AssignmentStatus, Decision
from reviewers.models import BoardMember, ReviewAssignment, ReviewDecision
from reviewers.selectors import (
    approval_rule_holds,
    checklist_for,
    conflicted_members,
    previous_round_reviewers,
    rejection_recommended,
    round_settled,
    standing_conflicts,
)
from reviewers.signals import (
    assignment_accepted,
    assignment_cancelled,
    assignment_declined,
    decision_recorded,
    reviewer_assigned,
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


def _log_assignment(action: str, assignment: ReviewAssignment, *, by, **details) -> None:
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


def _save(obj, *, by: User | None, reason: str) -> None:
    obj._history_user = by
    obj._change_reason = reason
    obj.save()


def default_deadlines(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """Reply-by and review-by dates an invitation gets when the editor sets none."""
    today = today or timezone.localdate()
    return (
        today + datetime.timedelta(days=settings.EDITORIAL_RESPOND_DAYS),
        today + datetime.timedelta(days=settings.EDITORIAL_REVIEW_DAYS),
    )


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


def _check_member_may_review(article: Article, reviewer: BoardMember) -> None:
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


def _invite(
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
            _save(assignment, by=by, reason=reason)
    except IntegrityError as error:  # a concurrent assignment won the race
        raise WorkflowError(already) from error
    if automatic:
        _log_assignment(
            "assignment.reinvite", assignment, by=None, automatic=automatic, reason=reason
        )
    else:
        _log_assignment("assignment.create", assignment, by=by)
    reviewer_assigned.send(sender=ReviewAssignment, assignment=assignment, by=by)
    return assignment


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
        _check_member_may_review(article, reviewer)
        _check_deadlines(today, respond_by, due_date)
        return _invite(
            article=article,
            reviewer=reviewer,
            assigned_by=by,
            by=by,
            respond_by=respond_by,
            due_date=due_date,
            reason=_("Invited"),
            message=(message or "").strip(),
        )


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
            _check_member_may_review(article, previous.reviewer)
            invited.append(
                _invite(
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


def _lock_assignment(assignment: ReviewAssignment) -> tuple[Article, ReviewAssignment]:
    article = lock(assignment.article_id)
    assignment = (
        ReviewAssignment.objects.select_for_update()
        .select_related("reviewer__user")
        .get(pk=assignment.pk)
    )
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
        _save(assignment, by=by, reason=_("Accepted"))
        _log_assignment("assignment.accept", assignment, by=by)
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
        _save(assignment, by=by, reason=_("Declined: %(reason)s") % {"reason": reason})
        _log_assignment("assignment.decline", assignment, by=by, reason=reason)
        assignment_declined.send(
            sender=ReviewAssignment, assignment=assignment, by=by, reason=reason
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
        if assignment.status not in PENDING_STATUSES:
            raise WorkflowError(
                _("This assignment is no longer open: %(status)s.")
                % {"status": assignment.get_status_display().lower()}
            )
        if not reason:
            raise WorkflowError(_("Say why the assignment is cancelled."))
        assignment.status = AssignmentStatus.CANCELLED
        _save(assignment, by=by, reason=_("Cancelled: %(reason)s") % {"reason": reason})
        _log_assignment("assignment.cancel", assignment, by=by, reason=reason)
        assignment_cancelled.send(
            sender=ReviewAssignment, assignment=assignment, by=by, reason=reason
        )
    return assignment


def assignments_close_round(*, article: Article, by: User) -> None:
    """Close the round's unanswered assignments once the round has ended."""
    for assignment in ReviewAssignment.objects.filter(
        article=article, round=article.review_round, status__in=PENDING_STATUSES
    ):
        assignment.status = AssignmentStatus.CLOSED
        _save(assignment, by=by, reason=_("Round ended"))
        # The transition that ended the round is logged; this follows from it.
        _log_assignment("assignment.close", assignment, by=None, automatic="round ended")


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
        _save(
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
                    and not article_services.change_note_needed(article)
                ):
                    article_services.article_approve(
                        article=article, by=by, comment=comment_to_author, locked=True
                    )
        decision_recorded.send(sender=ReviewDecision, decision=recorded, by=by)
    return recorded


def assignment_remind(*, assignment: ReviewAssignment, by: User) -> ReviewAssignment:
    """An editor's reminder to a member who has not answered an invitation (or delivered)."""
    from articles.notifications import send_templated

    with transaction.atomic():
        article = lock(assignment.article_id)
        assignment = ReviewAssignment.objects.select_for_update().get(pk=assignment.pk)
        if not is_editor(by):
            raise WorkflowError(_("Only an editor can send reminders."))
        if assignment.status not in PENDING_STATUSES or assignment.round != article.review_round:
            raise WorkflowError(
                _("This assignment is no longer waiting for the member: no reminder was sent.")
            )
        if article.state not in (ArticleState.SUBMITTED, ArticleState.UNDER_REVIEW):
            raise WorkflowError(_("The article is not in review: no reminder was sent."))
        assignment.reminded_at = timezone.now()
        _save(assignment, by=by, reason=_("Reminded by an editor"))
        assignment = ReviewAssignment.objects.select_related(
            "reviewer__user", "article", "assigned_by"
        ).get(pk=assignment.pk)
        template = (
            "reminder_respond" if assignment.status == AssignmentStatus.INVITED else "reminder_due"
        )
        context = {
            "assignment": assignment,
            "article": assignment.article,
            "days_overdue": (timezone.localdate() - assignment.due_date).days,
        }
        _log_assignment("assignment.remind", assignment, by=by)
        # Queued in this transaction: the reminder and its record commit together.
        send_templated(template=template, recipients=[assignment.reviewer.user], context=context)
    return assignment


def licence_update_request(*, member: BoardMember, by: User, note: str = "") -> list[str]:
    """A member asks the editors to record a renewed licence; returns who was told.

    Editors keep the licence fields (they verify them), so the member's part
    is to ask, with the new details in the note.
    """
    from articles.notifications import send_templated
    from reviewers.selectors import editors

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
