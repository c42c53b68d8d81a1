"""The review loop through the back office, as its users click through it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from articles.choices import ArticleState
from articles.models import Article, AuditEntry
from reviewers.models import ReviewAssignment, ReviewDecision
from tests.factories import ArticleFactory, ReferenceFactory, TopicFactory, on_screen
from tests.reviewers.helpers import assign_accepted


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def action_url(article, name) -> str:
    return reverse("admin:articles_article_transition", args=[article.pk, name])


def reload(article) -> Article:
    return Article.objects.get(pk=article.pk)


def add_article_as(client, topic_id) -> Article:
    response = client.post(
        reverse("admin:articles_article_add"),
        {
            "title": "How are warts treated?",
            "slug": "how-are-warts-treated",
            "topic": topic_id,
            "summary": "Most go away on their own; several treatments speed that up.",
            "body": "Many warts clear without treatment within two years [1].",
            "origin": "human",
            "references-TOTAL_FORMS": "1",
            "references-INITIAL_FORMS": "0",
            "references-MIN_NUM_FORMS": "0",
            "references-MAX_NUM_FORMS": "1000",
            "references-0-position": "1",
            "references-0-title": "Cutaneous warts: an evidence-based approach",
            "references-0-journal": "A Journal",
            "references-0-year": "2011",
            "references-0-pmid": "21412234",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Article.objects.get(slug="how-are-warts-treated")


def test_review_loop_through_the_admin_as_three_users(
    client, author, editor, member, due_date, mailoutbox
):
    """Author writes and submits, editor assigns, board member approves: the page goes public."""
    topic = TopicFactory()

    client.force_login(author)
    article = add_article_as(client, topic.pk)
    assert article.author == author
    assert article.references.count() == 1
    page = client.get(change_url(article)).content.decode()
    assert "Submit for review" in page
    response = client.post(action_url(article, "submit"), {"state": "draft", "comment": ""})
    assert response.status_code == 302
    assert reload(article).state == ArticleState.SUBMITTED

    client.force_login(editor)
    page = client.get(change_url(article)).content.decode()
    assert "Invite a board member" in page
    assert f'value="{member.pk}"' in page
    response = client.post(
        reverse("admin:articles_article_assign", args=[article.pk]),
        {
            "reviewer": member.pk,
            "respond_by": timezone.localdate().isoformat(),
            "due_date": due_date.isoformat(),
        },
    )
    assert response.status_code == 302
    assert reload(article).state == ArticleState.SUBMITTED

    client.force_login(member.user)
    page = client.get(change_url(article)).content.decode()
    assert "Accept this review" in page
    response = client.post(
        reverse("admin:articles_article_accept", args=[article.pk]), {"no_conflict": "on"}
    )
    assert response.status_code == 302
    assert reload(article).state == ArticleState.UNDER_REVIEW
    page = client.get(change_url(article)).content.decode()
    assert "Record my decision" in page
    assert "Many warts clear without treatment" in page
    response = client.post(
        reverse("admin:articles_article_decide", args=[article.pk]),
        {"decision": "approve", "comment_to_author": "", "conflict": "none", **on_screen(article)},
    )
    assert response.status_code == 302
    assert reload(article).state == ArticleState.APPROVED

    client.logout()
    public = client.get("/articles/how-are-warts-treated/")
    assert public.status_code == 200
    assert member.name in public.content.decode()
    assert list(AuditEntry.objects.filter(article=article).values_list("transition", "by")) == [
        ("submit", author.pk),
        ("start_review", member.user.pk),
        ("approve", member.user.pk),
    ]


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
    from articles.services import article_submit

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
    from articles.services import article_submit

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
    from articles.services import article_submit

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


def test_crafted_transition_post_is_refused_with_a_message(client, author, article):
    """An author cannot approve their own article by posting to the approve button's URL."""
    from articles.services import article_submit

    article_submit(article=article, by=author)
    client.force_login(author)
    response = client.post(action_url(article, "approve"), {"state": "submitted"}, follow=True)
    assert reload(article).state == ArticleState.SUBMITTED
    assert "not possible while the article is submitted" in response.content.decode()
    assert not AuditEntry.objects.filter(transition="approve").exists()


def test_only_allowed_buttons_are_shown(client, author, editor, article):
    """A draft shows its author "Submit for review" and shows an editor no submit button."""
    client.force_login(author)
    assert "Submit for review" in client.get(change_url(article)).content.decode()
    client.force_login(editor)
    assert "transition/submit/" not in client.get(change_url(article)).content.decode()


def test_get_on_a_transition_url_is_refused(client, author, article):
    """A GET on a POST-only action answers 405 and changes nothing."""
    client.force_login(author)
    assert client.get(action_url(article, "submit")).status_code == 405
    assert reload(article).state == ArticleState.DRAFT


def test_unknown_transition_name_is_refused_with_a_message(client, author, article):
    """A made-up action name is refused in plain words, never a 500."""
    client.force_login(author)
    response = client.post(action_url(article, "publish_now"), {"state": "draft"}, follow=True)
    assert response.status_code == 200
    assert "is not a workflow action" in response.content.decode()


