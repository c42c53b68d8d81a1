"""Reads of the review process that several places rely on."""

from __future__ import annotations

import datetime
import re
import statistics
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from articles.models import Article, Topic
from reviewers.choices import LIVE_STATUSES, PENDING_STATUSES, AssignmentStatus, Decision
from reviewers.models import (
    BoardMember,
    ChecklistQuestion,
    ReviewAssignment,
    ReviewDecision,
    StandingConflict,
)


def _holds_board_role(prefix: str = "") -> Q:
    """Accounts that hold the board member's permission (as is_board_member checks)."""
    decide = Permission.objects.filter(
        codename="add_reviewdecision", content_type__app_label="reviewers"
    )
    return (
        Q(**{f"{prefix}is_superuser": True})
        | Q(**{f"{prefix}groups__permissions__in": decide})
        | Q(**{f"{prefix}user_permissions__in": decide})
    )


def _licence_current(prefix: str = "") -> Q:
    """Members whose licence has not expired (or whose expiry is not recorded)."""
    return Q(**{f"{prefix}licence_expires_on__isnull": True}) | Q(
        **{f"{prefix}licence_expires_on__gte": timezone.localdate()}
    )


def current_assignments(article: Article) -> QuerySet[ReviewAssignment]:
    """Assignments of the article's current round: invited, accepted or decided."""
    return ReviewAssignment.objects.filter(
        article=article, round=article.review_round, status__in=LIVE_STATUSES
    )


# --- The approval policy -------------------------------------------------------------

T = TypeVar("T")

# Answers of the approval policy already worked out inside ``round_settled``.
_settled: ContextVar[dict | None] = ContextVar("settled", default=None)


@contextmanager
def round_settled() -> Iterator[None]:
    """Inside the block, ask the database each question of the approval policy once.

    For a workflow write that holds the article's lock and records no
    decision inside the block. Decisions are recorded only under that lock,
    so the round's answers cannot change before the write commits, yet the
    decision, the approval's permission and condition, and the published
    version's byline each ask them. Nested blocks share the outer one's.
    """
    if _settled.get() is not None:
        yield
        return
    token = _settled.set({})
    try:
        yield
    finally:
        _settled.reset(token)


def _settled_answer(question: str, article: Article, answer: Callable[[], T]) -> T:
    settled = _settled.get()
    if settled is None:
        return answer()
    key = (question, article.pk, article.review_round)
    if key not in settled:
        settled[key] = answer()
    return settled[key]


def required_approvals(topic: Topic) -> int:
    """Approvals an article of this topic needs: the topic's own number, else the default."""
    return max(topic.required_approvals or settings.EDITORIAL_REQUIRED_APPROVALS, 1)


def needs_specialist(topic: Topic) -> bool:
    return bool(topic.require_specialty_match and topic.specialty.strip())


def counting_approvals(article: Article) -> QuerySet[ReviewDecision]:
    """The "approve" decisions of this round that count toward publication.

    A decision counts when its member was active on the board with a licence
    not expired on the day of the decision (facts frozen on the decision, so
    no later edit of the member's record revives or voids it), is still
    active and on the board with a current licence, declared no conflict of
    interest and is not the article's author.
    """
    on_board = BoardMember.objects.filter(_holds_board_role("user__")).filter(_licence_current())
    return (
        ReviewDecision.objects.filter(
            assignment__reviewer__in=on_board,
            assignment__article=article,
            assignment__round=article.review_round,
            assignment__status=AssignmentStatus.COMPLETED,
            assignment__reviewer__active=True,
            assignment__reviewer__user__is_active=True,
            decision=Decision.APPROVE,
            conflict_declared=False,
            credentials_valid=True,
        )
        .exclude(assignment__reviewer__user_id=article.author_id)
        .select_related("assignment__reviewer__user")
    )


def open_change_requests(article: Article) -> QuerySet[ReviewDecision]:
    return ReviewDecision.objects.filter(
        assignment__article=article,
        assignment__round=article.review_round,
        assignment__status=AssignmentStatus.COMPLETED,
        decision=Decision.REQUEST_CHANGES,
        conflict_declared=False,
    )


