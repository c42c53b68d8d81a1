"""What changed between revisions: word-level diffs and field-by-field comparisons."""

from __future__ import annotations

import pytest

from articles import history
from articles.models import Reference
from tests.history.conftest import edit, save_reference

pytestmark = pytest.mark.django_db


def test_word_diff_marks_added_removed_and_changed_words():
    """Removed words sit in <del>, added ones in <ins>; a changed word is both."""
    diff = history.word_diff(
        "Most cases clear on their own within weeks.",
        "Most cases clear without treatment within two weeks.",
    )
    assert "<del>on their own</del><ins>without treatment</ins>" in diff.html
    assert "within <ins>two</ins>" in diff.html
    assert diff.html.startswith("Most cases clear ")
    assert (diff.added, diff.removed) == (3, 3)


def test_word_diff_of_equal_texts_marks_nothing():
    """Identical texts diff to themselves with no change counted."""
    diff = history.word_diff("Same [1].\n\nText.", "Same [1].\n\nText.")
    assert "<ins>" not in diff.html and "<del>" not in diff.html
    assert not diff.changed


def test_word_diff_escapes_html_in_both_texts():
    """Markup typed into an answer is shown as text, never run."""
    diff = history.word_diff("<b>old</b>", "<script>alert(1)</script> new")
    assert "<script" not in diff.html and "<b>" not in diff.html
    assert "<ins>script</ins>&gt;" in diff.html
    assert diff.html.startswith("&lt;<del>b</del>")


def test_word_diff_keeps_edits_within_their_paragraph():
    """An edit in the second paragraph leaves the first untouched and unmarked."""
    old = "First paragraph stays.\n\nSecond paragraph says dose 5 mg.\n"
    new = "First paragraph stays.\n\nSecond paragraph says dose 10 mg.\n"
    diff = history.word_diff(old, new)
    assert diff.html.startswith("First paragraph stays.\n\nSecond paragraph says dose ")
    assert "<del>5</del><ins>10</ins>" in diff.html


def test_compare_lists_changed_fields_with_word_diffs(edited_article):
    """Comparing the first and last revisions shows body and summary changed, title not."""
    comparison = history.compare(edited_article, 1, 3)
    changed = {f.name: f for f in comparison.changed_fields}
    assert set(changed) == {"body", "summary"}
    assert "<del>on their own</del><ins>by themselves</ins>" in changed["body"].diff.html
    assert changed["summary"].new == "A shorter, plainer answer."


def test_compare_reports_references_added_removed_and_changed(article, author):
    """A reference added, one removed and one retitled are each reported as such."""
    first, second = article.references.order_by("position")
    second_id = second.pk
    edit(article, author, summary="Now with other sources.")
    first.title = "A study of things, corrected"
    first.year = 2021
    save_reference(first, author)
    second._history_user, second._change_reason = author, "Edited in admin"
    second.delete()
    save_reference(Reference(article=article, position=3, title="Brand new review"), author)

    comparison = history.compare(article, 1, 2)
    kinds = {change.kind: change for change in comparison.reference_changes}
    assert set(kinds) == {"added", "removed", "changed"}
    assert kinds["added"].new.title == "Brand new review"
    assert kinds["removed"].old.id == second_id
    changed_fields = {f.name: (f.old, f.new) for f in kinds["changed"].fields}
    assert changed_fields["year"] == (2020, 2021)
    assert "<ins>corrected</ins>" in next(
        f.diff.html for f in kinds["changed"].fields if f.name == "title"
    )


def test_compare_of_a_revision_with_itself_is_identical(edited_article):
    """The same revision on both sides shows no change at all."""
    assert history.compare(edited_article, 2, 2).identical


def test_compare_refuses_a_revision_that_does_not_exist(edited_article):
    """Asking for revision 99 of a three-revision article says so plainly."""
    with pytest.raises(history.HistoryError, match="no revision 99"):
        history.compare(edited_article, 1, 99)
