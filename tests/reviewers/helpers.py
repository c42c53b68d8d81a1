"""Shortcuts for tests that need a review under way, not the invitation itself."""

from __future__ import annotations

from articles.models import Article
from reviewers.choices import AssignmentStatus
from reviewers.models import ReviewAssignment
from reviewers.services import assignment_accept, assignment_create


def assign_accepted(**kwargs) -> ReviewAssignment:
    """Invite a member as ``assignment_create`` does, and have them accept at once.

    A member already invited again by a resubmission just accepts.
    """
    article = kwargs["article"]
    pk = article.pk if isinstance(article, Article) else article
    round_ = Article.objects.get(pk=pk).review_round
    assignment = ReviewAssignment.objects.filter(
        article_id=pk,
        reviewer=kwargs["reviewer"],
        round=round_,
        status=AssignmentStatus.INVITED,
    ).first() or assignment_create(**kwargs)
    return assignment_accept(assignment=assignment, by=assignment.reviewer.user)
