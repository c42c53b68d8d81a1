"""The public site shows live published versions only, at a constant query cost."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from articles.models import Article
from articles.services import (
    article_reject,
    article_retract,
    article_revise,
    article_save_content,
    article_submit,
)
from tests.factories import (
    ArticleFactory,
    BoardMemberFactory,
    ReferenceFactory,
    TopicFactory,
    UserFactory,
    decision_record,
)
from tests.reviewers.helpers import assign_accepted

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def one_approval(settings):
    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    settings.EDITORIAL_SITE_NAME = "Test Health"


# --- Helpers ---------------------------------------------------------------


def submit(article, author):
    return article_submit(article=article, by=author)


def under_review(article, author, editor, member):
    submit(article, author)
    return assign_accepted(article=article, reviewer=member, by=editor)


def approve(article, author, editor, member):
    assignment = under_review(article, author, editor, member)
    decision_record(no_conflict=True, assignment=assignment, by=member.user, decision="approve")
    return Article.objects.get(pk=article.pk)


def body_section(response) -> str:
    """The rendered answer: the element that holds the version's body HTML."""
    match = re.search(
        r'<div class="article__body prose" id="answer">(.*?)</div>\s*<(?:aside|details)',
        response.content.decode(),
        re.S,
    )
    assert match, "the answer section is missing"
    return match.group(1)


