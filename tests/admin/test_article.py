"""The article's admin page: who opens and edits it, what a save does, what it costs."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.exceptions import WorkflowError
from articles.services import article_save_content, article_submit
from reviewers.models import ReviewAssignment
from tests.admin.helpers import change_url, reload
from tests.factories import ArticleFactory, ReferenceFactory
from tests.reviewers.helpers import assign_accepted


def test_author_sees_only_their_own_articles(client, author, other_author, article):
    """Another author's article is missing from the list and its page is not found."""
    client.force_login(other_author)
    listing = client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert article.title not in listing
    response = client.get(change_url(article))
    assert response.status_code == 302  # the admin's "does not exist" redirect
    assert (
        client.get(reverse("admin:articles_article_preview", args=[article.pk])).status_code == 404
    )


def test_author_cannot_edit_a_submitted_article(client, author, article):
    """Once submitted, the content is read-only and a crafted POST changes nothing."""
    article_submit(article=article, by=author)
    client.force_login(author)
    page = client.get(change_url(article)).content.decode()
    assert 'name="body"' not in page
    response = client.post(
        change_url(article),
        {
            "title": "Changed",
            "slug": article.slug,
            "topic": article.topic_id,
            "body": "x",
            "origin": "human",
        },
    )
    assert reload(article).title == article.title
    assert response.status_code in (200, 403)


def test_edit_saved_after_the_article_was_submitted_keeps_the_text(client, author, article):
    """A save that lost the race with a submission is refused with the typed text on screen."""
    client.force_login(author)
    client.get(change_url(article))
    article_submit(article=article, by=author)  # from another tab, meanwhile
    typed = "A careful new paragraph the author must not lose [1]."
    data = {
        "title": article.title,
        "slug": article.slug,
        "topic": article.topic_id,
        "summary": "",
        "body": typed,
        "origin": "human",
        "references-TOTAL_FORMS": "0",
        "references-INITIAL_FORMS": "0",
        "references-MIN_NUM_FORMS": "0",
        "references-MAX_NUM_FORMS": "1000",
    }
    response = client.post(change_url(article), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "its content can be edited only as a draft" in page
    assert typed in page
    assert reload(article).body != typed


def test_board_member_cannot_post_an_edit(client, author, editor, member, article):
    """A reviewer's crafted POST to the article form is refused and changes nothing."""
    article_submit(article=article, by=author)
    assign_accepted(article=article, reviewer=member, by=editor)
    client.force_login(member.user)
    response = client.post(
        change_url(article),
        {
            "title": "Changed",
            "slug": article.slug,
            "topic": article.topic_id,
            "body": "x",
            "origin": "human",
        },
    )
    assert response.status_code == 403
    assert reload(article).title == article.title


@pytest.mark.parametrize("model", ["article", "topic"])
def test_history_form_view_refuses_post(client, author, editor, article, model):
    """Posting to a revision's page never overwrites the object, whoever posts."""
    target = {"article": article, "topic": article.topic}[model]
    record = target.history.earliest()
    url = reverse(f"admin:articles_{model}_simple_history", args=[target.pk, record.history_id])
    client.force_login(editor)
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "Overwritten", "name": "Overwritten"})
    assert response.status_code == 403
    target.refresh_from_db()
    assert "Overwritten" not in str(target)


def test_history_of_another_authors_article_is_not_found(client, other_author, article):
    """History pages answer 404 for articles the user may not see."""
    client.force_login(other_author)
    url = reverse("admin:articles_article_history", args=[article.pk])
    assert client.get(url).status_code == 404
    record = article.history.earliest()
    url = reverse("admin:articles_article_simple_history", args=[article.pk, record.history_id])
    assert client.get(url).status_code == 404


def test_assignment_list_shows_a_member_only_their_reviews(
    client, author, editor, member, second_member, article
):
    """ "My reviews" lists the member's own assignments, not a colleague's."""
    article_submit(article=article, by=author)
    assign_accepted(article=article, reviewer=second_member, by=editor)
    client.force_login(member.user)
    response = client.get(reverse("admin:reviewers_reviewassignment_changelist"))
    assert response.status_code == 200
    assert ReviewAssignment.objects.count() == 1
    assert article.title not in response.content.decode()


