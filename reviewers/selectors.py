"""Reads of the review process for the back office and the public board page.

Who may be asked to review an article (best candidates first, and why the
others are not offered), the board's roster and the reviewer candidates'
records. The approval rule itself is reviewers.policy.
"""

from __future__ import annotations

import datetime
import re
import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.models import PublishedVersion
from articles.roles import board_accounts
from reviewers.choices import PENDING_STATUSES, AssignmentStatus
from reviewers.models import BoardMember, ReviewAssignment
from reviewers.policy import (
    conflicted_members,
    current_assignments,
    licence_current,
    standing_conflicts,
)

if TYPE_CHECKING:
    from articles.models import Article


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
        .filter(licence_current())
        .filter(user__in=board_accounts())
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