def without_tokens(response) -> str:
    """The page without its CSRF tokens, which are masked afresh on every response."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def detail_url(article) -> str:
    return reverse("articles:detail", kwargs={"slug": article.slug})


# --- Nothing unapproved is public --------------------------------------------


def _draft(article, author, editor, member):
    return article


def _submitted(article, author, editor, member):
    submit(article, author)


def _under_review(article, author, editor, member):
    under_review(article, author, editor, member)


def _changes_requested(article, author, editor, member):
    assignment = under_review(article, author, editor, member)
    decision_record(
        no_conflict=True,
        assignment=assignment,
        by=member.user,
        decision="request_changes",
        comment_to_author="Please cite a more recent review.",
    )


def _rejected(article, author, editor, member):
    submit(article, author)
    article_reject(article=article, by=editor, comment="Out of scope for this site.")


def _retracted(article, author, editor, member):
    approve(article, author, editor, member)
    article_retract(article=article, by=editor, reason="A cited study was withdrawn.")


NOT_PUBLIC = {
    "draft": _draft,
    "submitted": _submitted,
    "under_review": _under_review,
    "changes_requested": _changes_requested,
    "rejected": _rejected,
    "retracted": _retracted,
}


@pytest.mark.parametrize("state", NOT_PUBLIC)
def test_article_page_is_404_unless_approved(client, article, author, editor, member, state):
    """An article never approved answers 404 at its public address; a retracted one 410,
    with a notice that names it and shows none of its answer."""
    NOT_PUBLIC[state](article, author, editor, member)
    assert Article.objects.get(pk=article.pk).state == state

    response = client.get(detail_url(article))

    if state == "retracted":
        assert response.status_code == 410
        assert article.body not in response.content.decode()
    else:
        assert response.status_code == 404
        assert article.title not in response.content.decode()


@pytest.mark.parametrize("state", NOT_PUBLIC)
def test_home_omits_articles_that_are_not_approved(client, article, author, editor, member, state):
    """The home page does not list an article that is not approved."""
    NOT_PUBLIC[state](article, author, editor, member)

    response = client.get(reverse("articles:home"))

    assert response.status_code == 200
    assert article.title not in response.content.decode()
    assert article.slug not in response.content.decode()


def test_article_page_unknown_slug_is_404(client, db):
    """An address that never held an article answers the friendly 404 page."""
    response = client.get("/articles/no-such-thing/")

    assert response.status_code == 404
    assert "find that page" in response.content.decode()
    assert 'href="/"' in response.content.decode()


# --- The approved article page ----------------------------------------------


def test_article_page_shows_the_approved_version(client, article, author, editor, member):
    """The page shows the question, answer, references, reviewer, tracker and disclaimer."""
    member.user.first_name, member.user.last_name = "Ada", "Okafor"
    member.user.save()
    ReferenceFactory(
        article=article,
        position=3,
        title="A guideline",
        pmid="",
        doi="10.1000/xyz123",
        url="https://example.org/guideline",
    )
    article = approve(article, author, editor, member)
    version = article.live_version

    response = client.get(detail_url(article))
    html = response.content.decode()

    assert response.status_code == 200
    assert f'<h1 id="article-title">{article.title}</h1>' in html
    assert "Most cases clear on their own" in body_section(response)
    assert '<sup class="cite">[<a href="#ref-1" id="cite-1-1">1</a>]</sup>' in html
    first = version.references[0]
    assert f'id="ref-{first["number"]}"' in html
    assert first["title"] in html
    assert f'href="https://pubmed.ncbi.nlm.nih.gov/{first["pmid"]}/"' in html
    assert 'href="https://doi.org/10.1000/xyz123"' in html
    assert 'href="https://example.org/guideline"' in html
    assert "Medical Advisory Board" in html
    assert "Ada Okafor" in html
    assert "MD, FAAD" in html
    assert f'href="/advisory-board/#member-{member.pk}"' in html
    assert "Article review status" in html
    for moment in (version.submitted_at, version.review_started_at, version.approved_at):
        assert f'datetime="{moment.isoformat()}"' in html
    assert "Last updated" in html
    assert 'href="/editorial-policy/"' in html
    assert "not a substitute for a consultation" in html
    assert version.author_name in html


def test_article_page_stays_the_same_while_a_revision_is_edited(
    client, article, author, editor, member
):
    """Readers keep the approved text, byte for byte, until the revision is approved."""
    article = approve(article, author, editor, member)
    before = client.get(detail_url(article))

    article = article_revise(article=article, by=author, comment="Rewritten after a newer trial.")
    article.body = "A new answer, based on a newer trial [1]."
    article_save_content(article=article, by=author)
    during = client.get(detail_url(article))

    assert during.status_code == 200
    assert body_section(during) == body_section(before)
    assert without_tokens(during) == without_tokens(before)
    assert "A new answer" not in during.content.decode()

    approve(article, author, editor, member)
    after = client.get(detail_url(article))

    assert "A new answer, based on a newer trial" in body_section(after)
    assert "Most cases clear on their own" not in after.content.decode()


@pytest.mark.parametrize("reference_count", [2, 20])
def test_article_page_queries_do_not_grow_with_references(
    client, author, editor, member, django_assert_num_queries, reference_count
):
    """A first view costs four queries (live version, its text, change log,
    related answers), then one."""
    article = ArticleFactory(author=author)
    for position in range(reference_count):
        ReferenceFactory(article=article, position=position)
    approve(article, author, editor, member)

    with django_assert_num_queries(4):
        response = client.get(detail_url(article))
    with django_assert_num_queries(1):
        again = client.get(detail_url(article))

    assert response.status_code == 200
    assert f'id="ref-{reference_count}"' in response.content.decode()
    # The same bytes for every reader: the page carries no token of anyone's.
    assert again.content == response.content
    assert b"csrfmiddlewaretoken" not in again.content


# --- Home ------------------------------------------------------------------------


def test_home_lists_approved_articles_with_topics(client, author, editor, member):
    """Home lists each approved article with its topic, reviewers and date."""
    skin = TopicFactory(name="Skin", slug="skin")
    sleep = TopicFactory(name="Sleep", slug="sleep")
    published = []
    for topic in (skin, sleep):
        article = ArticleFactory(author=author, topic=topic)
        ReferenceFactory(article=article)
        published.append(approve(article, author, editor, member))
    draft = ArticleFactory(author=author, topic=skin, title="Is this a draft?")

    html = client.get(reverse("articles:home")).content.decode()

    for article in published:
        assert article.title in html
        assert article.get_absolute_url() in html
    assert 'href="/topics/skin/"' in html and 'id="topic-skin"' in html
    assert 'href="/topics/sleep/"' in html and 'id="topic-sleep"' in html
    assert f"Reviewed by {member.name}, MD, FAAD" in html
    assert draft.title not in html


def test_home_uses_one_query(client, author, editor, member, django_assert_num_queries):
    """Home costs two queries however many articles are live, and one once cached."""
    for _ in range(3):
        article = ArticleFactory(author=author)
        ReferenceFactory(article=article)
        approve(article, author, editor, member)

    with django_assert_num_queries(2):
        response = client.get(reverse("articles:home"))
    with django_assert_num_queries(1):
        assert client.get(reverse("articles:home")).content == response.content

    assert response.status_code == 200


def test_home_without_articles_says_so(client, db):
    """An empty site explains that nothing is published yet."""
    response = client.get(reverse("articles:home"))

    assert response.status_code == 200
    assert "No reviewed articles have been published yet" in response.content.decode()


# --- Advisory board and policy ----------------------------------------------------


def test_advisory_board_lists_active_members_only(client, member, second_member):
    """Inactive members and members whose account is disabled are not listed."""
    member.bio = "Treats children's skin conditions."
    member.save()
    second_member.active = False
    second_member.save()
    disabled = BoardMemberFactory(user=UserFactory(username="disabled", is_active=False))

    html = client.get(reverse("articles:advisory_board")).content.decode()

    assert f'id="member-{member.pk}"' in html
    assert member.name in html
    assert "MD, FAAD" in html
    assert "Dermatology" in html
    assert "Treats children" in html
    assert f'id="member-{second_member.pk}"' not in html
    assert f'id="member-{disabled.pk}"' not in html


def test_advisory_board_uses_two_queries(client, django_assert_num_queries, db):
    """The board page costs two queries however many members it lists: the members,
    and the newest live answers that link each member to what they approved."""
    for _ in range(4):
        BoardMemberFactory()

    with django_assert_num_queries(2):
        response = client.get(reverse("articles:advisory_board"))

    assert response.content.decode().count('class="member"') == 4


def test_editorial_policy_states_the_required_approvals(client, settings, db):
    """The policy page explains review and reads the quorum from settings."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 2

    response = client.get(reverse("articles:editorial_policy"))
    html = response.content.decode()

    assert response.status_code == 200
    assert "at least two different board members" in html
    assert "conflict of interest" in html
    assert "Authors never review their own work" in html
    assert "Retract" in html or "retracts" in html


def test_pages_show_the_site_name(client, db):
    """Every public page carries the configured site name."""
    for name in ("articles:home", "articles:advisory_board", "articles:editorial_policy"):
        assert "Test Health" in client.get(reverse(name)).content.decode()


def test_public_pages_refuse_posts(client, db):
    """The public site is read-only: a POST is not allowed."""
    assert client.post(reverse("articles:home")).status_code == 405


def test_server_error_page_renders_without_context():
    """The 500 page needs neither a request nor a database."""
    html = render_to_string("500.html")

    assert "Something went wrong" in html
    assert 'href="/"' in html
