"""Nothing that is not approved reaches a reader, on any public surface.

The matrices take their surfaces from ``tests/safety/conftest.py``: a new
public page joins every test here by adding one line to PUBLIC_SURFACES.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from articles import services
from articles.models import Article
from tests.factories import UserFactory
from tests.safety.conftest import (
    ARTICLE_ADMIN_VIEW_AUDIENCE,
    ARTICLE_ADMIN_VIEWS,
    HIDDEN_STATES,
    PUBLIC_SURFACES,
    PUBLIC_SURFACES_LISTING_ARTICLES,
    RETRACTED_STATES,
    ROLES,
    Stage,
    new_marker,
)

pytestmark = pytest.mark.django_db


def _get(url: str):
    return Client().get(url)


@pytest.mark.parametrize("surface", PUBLIC_SURFACES)
@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_unapproved_content_is_on_no_public_surface(stage, state, surface):
    """Whatever its state, an article that is not approved leaves no trace on a public page.

    A retracted one keeps its title and address on its notice, the corrections
    log and the feed's withdrawal entry: they carry a marker of their own, and
    the content's marker must be nowhere.
    """
    marker = new_marker()
    named = new_marker() if state in RETRACTED_STATES else marker
    article = stage.make(state, marker=marker, title=f"What is {named}?", slug=f"article-{named}")
    assert article.live_version_id is None
    response = _get(PUBLIC_SURFACES[surface](article, marker))
    assert response.status_code in (200, 404, 410), response.status_code
    assert marker not in response.content.decode()


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_unapproved_article_answers_404_at_its_address(stage, state):
    """/articles/<slug>/ of an article never approved is a plain 404; a retracted one, 410."""
    article = stage.make(state)
    response = _get(f"/articles/{article.slug}/")
    assert response.status_code == (410 if state in RETRACTED_STATES else 404)


@pytest.mark.parametrize("state", sorted(RETRACTED_STATES))
def test_retraction_notice_shows_no_retracted_content(stage, state):
    """The 410 notice names the answer and the reason, and nothing of what it said."""
    marker, named = new_marker(), new_marker()
    article = stage.make(state, marker=marker, title=f"What is {named}?", slug=f"article-{named}")
    response = _get(f"/articles/{article.slug}/")
    body = response.content.decode()
    assert response.status_code == 410
    assert f"What is {named}?" in body
    assert "Found an error." in body
    assert marker not in body
    version = article.versions.get()
    for reviewer in version.reviewers:
        assert reviewer["name"] not in body
    for reference in version.references:
        assert reference["title"] not in body


@pytest.mark.parametrize("surface", PUBLIC_SURFACES)
def test_pending_edits_stay_off_every_public_surface(stage, surface):
    """A revision in progress shows none of its new text anywhere readers look."""
    approved = stage.make("approved")
    services.article_revise(article=approved, by=approved.author)
    marker = new_marker()
    revision = stage.edit(approved, marker=marker)
    response = _get(PUBLIC_SURFACES[surface](revision, marker))
    assert response.status_code in (200, 404)
    assert marker not in response.content.decode()


# Every response carries its own masked CSRF token (the audience chooser and
# the report form): the same token for everyone would be a hole, so compare
# the pages with the token's value blanked.
_CSRF_VALUE = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
# The one sentence a live page adds while an update of it is submitted, under
# review or back with its author: the editorial policy promises readers this
# notice. It names no word of the update, and it is the only difference allowed.
UPDATE_NOTICE = re.compile(
    rb'(?m)^ *<p class="notice notice--quiet" role="note">\s*An update to this article is being '
    rb"reviewed by our Medical Advisory Board\. Until it is\s+approved, you are reading the "
    rb"version approved on [^<]*</p>\n *\n"
)
NOTICE_STATES = {"submitted", "under_review", "changes_requested"}


def _bytes_readers_compare(content: bytes) -> bytes:
    return _CSRF_VALUE.sub(rb"\1\2", content)


@pytest.mark.parametrize("surface", PUBLIC_SURFACES)
@pytest.mark.parametrize("state", ["draft", "submitted", "under_review", "changes_requested"])
def test_approved_pages_are_byte_for_byte_the_same_while_a_revision_moves(stage, surface, state):
    """Readers get exactly the approved bytes while the working copy is edited and reviewed.

    Two things differ, and only those: each response's CSRF token, and on the
    article's own page the notice that an update is being reviewed.
    """
    approved = stage.make("approved")
    old_slug = approved.slug
    before = {name: _get(build(approved, "")).content for name, build in PUBLIC_SURFACES.items()}
    services.article_revise(article=approved, by=approved.author)
    marker = new_marker()
    revision = stage.edit(approved, marker=marker)
    # Keep the address the reader used, so the live page is compared.
    revision.slug = old_slug
    services.article_save_content(article=revision, by=revision.author)
    if state != "draft":
        services.article_submit(article=revision, by=revision.author)
    if state in ("under_review", "changes_requested"):
        stage.assign(revision, stage.cast.member_assigned)
    if state == "changes_requested":
        services.article_request_changes(
            article=revision, by=stage.cast.editor, comment="Shorter, please."
        )
    assert Article.objects.get(pk=approved.pk).state == state
    after = _get(PUBLIC_SURFACES[surface](approved, "")).content
    assert marker not in after.decode()
    if surface == "detail_by_slug" and state in NOTICE_STATES:
        assert len(UPDATE_NOTICE.findall(after)) == 1
        after = UPDATE_NOTICE.sub(b"", after)
    else:
        assert not UPDATE_NOTICE.search(after)
    assert _bytes_readers_compare(after) == _bytes_readers_compare(before[surface])


@pytest.mark.parametrize("surface", sorted(PUBLIC_SURFACES_LISTING_ARTICLES))
def test_approved_content_is_on_the_surfaces_that_list_articles(stage, surface):
    """The same surfaces do show an approved article (so the tests above can fail)."""
    marker = new_marker()
    article = stage.make("approved", marker=marker)
    response = _get(PUBLIC_SURFACES[surface](article, marker))
    assert response.status_code == 200
    assert marker in response.content.decode()


class _HeadFacts(HTMLParser):
    """What machines read off the article page: <title>, meta tags and JSON-LD."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "meta" and attributes.get("content"):
            self.texts.append(attributes["content"])
        if tag == "title" or (tag == "script" and attributes.get("type") == "application/ld+json"):
            self._in = tag

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.texts.append(data)
        elif self._in == "script":
            self.texts.append(json.dumps(json.loads(data), ensure_ascii=False))