def _objections(article: Article) -> set[str]:
    """Which of "request changes" and "reject" conflict-free members chose this round."""
    return _settled_answer(
        "objections",
        article,
        lambda: set(
            ReviewDecision.objects.filter(
                assignment__article=article,
                assignment__round=article.review_round,
                assignment__status=AssignmentStatus.COMPLETED,
                decision__in=[Decision.REQUEST_CHANGES, Decision.REJECT],
                conflict_declared=False,
            )
            .values_list("decision", flat=True)
            .distinct()
        ),
    )


def rejection_recommended(article: Article) -> bool:
    """A conflict-free member of this round recommends rejecting the article."""
    return Decision.REJECT in _objections(article)


def approving_members(article: Article) -> list[BoardMember]:
    """Distinct board members whose approval counts this round, in decision order."""

    def members() -> list[BoardMember]:
        distinct: dict[int, BoardMember] = {}
        for decision in counting_approvals(article):
            member = decision.assignment.reviewer
            # The byline credits the credentials the member decided under.
            member.credentials = decision.member_credentials or member.credentials
            # The text each approved, for the check that they all approved the same.
            member.approved_fingerprints = [
                *getattr(distinct.get(member.pk), "approved_fingerprints", []),
                decision.fingerprint,
            ]
            distinct.setdefault(decision.assignment.reviewer_id, member)
        return list(distinct.values())

    return list(_settled_answer("approving", article, members))


def approval_count(article: Article) -> int:
    """Distinct board members whose approval counts in this round."""
    return counting_approvals(article).values("assignment__reviewer").distinct().count()


def approval_shortfall(article: Article) -> str:
    """What still stands between this round and approval, in plain words; empty if nothing."""
    if Decision.REQUEST_CHANGES in _objections(article):
        return _("A board member's request for changes is open in this round.")
    topic = article.topic
    required = required_approvals(topic)
    members = approving_members(article)
    if len(members) < required:
        return ngettext(
            "%(missing)s more approval from a distinct, conflict-free board member with a "
            "current licence (%(have)s of %(need)s so far).",
            "%(missing)s more approvals from distinct, conflict-free board members with a "
            "current licence (%(have)s of %(need)s so far).",
            required - len(members),
        ) % {"missing": required - len(members), "have": len(members), "need": required}
    if needs_specialist(topic) and not any(m.has_specialty(topic.specialty) for m in members):
        return _("At least one approving member must be a specialist in %(specialty)s.") % {
            "specialty": topic.specialty
        }
    return ""


def approval_rule_holds(article: Article, *, required: int | None = None) -> bool:
    """The round has its quorum (the topic's, or ``required``) and no open change request.

    ``required`` is kept for callers of the first slice; the topic's policy
    applies when it asks for more.
    """
    if required is not None and approval_count(article) < max(required, 1):
        return False
    return not approval_shortfall(article)


def conflicted_members(article: Article) -> QuerySet[BoardMember]:
    """Members who declared a conflict with this article in any round: never again."""
    return BoardMember.objects.filter(
        assignments__article=article, assignments__decision__conflict_declared=True
    )


def standing_conflicts(article: Article) -> QuerySet[StandingConflict]:
    """Conflicts in force with the article's author or its topic."""
    return StandingConflict.objects.filter(active=True).filter(
        Q(author_id=article.author_id) | Q(topic_id=article.topic_id)
    )


