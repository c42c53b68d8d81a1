"""Reads of the review process that several places rely on."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Count, Q, QuerySet

from articles.models import Article
from reviewers.choices import AssignmentStatus, Decision
from reviewers.models import BoardMember, ReviewAssignment, ReviewDecision


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


def current_assignments(article: Article) -> QuerySet[ReviewAssignment]:
    """Assignments of the article's current round that are not cancelled or closed."""
    return ReviewAssignment.objects.filter(
        article=article,
        round=article.review_round,
        status__in=[AssignmentStatus.OPEN, AssignmentStatus.COMPLETED],
    )


def counting_approvals(article: Article) -> QuerySet[ReviewDecision]:
    """The "approve" decisions of this round that count toward publication.

    A decision counts when its member is active and still on the board,
    declared no conflict of interest and is not the article's author.
    """
    on_board = BoardMember.objects.filter(_holds_board_role("user__"))
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


def rejection_recommended(article: Article) -> bool:
    """A conflict-free member of this round recommends rejecting the article."""
    return ReviewDecision.objects.filter(
        assignment__article=article,
        assignment__round=article.review_round,
        assignment__status=AssignmentStatus.COMPLETED,
        decision=Decision.REJECT,
        conflict_declared=False,
    ).exists()


def approving_members(article: Article) -> list[BoardMember]:
    """Distinct board members whose approval counts this round, in decision order."""
    members: dict[int, BoardMember] = {}
    for decision in counting_approvals(article):
        members.setdefault(decision.assignment.reviewer_id, decision.assignment.reviewer)
    return list(members.values())


def approval_count(article: Article) -> int:
    """Distinct board members whose approval counts in this round."""
    return counting_approvals(article).values("assignment__reviewer").distinct().count()


def approval_rule_holds(article: Article, *, required: int) -> bool:
    if open_change_requests(article).exists():
        return False
    return approval_count(article) >= max(required, 1)


def conflicted_members(article: Article) -> QuerySet[BoardMember]:
    """Members who declared a conflict with this article in any round: never again."""
    return BoardMember.objects.filter(
        assignments__article=article, assignments__decision__conflict_declared=True
    )


def assignable_members(article: Article) -> QuerySet[BoardMember]:
    """Active board members who may be asked to review this round of the article."""
    taken = current_assignments(article).values("reviewer")
    return (
        BoardMember.objects.filter(active=True, user__is_active=True)
        .filter(_holds_board_role("user__"))
        .exclude(user_id=article.author_id)
        .exclude(pk__in=taken)
        .exclude(pk__in=conflicted_members(article).values("pk"))
        .distinct()
        .select_related("user")
        .annotate(
            open_reviews=Count(
                "assignments",
                filter=Q(assignments__status=AssignmentStatus.OPEN),
                distinct=True,
            )
        )
        .order_by("open_reviews", "user__last_name")
    )


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