def _head_facts(html: str) -> list[str]:
    parser = _HeadFacts()
    parser.feed(html)
    parser.close()
    return parser.texts


@pytest.mark.parametrize("state", ["draft", "submitted", "under_review", "changes_requested"])
def test_structured_data_and_meta_tags_describe_only_the_live_version(stage, state):
    """JSON-LD, <title> and meta tags carry the approved title, never the update's."""
    live_marker, new_title_marker = new_marker(), new_marker()
    approved = stage.make("approved", marker=live_marker)
    url = f"/articles/{approved.slug}/"
    services.article_revise(article=approved, by=approved.author)
    revision = stage.edit(approved, marker=new_title_marker)
    revision.slug = approved.slug
    services.article_save_content(article=revision, by=revision.author)
    if state != "draft":
        services.article_submit(article=revision, by=revision.author)
    if state in ("under_review", "changes_requested"):
        stage.assign(revision, stage.cast.member_assigned)
    if state == "changes_requested":
        stage.decide(
            revision, stage.cast.member_assigned, "request_changes", comment_to_author="Shorter."
        )
    assert Article.objects.get(pk=approved.pk).state == state
    facts = _head_facts(_get(url).content.decode())
    structured = [text for text in facts if text.startswith("{")]
    assert structured, "the article page has JSON-LD"
    assert all(f"What is {live_marker}?" in text for text in structured)
    assert any(text == f"What is {live_marker}?" for text in facts), "og:title"
    assert not [text for text in facts if new_title_marker in text]


def test_retraction_takes_the_page_down_everywhere(stage):
    """After a retraction the former public text is on no public surface."""
    marker = new_marker()
    article = stage.make("approved", marker=marker)
    assert marker in _get(f"/articles/{article.slug}/").content.decode()
    services.article_retract(article=article, by=stage.cast.editor, reason="Unsafe dose.")
    for name, build in PUBLIC_SURFACES.items():
        response = _get(build(article, marker))
        body = response.content.decode()
        # The notice, the log and the feed's withdrawal name the question.
        body = body.replace(f"What is {marker}?", "").replace(f"article-{marker}", "")
        assert marker not in body, name


# --- Admin views of one article --------------------------------------------------------

# Who may open an article's admin pages: the people the article is for.
SEES_ARTICLE = {"author", "member_assigned", "member_recused", "editor", "superuser"}


