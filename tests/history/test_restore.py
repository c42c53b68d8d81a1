"""Restoring an earlier revision: a new revision, never a rewrite, reviewed like any edit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from articles import history
from articles.choices import ArticleState
from articles.exceptions import WorkflowError
from articles.models import Article
from articles.services import article_restore, article_submit
from tests.history.conftest import history_url

pytestmark = pytest.mark.django_db

HistoricalArticle = Article.history.model


def snapshot(article) -> list[tuple]:
    """Every history row of the article and its references, as stored."""
    rows = list(
        HistoricalArticle.objects.filter(id=article.pk)
        .order_by("history_id")
        .values_list("history_id", "body", "summary", "history_change_reason", "history_user_id")
    )
    refs = list(
        history.HistoricalReference.objects.filter(article_id=article.pk)
        .order_by("history_id")
        .values_list("history_id", "title", "history_type", "history_change_reason")
    )
    return rows + refs


def test_restore_makes_a_new_revision_and_keeps_the_old_ones(edited_article, author):
    """Restoring revision 1 adds revision 4 with revision 1's text; 1 to 3 stay as they were."""
    before = snapshot(edited_article)
    original = HistoricalArticle.objects.filter(id=edited_article.pk).order_by("history_id")[0]

    restored = article_restore(article=edited_article, number=1, by=author)

    after = snapshot(edited_article)
    assert set(before) <= set(after)  # every old row is still there, unchanged
    latest = HistoricalArticle.objects.filter(id=edited_article.pk).latest("history_id")
    assert latest.history_change_reason == "Restored from revision 1"
    assert latest.history_user == author
    assert (restored.body, restored.summary) == (original.body, original.summary)
    assert len(history.revisions(edited_article)) == 4


def test_restore_brings_back_the_references_of_that_revision(edited_article, author):
    """The reference removed since comes back and the one added since goes, with the reason."""
    then = [ref.title for ref in history.references_as_of(edited_article, 1)]
    article_restore(article=edited_article, number=1, by=author)
    now = list(edited_article.references.order_by("position").values_list("title", flat=True))
    assert now == then
    reasons = set(
        history.HistoricalReference.objects.filter(
            article_id=edited_article.pk, history_change_reason="Restored from revision 1"
        ).values_list("history_type", flat=True)
    )
    assert reasons == {"+", "-"}
    # The returning reference is a new row citing the same source: no change to report.
    assert history.compare(edited_article, 1, 4).identical


def test_restored_text_goes_through_review_like_any_edit(edited_article, author):
    """After a restore the article is still a draft, and submitting it starts a new round."""
    article_restore(article=edited_article, number=1, by=author)
    article = Article.objects.get(pk=edited_article.pk)
    assert article.state == ArticleState.DRAFT
    article = article_submit(article=article, by=author)
    assert article.state == ArticleState.SUBMITTED
    assert article.review_round == 1


@pytest.mark.parametrize("fixture", ["submitted_article", "article_under_review"])
def test_restore_is_refused_while_the_board_has_the_text(request, fixture, author, footprint):
    """A submitted article or one under review cannot be restored into; nothing changes."""
    article = request.getfixturevalue(fixture)
    before = footprint(article)
    with pytest.raises(WorkflowError, match=r"frozen for the board\. Withdraw it first"):
        article_restore(article=article, number=1, by=author)
    assert footprint(article) == before


def test_restore_into_an_approved_article_asks_for_a_revision_first(approved_article, author):
    """An approved article needs “Start a revision” before a restore."""
    with pytest.raises(WorkflowError, match="start a revision first"):
        article_restore(article=approved_article, number=1, by=author)


@pytest.mark.parametrize("who", ["other_author", "member"])
def test_restore_is_refused_to_anyone_but_the_author_or_an_editor(
    request, who, edited_article, footprint
):
    """Another author or a board member may not restore; nothing changes."""
    user = request.getfixturevalue(who)
    user = getattr(user, "user", user)
    before = footprint(edited_article)
    with pytest.raises(WorkflowError, match="Only the article's author or an editor"):
        article_restore(article=edited_article, number=1, by=user)
    assert footprint(edited_article) == before


def test_editor_may_restore_and_is_recorded(edited_article, editor):
    """An editor's restore is attributed to the editor."""
    article_restore(article=edited_article, number=2, by=editor)
    latest = HistoricalArticle.objects.filter(id=edited_article.pk).latest("history_id")
    assert (latest.history_user, latest.history_change_reason) == (
        editor,
        "Restored from revision 2",
    )


def test_restore_of_a_missing_revision_is_refused(edited_article, author, footprint):
    """Revision 42 does not exist: a plain refusal and nothing written."""
    before = footprint(edited_article)
    with pytest.raises(WorkflowError, match="no revision 42"):
        article_restore(article=edited_article, number=42, by=author)
    assert footprint(edited_article) == before


def test_restore_page_asks_before_it_writes(client, edited_article, author):
    """GET shows what would change and a button; it writes nothing."""
    client.force_login(author)
    before = snapshot(edited_article)
    response = client.get(history_url("restore", edited_article, 1))
    assert response.status_code == 200
    assert "Restore revision 1 as a new draft" in response.content.decode()
    assert snapshot(edited_article) == before


def test_restore_through_the_admin_redirects_to_the_article_with_a_message(
    client, edited_article, author
):
    """The author's POST restores and lands back on the article's page."""
    client.force_login(author)
    response = client.post(history_url("restore", edited_article, 1), follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "admin:articles_article_change", args=[edited_article.pk]
    )
    assert "Restored from revision 1" in response.content.decode()


def test_restore_post_by_a_board_member_changes_nothing(
    client, article_under_review, member, footprint
):
    """A reviewer's crafted restore POST is refused with a message; the history is untouched."""
    client.force_login(member.user)
    before = footprint(article_under_review)
    response = client.post(history_url("restore", article_under_review, 1), follow=True)
    assert response.status_code == 200
    shown = " ".join(str(m) for m in response.context["messages"])
    assert "Only the article's author or an editor" in shown
    assert footprint(article_under_review) == before


def test_restoring_the_current_text_is_refused_as_a_no_op(edited_article, author, footprint):
    """Restoring the latest revision would change nothing, so nothing is written."""
    before = footprint(edited_article)
    with pytest.raises(WorkflowError, match="already those of revision 3"):
        article_restore(article=edited_article, number=3, by=author)
    assert footprint(edited_article) == before