def assignable_members(article: Article) -> QuerySet[BoardMember]:
    """Members who may be asked to review this round, best candidates first.

    Specialists in the article's topic come first, then the least busy. Never
    offered: the author, inactive members or accounts, expired licences, those
    already in this round, and anyone with a conflict with this article, its
    author or its topic.
    """
    taken = current_assignments(article).values("reviewer")
    specialty = (article.topic.specialty or "").strip()
    # One entry of the comma-separated list, whole, whatever the case.
    listed = r"(^|,)\s*" + re.escape(specialty) + r"\s*(,|$)"
    match = (
        Case(
            When(specialties__iregex=listed, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        if specialty
        else Value(0, output_field=IntegerField())
    )
    return (
        BoardMember.objects.filter(active=True, user__is_active=True)
        .filter(_licence_current())
        .filter(pk__in=BoardMember.objects.filter(_holds_board_role("user__")).values("pk"))
        .exclude(user_id=article.author_id)
        .exclude(pk__in=taken)
        .exclude(pk__in=conflicted_members(article).values("pk"))
        .exclude(pk__in=standing_conflicts(article).values("member"))
        .select_related("user")
        .annotate(
            open_reviews=Count(
                "assignments", filter=Q(assignments__status__in=PENDING_STATUSES), distinct=True
            ),
            specialty_match=match,
        )
        .order_by("-specialty_match", "open_reviews", "user__last_name", "user__first_name")
    )


def unavailable_members(article: Article) -> list[tuple[BoardMember, str]]:
    """Board members not offered for this article, each with the reason, for editors."""
    taken = set(current_assignments(article).values_list("reviewer_id", flat=True))
    conflicted = set(conflicted_members(article).values_list("pk", flat=True))
    standing = {}
    for conflict in standing_conflicts(article).select_related("topic"):
        standing.setdefault(
            conflict.member_id,
            _("Standing conflict with the author.")
            if conflict.author_id == article.author_id
            else _("Standing conflict with the topic %(topic)s.") % {"topic": conflict.topic},
        )
    result = []
    for member in BoardMember.objects.select_related("user").order_by("user__last_name"):
        if member.pk in taken:
            continue
        reason = member.unavailability()
        if not reason and member.user_id == article.author_id:
            reason = _("Wrote this article.")
        if not reason and member.pk in conflicted:
            reason = _("Declared a conflict with this article.")
        if not reason:
            reason = standing.get(member.pk, "")
        if reason:
            result.append((member, reason))
    return result


def checklist_for(topic: Topic) -> QuerySet[ChecklistQuestion]:
    """The questions asked before approving an article of this topic: global, then the topic's."""
    return (
        ChecklistQuestion.objects.filter(active=True)
        .filter(Q(topic__isnull=True) | Q(topic=topic))
        .order_by(Case(When(topic__isnull=True, then=Value(0)), default=Value(1)), "position", "id")
    )


def previous_round_reviewers(article: Article) -> list[ReviewAssignment]:
    """The members who reviewed the article before and were not recused: asked again.

    Each member's latest assignment decides. An invitation that a withdrawal
    closed before anyone answered it does not count against them: they are
    asked again as long as they took an earlier round on.
    """
    earlier = (
        ReviewAssignment.objects.filter(article=article, round__lt=article.review_round)
        .select_related("reviewer__user", "decision", "assigned_by")
        .order_by("round", "assigned_at", "id")
    )

    def took_it_on(assignment: ReviewAssignment) -> bool:
        if assignment.status == AssignmentStatus.COMPLETED:
            return not assignment.decision.conflict_declared
        # Accepted, but the round ended (e.g. withdrawn) before they decided.
        return assignment.status == AssignmentStatus.CLOSED and bool(assignment.responded_at)

    def unanswered(assignment: ReviewAssignment) -> bool:
        return assignment.status == AssignmentStatus.CLOSED and not assignment.responded_at

    chosen: dict[int, ReviewAssignment] = {}
    for assignment in earlier:
        member = assignment.reviewer_id
        if took_it_on(assignment):
            chosen[member] = assignment
        elif not (unanswered(assignment) and member in chosen):
            chosen.pop(member, None)
    return list(chosen.values())


# --- Dashboards ---------------------------------------------------------------------


def _days(start: datetime.datetime, end: datetime.datetime) -> float:
    return (end - start).total_seconds() / 86400


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


@dataclass
class RosterRow:
    member: BoardMember
    open: int = 0
    completed: int = 0
    declined: int = 0
    overdue: int = 0
    median_days_to_respond: float | None = None
    median_days_to_deliver: float | None = None

    @property
    def unavailability(self) -> str:
        return self.member.unavailability()


def board_roster() -> list[RosterRow]:
    """Per member: load, output and responsiveness, so the board can be balanced."""
    today = timezone.localdate()
    rows = {m.pk: RosterRow(member=m) for m in BoardMember.objects.select_related("user")}
    respond: dict[int, list[float]] = {pk: [] for pk in rows}
    deliver: dict[int, list[float]] = {pk: [] for pk in rows}
    assignments = ReviewAssignment.objects.select_related("decision").only(
        "reviewer_id", "status", "due_date", "assigned_at", "responded_at", "decision__recorded_at"
    )
    for a in assignments:
        row = rows[a.reviewer_id]
        if a.status in PENDING_STATUSES:
            row.open += 1
            if a.due_date < today:
                row.overdue += 1
        elif a.status == AssignmentStatus.COMPLETED:
            row.completed += 1
        elif a.status == AssignmentStatus.DECLINED:
            row.declined += 1
        if a.responded_at:
            respond[a.reviewer_id].append(_days(a.assigned_at, a.responded_at))
        decision = getattr(a, "decision", None) if a.status == AssignmentStatus.COMPLETED else None
        if decision is not None:
            deliver[a.reviewer_id].append(
                _days(a.responded_at or a.assigned_at, decision.recorded_at)
            )
    for pk, row in rows.items():
        row.median_days_to_respond = _median(respond[pk])
        row.median_days_to_deliver = _median(deliver[pk])
    return sorted(rows.values(), key=lambda r: (-r.overdue, -r.open, r.member.name))


def median_days_to_approval(days: int = 90) -> tuple[float | None, int]:
    """Median days from submission to approval of versions approved in the last ``days``."""
    from articles.models import PublishedVersion

    since = timezone.now() - datetime.timedelta(days=days)
    spans = [
        _days(submitted, approved)
        for submitted, approved in PublishedVersion.objects.filter(
            approved_at__gte=since
        ).values_list("submitted_at", "approved_at")
    ]
    return _median(spans), len(spans)


def public_board_members() -> QuerySet[BoardMember]:
    """Board members readers may see: active members whose account is active."""
    return BoardMember.objects.filter(active=True, user__is_active=True).select_related("user")


def editors() -> QuerySet:
    """Active users who hold the editor role, for notifications."""
    perm = Permission.objects.get(codename="manage_reviews", content_type__app_label="articles")
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__permissions=perm) | Q(user_permissions=perm) | Q(is_superuser=True))
        .distinct()
    )