def test_reference_history_is_shown_read_only(client, author, other_author, article):
    """A reference's history opens for its author, refuses POST, and is hidden from others."""
    reference = article.references.first()
    url = reverse("admin:articles_reference_history", args=[reference.pk])
    client.force_login(author)
    assert client.get(url).status_code == 200
    record = reference.history.earliest()
    form_url = reverse(
        "admin:articles_reference_simple_history", args=[reference.pk, record.history_id]
    )
    assert client.post(form_url, {"title": "Overwritten"}).status_code == 403
    reference.refresh_from_db()
    assert reference.title != "Overwritten"
    client.force_login(other_author)
    assert client.get(url).status_code == 404


def test_saving_an_article_stays_on_its_page(client, author, article):
    """After "Save" the author is back on the article, where its workflow buttons are."""
    client.force_login(author)
    data = {
        "title": article.title,
        "slug": article.slug,
        "topic": article.topic_id,
        "summary": "Shorter summary.",
        "body": article.body,
        "origin": "human",
        "_save": "Save",
        "references-TOTAL_FORMS": "0",
        "references-INITIAL_FORMS": "0",
        "references-MIN_NUM_FORMS": "0",
        "references-MAX_NUM_FORMS": "1000",
    }
    response = client.post(change_url(article), data)
    assert response.status_code == 302
    assert response["Location"] == change_url(article)
    assert reload(article).summary == "Shorter summary."


def test_history_page_with_a_malformed_revision_id_is_not_found(client, editor, article):
    """A revision id that is not a number answers 404, not a server error."""
    client.force_login(editor)
    url = f"/admin/articles/article/{article.pk}/history/abc/"
    assert client.get(url).status_code == 404


def _queries_for(client, url) -> int:
    """Queries of a GET, measured after a first request warmed the caches."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_article_list_costs_the_same_queries_for_2_and_12_articles(
    client, editor, author, django_assert_num_queries
):
    """The editor's article list does not query once per article."""
    client.force_login(editor)
    url = reverse("admin:articles_article_changelist")
    for _ in range(2):
        ArticleFactory(author=author)
    few = _queries_for(client, url)
    assert few <= 15
    for _ in range(10):
        ArticleFactory(author=author)
    with django_assert_num_queries(few):
        assert client.get(url).status_code == 200


def test_editors_change_page_costs_the_same_queries_for_a_long_past_and_many_references(
    client, author, editor, article, django_assert_num_queries
):
    """A draft's page, editable with its references, queries a fixed number of times."""
    article = article_save_content(article=article, by=author)  # a trail with a named actor
    client.force_login(editor)
    url = change_url(article)
    few = _queries_for(client, url)
    assert few <= 25
    for position in range(3, 31):
        ReferenceFactory(article=article, position=position)
    for n in range(40):
        article.summary = f"Summary, take {n}."
        article = article_save_content(article=article, by=author)
    with django_assert_num_queries(few):
        response = client.get(url)
    assert response.context["inline_admin_formsets"][0].formset.initial_form_count() == 30
    assert response.context["hist_revisions"] > 40


def test_change_page_costs_the_same_queries_for_2_and_20_references(
    client, author, editor, member, article
):
    """A reviewer's article page does not query once per reference."""
    article_submit(article=article, by=author)
    assign_accepted(article=article, reviewer=member, by=editor)
    client.force_login(member.user)
    few = _queries_for(client, change_url(article))
    for position in range(3, 21):
        ReferenceFactory(article=article, position=position)
    assert _queries_for(client, change_url(article)) == few


def test_a_bad_marker_in_the_plain_language_answer_blocks_submission(author, article):
    """The patient text is reviewed and published too: its markers must resolve."""
    article.plain_body = "Most go away on their own [7]."
    article.save()

    with pytest.raises(WorkflowError, match=r"\[7\] \(plain-language answer\)"):
        article_submit(article=article, by=author)
    article.refresh_from_db()
    assert article.state == "draft"
