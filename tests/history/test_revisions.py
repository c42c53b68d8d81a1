"""Revisions read as they were: their references then, and revisions named by keyword."""

from __future__ import annotations

import pytest

from articles import history
from articles.services import article_revise
from tests.history.conftest import edit, save_reference

pytestmark = pytest.mark.django_db


def test_references_as_of_a_revision_are_those_of_that_time(edited_article, author):
    """A revision lists the references it had, not today's."""
    titles = {
        number: [ref.title for ref in history.references_as_of(edited_article, number)]
        for number in (1, 2, 3)
    }
    assert len(titles[1]) == 2
    assert "A newer trial of creams" not in titles[1]
    # Revision 2 is the body edit; the reference swap that followed it belongs to it.
    assert "A newer trial of creams" in titles[2]
    assert len(titles[2]) == 2
    assert titles[3] == titles[2]


def test_references_as_of_ignore_later_changes(article, author):
    """Editing a reference today does not rewrite what an old revision shows."""
    before = [ref.title for ref in history.references_as_of(article, 1)]
    edit(article, author, summary="Later edit.")
    reference = article.references.order_by("position").first()
    reference.title = "Renamed long after"
    save_reference(reference, author)
    assert [ref.title for ref in history.references_as_of(article, 1)] == before
    assert "Renamed long after" in [ref.title for ref in history.references_as_of(article, 2)]


def test_keywords_resolve_to_live_and_reviewed_revisions(approved_article, member, author):
    """“live” is the approved revision; “reviewed” the one the member decided on."""
    article_revise(article=approved_article, by=author)
    edit(approved_article, author, body=approved_article.body + " A new sentence.")
    numbers = [r.number for r in history.revisions(approved_article)]
    live = history.resolve_revision(approved_article, "live", member.user)
    reviewed = history.resolve_revision(approved_article, "reviewed", member.user)
    assert history.revisions(approved_article)[live - 1].live_version_id == (
        approved_article.live_version_id
    )
    assert reviewed == live - 1  # decided on "under review", approval saved right after
    assert history.resolve_revision(approved_article, "current", member.user) == numbers[-1]
    comparison = history.compare(approved_article, reviewed, numbers[-1])
    assert "<ins>A new sentence.</ins>" in comparison.fields[4].diff.html


def test_reviewed_keyword_without_a_review_is_refused(article, author):
    """Nobody reviewed a fresh draft: “reviewed” says there is nothing to compare with."""
    with pytest.raises(history.HistoryError, match="no earlier reviewed version"):
        history.resolve_revision(article, "reviewed", author)


def test_unknown_keyword_is_refused(article, author):
    """A made-up revision name gets a plain refusal."""
    with pytest.raises(history.HistoryError, match="is not a revision"):
        history.resolve_revision(article, "yesterday", author)
