"""An article as it stood at each of its revisions, references included.

django-simple-history keeps the full row of every save of an article and of
each of its references. Revisions are numbered 1, 2, 3… per article in the
order they were saved: history is append-only, so a number never changes
meaning. This module turns numbers and the keywords of a URL (``current``,
``live``, ``reviewed``) into those rows, and tells whether the working copy
still holds a revision's content. It only reads; the one write that uses it,
restoring a revision, lives in ``articles.services``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from articles import fingerprints
from articles.choices import ArticleState
from articles.conditions import wrote
from articles.exceptions import WorkflowError
from articles.models import Article, Reference
from articles.roles import is_editor
from reviewers.models import ReviewDecision

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.contrib.auth.models import AbstractBaseUser as User

HistoricalArticle = Article.history.model
HistoricalReference = Reference.history.model

# A reference's place in the list, then what it cites (the fingerprinted content).
REFERENCE_FIELDS = ("position", *fingerprints.REFERENCE_FIELDS)
# The content fields as stored on a row: the topic by its id.
CONTENT_ATTNAMES = tuple(Article._meta.get_field(name).attname for name in Article.CONTENT_FIELDS)

# Columns a timeline needs from the article's history: never the texts.
_REVISION_COLUMNS = (
    "history_id",
    "history_date",
    "history_user_id",
    "history_change_reason",
    "history_type",
    "state",
    "review_round",
    "live_version_id",
    "action_seq",
)

# No article comes near this many revisions; bigger numbers in a URL would
# overflow the database's integers.
MAX_REVISION = 10**9


class HistoryError(WorkflowError):
    """A history request that cannot be answered; ``str(error)`` says why."""


@dataclass(frozen=True)
class Revision:
    """One saved state of an article, as listed on a timeline."""

    number: int
    history_id: int
    at: datetime.datetime
    user_id: int | None
    reason: str
    history_type: str
    state: str
    review_round: int
    live_version_id: int | None
    action_seq: int = 0

    @property
    def state_label(self) -> str:
        return str(ArticleState(self.state).label) if self.state in ArticleState.values else ""


def saves_the_article(action: str) -> bool:
    """Whether an action of the log saves the article's row: each such action makes a revision.

    Reference changes are logged apart from the article save they belong to.
    """
    return action.startswith("article.") and action != "article.references"


def revisions(article: Article) -> list[Revision]:
    """Every revision of the article, oldest first, numbered from 1. One query."""
    rows = (
        HistoricalArticle.objects.filter(id=article.pk)
        .order_by("history_id")
        .values_list(*_REVISION_COLUMNS)
    )
    return [
        Revision(
            number=n,
            history_id=hid,
            at=at,
            user_id=user_id,
            reason=reason or "",
            history_type=kind,
            state=state,
            review_round=review_round,
            live_version_id=live_id,
            action_seq=seq,
        )
        for n, (hid, at, user_id, reason, kind, state, review_round, live_id, seq) in enumerate(
            rows, start=1
        )
    ]


def revision_count(article: Article) -> int:
    """How many revisions the article has: the number of its latest. One query."""
    return HistoricalArticle.objects.filter(id=article.pk).count()


def _check_number(number: int) -> None:
    if number < 1:
        raise HistoryError(_("Revisions are numbered from 1."))
    if number > MAX_REVISION:
        raise HistoryError(_("This article has no revision %(number)s.") % {"number": number})


def revision_row(article: Article, number: int):
    """The full historical row of revision ``number`` (1-based), or HistoryError."""
    _check_number(number)
    row = HistoricalArticle.objects.filter(id=article.pk).order_by("history_id")[
        number - 1 : number
    ]
    row = next(iter(row), None)
    if row is None:
        raise HistoryError(_("This article has no revision %(number)s.") % {"number": number})
    return row


def revision_number(article: Article, history_id: int) -> int | None:
    """The number of the revision stored as history row ``history_id``."""
    rows = HistoricalArticle.objects.filter(id=article.pk)
    if not rows.filter(history_id=history_id).exists():
        return None
    return rows.filter(history_id__lte=history_id).count()


def next_revision_date(article: Article, history_id: int) -> datetime.datetime | None:
    """When the revision after ``history_id`` was saved; None for the latest."""
    return (
        HistoricalArticle.objects.filter(id=article.pk, history_id__gt=history_id)
        .order_by("history_id")
        .values_list("history_date", flat=True)
        .first()
    )


# --- References as of a revision -----------------------------------------------------


@dataclass(frozen=True)
class ReferenceState:
    """A reference as it stood at some moment."""

    id: int
    position: int
    authors: str
    title: str
    journal: str
    year: int | None
    pmid: str
    doi: str
    url: str

    @property
    def authors_text(self) -> str:
        """The authors without a closing full stop, which the citation adds."""
        return self.authors.strip().rstrip(".")


def references_before(article: Article, moment: datetime.datetime | None) -> list[ReferenceState]:
    """The article's references as they stood just before ``moment`` (None: now). One query.

    simple-history's ``as_of`` on the references' history, with one
    difference: the moment itself is excluded, because a reference saved
    with the next revision (at the same instant, as the archive builder
    writes them) belongs to that revision. In the article's own order.
    """
    rows = Reference.history.filter(article_id=article.pk)
    if moment is not None:
        rows = rows.filter(history_date__lt=moment)
    return [
        ReferenceState(**row)
        for row in rows.latest_of_each()
        .as_instances()
        .order_by("position", "id")
        .values("id", *REFERENCE_FIELDS)
    ]


def references_as_of(article: Article, number: int) -> list[ReferenceState]:
    """The article's references as they stood at revision ``number``.

    A revision lasts until the next one is saved, and the admin saves the
    article before its references: the references of a revision are those
    in place just before the next revision (or now, for the latest). Three
    queries.
    """
    row = revision_row(article, number)
    return references_before(article, next_revision_date(article, row.history_id))


def _signature(reference) -> tuple:
    """A reference's content, whatever its row: equal signatures cite the same thing."""
    return tuple(str(getattr(reference, name) or "") for name in REFERENCE_FIELDS)


