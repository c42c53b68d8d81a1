"""The approval rule: which decisions count, what a round still lacks, who may review.

An article is approved when enough distinct, conflict-free board members
with a current licence approved the current round (the topic's number, else
``EDITORIAL_REQUIRED_APPROVALS``), one of them a specialist where the topic
asks for it, and no change request is open. The workflow's permissions and
conditions (articles.conditions), the reviewer services and the admin all
ask this module; it reads the review models and nothing above them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, TypeVar

from django.conf import settings
from django.db.models import Case, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from articles.roles import board_accounts
from reviewers.choices import LIVE_STATUSES, AssignmentStatus, Decision
from reviewers.models import (
    BoardMember,
    ChecklistQuestion,
    ReviewAssignment,
    ReviewDecision,
    StandingConflict,
)

if TYPE_CHECKING:
    from articles.models import Article, Topic

T = TypeVar("T")


def licence_current(prefix: str = "") -> Q:
    """Members whose licence has not expired (or whose expiry is not recorded)."""
    return Q(**{f"{prefix}licence_expires_on__isnull": True}) | Q(
        **{f"{prefix}licence_expires_on__gte": timezone.localdate()}
    )


def current_assignments(article: Article) -> QuerySet[ReviewAssignment]:
    """Assignments of the article's current round: invited, accepted or decided."""
    return ReviewAssignment.objects.filter(
        article=article, round=article.review_round, status__in=LIVE_STATUSES
    )


# --- Asking each question once ---------------------------------------------------------
# The workflow's permission and condition callables receive only the article
# (django-fsm-2 calls them), so the answers they share cannot be handed to
# them as an argument; they are kept for the length of one locked write.

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


# --- The approval rule -------------------------------------------------------------------


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
    on_board = BoardMember.objects.filter(user__in=board_accounts()).filter(licence_current())
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


def approval_rule_holds(article: Article) -> bool:
    """The round has the topic's quorum, its specialist if asked for, and no open change request."""
    return not approval_shortfall(article)


def checklist_for(topic: Topic) -> QuerySet[ChecklistQuestion]:
    """The questions asked before approving an article of this topic: global, then the topic's."""
    return (
        ChecklistQuestion.objects.filter(active=True)
        .filter(Q(topic__isnull=True) | Q(topic=topic))
        .order_by(Case(When(topic__isnull=True, then=Value(0)), default=Value(1)), "position", "id")
    )


# --- Who may review -----------------------------------------------------------------------


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
