"""One rule for who reads what of an article's review: the ``Viewer``.

An article's author is its author whatever groups they hold. On their own
article an editor sees and receives exactly what an author does: no
confidential notes to the editors, no conflict-of-interest statements, no
decline reasons, no editor-only email. Every surface asks this module: the
admin's review panel and decision list (articles.admin.article, reviewers.admin),
the timeline, revision pages and exports (articles.history), and the
editor-only email (``editors_of``, used by the receivers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from articles.conditions import wrote
from articles.roles import editors, is_editor

if TYPE_CHECKING:
    from articles.models import Article


@dataclass
class Viewer:
    """What one person may read of one article's trail. No user: an auditor, reads all."""

    user: Any = None
    editor: bool = True  # acts as an editor of this article (never its author)
    author: bool = True

    @classmethod
    def of(cls, user, article: Article) -> Viewer:
        if user is None:
            return cls()
        author = wrote(article, user)
        return cls(user=user, editor=is_editor(user) and not author, author=author)

    def _own(self, user_id: int | None) -> bool:
        return user_id is not None and user_id == getattr(self.user, "pk", None)

    def sees_decision(self, recorded_by_id: int | None) -> bool:
        # A board member sees their own review, as on the article's page.
        return self.editor or self.author or self._own(recorded_by_id)

    def sees_confidential(self, recorded_by_id: int | None) -> bool:
        # Conflict statements and notes to the editors: editors and their writer.
        return self.editor or self._own(recorded_by_id)


def editors_of(article: Article) -> QuerySet:
    """The editors who hear about this article in editor-only email: never its author."""
    return editors().exclude(pk=article.author_id)


def confidential_decisions_filter(user, prefix: str = "") -> Q:
    """Decisions whose confidential parts ``user`` may read (for lists of many articles)."""
    own = Q(**{f"{prefix}recorded_by": user})
    if not is_editor(user):
        return own
    return own | ~Q(**{f"{prefix}assignment__article__author": user})
