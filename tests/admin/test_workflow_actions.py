"""The review loop through the back office's buttons, as its users click through it."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.choices import ArticleState
from articles.models import Article, AuditEntry
from articles.services import article_submit
from reviewers.models import ReviewDecision
from tests.admin.helpers import action_url, change_url, reload
from tests.factories import TopicFactory, decision_record, on_screen
from tests.reviewers.helpers import assign_accepted


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


def test_crafted_transition_post_is_refused_with_a_message(client, author, article):
    """An author cannot approve their own article by posting to the approve button's URL."""
    article_submit(article=article, by=author)
    client.force_login(author)
    response = client.post(action_url(article, "approve"), {"state": "submitted"}, follow=True)
    assert reload(article).state == ArticleState.SUBMITTED
    assert "not possible while the article is submitted" in response.content.decode()
    assert not AuditEntry.objects.filter(transition="approve").exists()


def test_get_on_a_transition_url_is_refused(client, author, article):
    """A GET on a POST-only action answers 405 and changes nothing."""
    client.force_login(author)
    response = client.get(action_url(article, "submit"))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "cannot be opened directly, and nothing was changed" in response.content.decode()
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


def test_revision_approval_form_asks_for_the_public_change_note(
    client, author, editor, member, approved_article, settings
):
    """A revision the board approved without a public note waits for the editor, whose
    approval form asks for the "What changed" line that the change log then shows."""
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