@dataclass
class CandidateRow:
    """One line of the table an editor picks reviewers from."""

    member: BoardMember
    open: int = 0
    median_days_to_deliver: float | None = None
    last_review: datetime.datetime | None = None
    asked: int = 0
    declined: int = 0

    @property
    def decline_rate(self) -> int | None:
        """Per cent of invitations declined; None before the first one."""
        return round(100 * self.declined / self.asked) if self.asked else None


def candidate_rows(members: QuerySet[BoardMember]) -> list[CandidateRow]:
    """Each candidate with load, speed, recency and how often they decline: two queries."""
    members = list(members)
    rows = {m.pk: CandidateRow(member=m, open=getattr(m, "open_reviews", 0) or 0) for m in members}
    deliver: dict[int, list[float]] = {pk: [] for pk in rows}
    history = (
        ReviewAssignment.objects.filter(reviewer__in=rows.keys())
        .exclude(status=AssignmentStatus.CANCELLED)
        .values_list(
            "reviewer_id", "status", "assigned_at", "responded_at", "decision__recorded_at"
        )
    )
    for reviewer_id, status, assigned_at, responded_at, recorded_at in history:
        row = rows[reviewer_id]
        row.asked += 1
        if status == AssignmentStatus.DECLINED:
            row.declined += 1
        if recorded_at is not None:
            deliver[reviewer_id].append(_days(responded_at or assigned_at, recorded_at))
            if row.last_review is None or recorded_at > row.last_review:
                row.last_review = recorded_at
    for pk, row in rows.items():
        row.median_days_to_deliver = _median(deliver[pk])
    return [rows[m.pk] for m in members]