def test_refused_comment_is_kept_for_the_user(client, author, editor, article):
    """When an action is refused, the comment the user typed is shown again."""
    client.force_login(editor)
    response = client.post(
        action_url(article, "reject"),
        {"state": "draft", "comment": "Out of scope for our readers."},
        follow=True,
    )
    assert "Out of scope for our readers." in response.content.decode()


def test_reviewer_request_changes_needs_a_comment(client, author, editor, member, article):
    """A request for changes without a comment is refused and nothing is recorded."""
    from articles.services import article_submit

    article_submit(article=article, by=author)
    assign_accepted(article=article, reviewer=member, by=editor)
    client.force_login(member.user)
    response = client.post(
        reverse("admin:articles_article_decide", args=[article.pk]),
        {
            "decision": "request_changes",
            "comment_to_author": "",
            "conflict": "none",
            **on_screen(article),
        },
        follow=True,
    )
    assert "required unless you approve" in response.content.decode()
    assert not ReviewDecision.objects.exists()
    assert reload(article).state == ArticleState.UNDER_REVIEW


def test_author_is_never_offered_as_reviewer(client, editor, member):
    """An article written by a board member does not offer that member for review."""
    from articles.services import article_submit

    article = ArticleFactory(author=member.user)
    ReferenceFactory(article=article, position=1)
    ReferenceFactory(article=article, position=2)
    member.user.groups.add(Group.objects.get(name="Authors"))
    article_submit(article=article, by=member.user)
    client.force_login(editor)
    page = client.get(change_url(article)).content.decode()
    assert f'<option value="{member.pk}"' not in page


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
    from articles.services import article_submit

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


def test_unavailable_submit_is_shown_with_its_reason(client, author):
    """An author whose draft cites nothing sees a disabled submit button and why."""
    draft = ArticleFactory(author=author)
    client.force_login(author)
    page = client.get(change_url(draft)).content.decode()
    assert "Submit for review</button>" in page
    assert "disabled" in page
    assert "The article cites no sources" in page


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
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

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
    from articles.services import article_save_content

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
    from articles.services import article_submit

    article_submit(article=article, by=author)
    assign_accepted(article=article, reviewer=member, by=editor)
    client.force_login(member.user)
    few = _queries_for(client, change_url(article))
    for position in range(3, 21):
        ReferenceFactory(article=article, position=position)
    assert _queries_for(client, change_url(article)) == few


def test_conflict_statement_is_hidden_from_the_author(client, author, editor, member, article):
    """The author sees that a member recused; only editors read the statement."""
    from articles.services import article_submit
    from tests.factories import decision_record

    article_submit(article=article, by=author)
    assignment = assign_accepted(article=article, reviewer=member, by=editor)
    statement = "My spouse consults for the maker of the cream discussed."
    decision_record(
        assignment=assignment,
        by=member.user,
        decision="approve",
        conflict_declared=True,
        conflict_statement=statement,
    )
    client.force_login(author)
    page = client.get(change_url(article)).content.decode()
    assert "Recused: conflict of interest" in page
    assert statement not in page
    client.force_login(editor)
    assert statement in client.get(change_url(article)).content.decode()


def test_author_is_warned_of_references_the_text_never_cites(client, author, article):
    """A reference with no marker gets a warning naming it; cited ones do not."""
    article.references.create(position=3, title="A source cited in the plain words only")
    article.references.create(position=4, title="A source listed but never cited")
    article.plain_body = "In plain words, as source [3] explains."
    article.save()
    client.force_login(author)

    html = client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()

    assert "Reference 4 is never cited in the text" in html
    assert "Reference 3 is never" not in html


def test_a_bad_marker_in_the_plain_language_answer_blocks_submission(author, article):
    """The patient text is reviewed and published too: its markers must resolve."""
    from articles.services import WorkflowError, article_submit

    article.plain_body = "Most go away on their own [7]."
    article.save()

    with pytest.raises(WorkflowError, match=r"\[7\] \(plain-language answer\)"):
        article_submit(article=article, by=author)
    article.refresh_from_db()
    assert article.state == "draft"


def test_revision_approval_form_asks_for_the_public_change_note(
    client, author, editor, member, approved_article, settings
):
    """A revision the board approved without a public note waits for the editor, whose
    approval form asks for the "What changed" line that the change log then shows."""
    from articles import services
    from tests.factories import decision_record

    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    services.article_revise(article=approved_article, by=author)
    article = reload(approved_article)
    article.body = "The new dose table [1]."
    services.article_save_content(article=article, by=author)
    services.article_submit(article=article, by=author)
    assignment = assign_accepted(article=article, reviewer=member, by=editor)
    decision_record(assignment=assignment, by=member.user, decision="approve", no_conflict=True)
    assert reload(article).state == ArticleState.UNDER_REVIEW

    client.force_login(editor)
    page = client.get(change_url(article)).content.decode()
    assert 'name="change_note" id="id_change_note_approve"' in page

    refused = client.post(
        action_url(article, "approve"), {"state": ArticleState.UNDER_REVIEW, "change_note": ""}
    )
    assert reload(article).state == ArticleState.UNDER_REVIEW
    assert "Write what changed" in client.get(refused.url).content.decode()

    client.post(
        action_url(article, "approve"),
        {"state": ArticleState.UNDER_REVIEW, "change_note": "Dose table updated for 2026."},
    )
    assert reload(article).live_version.change_note == "Dose table updated for 2026."