def same_references(these: Iterable, those: Iterable) -> bool:
    """Whether two lists of references cite the same sources at the same places."""
    return sorted(map(_signature, these)) == sorted(map(_signature, those))


def same_content(article: Article, row) -> bool:
    """Whether the working copy's content fields hold what the revision ``row`` holds."""
    return all(getattr(article, name) == getattr(row, name) for name in CONTENT_ATTNAMES)


def changed_since(article: Article, number: int) -> bool:
    """Whether the working copy's text or references differ from revision ``number``."""
    row = revision_row(article, number)
    if not same_content(article, row):
        return True
    then = references_before(article, next_revision_date(article, row.history_id))
    return not same_references(then, article.references.all())


# --- Revisions named by a keyword --------------------------------------------------------


def resolve_revision(article: Article, token: str, user: User) -> int:
    """Turn a revision number or keyword of a URL into a revision number.

    ``current``: the latest revision. ``live``: the revision that was
    approved into the version readers see now. ``reviewed``: the revision
    this user last reviewed (a board member's decision records it); for an
    editor or the author without a decision of their own, the revision the
    board last reviewed.
    """
    token = (token or "").strip().lower()
    if token.isdigit():
        number = int(token)
        _check_number(number)
        return number
    if token == "current":
        count = revision_count(article)
        if not count:
            raise HistoryError(_("This article has no recorded revision yet."))
        return count
    if token == "live":
        if article.live_version_id is None:
            raise HistoryError(
                _("Nothing of this article is public now, so there is no live version to compare.")
            )
        history_id = (
            HistoricalArticle.objects.filter(id=article.pk, live_version_id=article.live_version_id)
            .order_by("history_id")
            .values_list("history_id", flat=True)
            .first()
        )
        number = revision_number(article, history_id) if history_id else None
        if number is None:  # pragma: no cover - approval always saves a revision
            raise HistoryError(_("The revision of the live version was not found."))
        return number
    if token == "reviewed":
        decision = reviewed_decision(article, user)
        if decision is None:
            raise HistoryError(
                _("There is no earlier reviewed version of this article to compare with.")
            )
        return reviewed_revision_number(article, decision)
    raise HistoryError(
        _("“%(token)s” is not a revision: use a revision number, “current”, “live” or “reviewed”.")
        % {"token": token[:40]}
    )


def reviewed_decision(article: Article, user: User) -> ReviewDecision | None:
    """The decision whose revision “the version reviewed” means for this user."""
    decisions = ReviewDecision.objects.filter(assignment__article=article).order_by(
        "-recorded_at", "-id"
    )
    own = decisions.filter(recorded_by=user).first()
    if own is not None or not (is_editor(user) or wrote(article, user)):
        return own
    return decisions.first()


def reviewed_revision_number(article: Article, decision: ReviewDecision) -> int:
    """The revision on screen when ``decision`` was recorded."""
    if decision.reviewed_revision:
        number = revision_number(article, decision.reviewed_revision)
        if number is not None:
            return number
    # Decisions recorded before the revision was stored: the one saved last before them.
    return max(
        HistoricalArticle.objects.filter(
            id=article.pk, history_date__lte=decision.recorded_at
        ).count(),
        1,
    )
