"""Which articles each person may open in the back office: one rule for every page.

Editors open every article; an author their own; a board member those they
were asked to review (a cancelled invitation does not count). The article
admin, its history pages, its workflow actions and the read-only admins of
references, published versions and audit entries all ask this one selector,
and answer 404 for anything outside it, as for an unknown id.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from articles.models import Article
from articles.roles import is_editor
from reviewers.choices import AssignmentStatus
from reviewers.models import ReviewAssignment


def articles_visible_to(user, articles: QuerySet[Article] | None = None) -> QuerySet[Article]:
    """The articles ``user`` may open, narrowed from ``articles`` (all of them by default)."""
    if articles is None:
        articles = Article.objects.all()
    if is_editor(user):
        return articles
    reviewing = ReviewAssignment.objects.filter(reviewer__user=user).exclude(
        status=AssignmentStatus.CANCELLED
    )
    return articles.filter(Q(author=user) | Q(pk__in=reviewing.values("article")))