@pytest.mark.parametrize("view", ARTICLE_ADMIN_VIEWS)
@pytest.mark.parametrize("role", ROLES)
def test_admin_views_of_an_article_only_for_those_allowed(stage, cast, role, view):
    """History, preview and the article page answer only people the article concerns."""
    marker = new_marker()
    article = stage.make("under_review", marker=marker)
    response = cast.client(role).get(ARTICLE_ADMIN_VIEWS[view](article))
    body = response.content.decode()
    if role in ARTICLE_ADMIN_VIEW_AUDIENCE.get(view, SEES_ARTICLE):
        assert response.status_code == 200
        assert marker in body
    elif role == "anonymous":
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
    else:
        # Refused, or sent to the admin index exactly as for an id that does
        # not exist (Django's change view), never shown.
        assert response.status_code in (302, 403, 404)
        if response.status_code == 302:
            assert response["Location"] == "/admin/"
        assert marker not in body


def _article_with_confidential_words(stage) -> tuple[Article, str, str]:
    """Under review; member_recused declared a conflict and wrote a note to the editors."""
    note, statement = new_marker(), new_marker()
    article = stage.make("submitted")
    stage.assign(article, stage.cast.member_assigned)
    stage.assign(article, stage.cast.member_recused)
    stage.decide(
        article,
        stage.cast.member_recused,
        "request_changes",
        comment_to_author="Please ask another member.",
        confidential_note=f"For the editors only: {note}",
        conflict_declared=True,
        conflict_statement=f"I consult for {statement}.",
    )
    return Stage.fresh(article), note, statement


@pytest.mark.parametrize("view", ARTICLE_ADMIN_VIEWS)
@pytest.mark.parametrize("role", ["author", "member_assigned"])
def test_confidential_notes_and_conflicts_stay_with_the_editors(stage, cast, role, view):
    """A note to the editors and a conflict statement reach no author and no other member."""
    article, note, statement = _article_with_confidential_words(stage)
    body = cast.client(role).get(ARTICLE_ADMIN_VIEWS[view](article)).content.decode()
    assert note not in body
    assert statement not in body


@pytest.mark.parametrize("view", ["change", "timeline", "export_csv", "export_json"])
def test_editors_read_the_confidential_words(stage, cast, view):
    """The editors do get them (so the test above can fail)."""
    article, note, statement = _article_with_confidential_words(stage)
    body = cast.client("editor").get(ARTICLE_ADMIN_VIEWS[view](article)).content.decode()
    assert note in body
    assert statement in body


def test_view_only_staff_sees_no_history_of_articles_outside_their_queue(stage):
    """A staff user granted 'view article' still sees only their own articles' history."""
    article = stage.make("under_review")
    viewer = UserFactory(username="viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_article"))
    client = Client()
    client.force_login(viewer)
    for name, build in ARTICLE_ADMIN_VIEWS.items():
        response = client.get(build(article))
        assert response.status_code in (302, 403, 404), name
        if response.status_code == 302:
            assert response["Location"] == "/admin/"


# Back-office lists where an article's title could appear; add new ones here.
# Searches use the marker's first ten characters: the search box repeats the
# query, so only the full marker in the page means the article was listed.
ADMIN_LISTS = {
    "index": lambda marker: "/admin/",
    "articles": lambda marker: "/admin/articles/article/",
    "article_search": lambda marker: f"/admin/articles/article/?q={marker[:10]}",
    "audit_trail": lambda marker: "/admin/articles/auditentry/",
    "audit_search": lambda marker: f"/admin/articles/auditentry/?q={marker[:10]}",
    "versions": lambda marker: "/admin/articles/publishedversion/",
    "assignments": lambda marker: "/admin/reviewers/reviewassignment/",
    "decisions": lambda marker: "/admin/reviewers/reviewdecision/",
    "references": lambda marker: f"/admin/articles/reference/?q={marker[:10]}",
}


@pytest.mark.parametrize("where", ADMIN_LISTS)
@pytest.mark.parametrize("role", ["other_author", "member_unassigned"])
@pytest.mark.parametrize("state", ["draft", "under_review", "approved"])
def test_back_office_lists_hide_articles_that_are_not_yours(stage, cast, state, role, where):
    """Another author or an unassigned board member finds no trace of the article in any list."""
    marker = new_marker()
    stage.make(state, marker=marker)
    response = cast.client(role).get(ADMIN_LISTS[where](marker))
    assert response.status_code in (200, 302, 403)
    assert marker not in response.content.decode()


@pytest.mark.parametrize("where", ["index", "articles", "article_search"])
def test_back_office_lists_show_the_article_to_its_author(stage, cast, where):
    """The same lists do show the article to its author (so the test above can fail)."""
    marker = new_marker()
    stage.make("draft", marker=marker)
    response = cast.client("author").get(ADMIN_LISTS[where](marker))
    assert marker in response.content.decode()
