"""Nothing that is not approved reaches a reader, on any public surface.

The matrices take their surfaces from ``tests/safety/conftest.py``: a new
public page joins every test here by adding one line to PUBLIC_SURFACES.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from articles import services
from articles.models import Article
from tests.conftest import UserFactory
from tests.safety.conftest import (
    ARTICLE_ADMIN_VIEW_AUDIENCE,
    ARTICLE_ADMIN_VIEWS,
    HIDDEN_STATES,
    PUBLIC_SURFACES,
    ROLES,
    new_marker,
)

pytestmark = pytest.mark.django_db


def _get(url: str):
    return Client().get(url)


@pytest.mark.parametrize("surface", PUBLIC_SURFACES)
@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_unapproved_content_is_on_no_public_surface(stage, state, surface):
    """Whatever its state, an article that is not approved leaves no trace on a public page."""
    marker = new_marker()
    article = stage.make(state, marker=marker)
    assert article.live_version_id is None
    response = _get(PUBLIC_SURFACES[surface](article, marker))
    assert response.status_code in (200, 404), response.status_code
    assert marker not in response.content.decode()


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_unapproved_article_answers_404_at_its_address(stage, state):
    """/articles/<slug>/ of an article that is not public is a plain 404."""
    article = stage.make(state)
    response = _get(f"/articles/{article.slug}/")
    assert response.status_code == 404


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


@pytest.mark.parametrize("surface", PUBLIC_SURFACES)
@pytest.mark.parametrize("state", ["draft", "submitted", "under_review", "changes_requested"])
def test_approved_pages_are_byte_for_byte_the_same_while_a_revision_moves(stage, surface, state):
    """Readers get exactly the approved bytes while the working copy is edited and reviewed."""
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
    after = _get(PUBLIC_SURFACES[surface](approved, ""))
    assert after.content == before[surface]
    assert marker not in after.content.decode()


def test_retraction_takes_the_page_down_everywhere(stage):
    """After a retraction the former public text is on no public surface."""
    marker = new_marker()
    article = stage.make("approved", marker=marker)
    assert marker in _get(f"/articles/{article.slug}/").content.decode()
    services.article_retract(article=article, by=stage.cast.editor, reason="Unsafe dose.")
    for name, build in PUBLIC_SURFACES.items():
        response = _get(build(article, marker))
        assert marker not in response.content.decode(), name


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
