"""The article page's trail builds only the recent events, each as the full timeline has it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from articles import history
from articles.models import Article, Reference
from articles.services import article_revise, article_submit
from articles.viewer import Viewer
from tests.factories import decision_record
from tests.history.conftest import edit, save_reference
from tests.reviewers.helpers import assign_accepted

pytestmark = pytest.mark.django_db


@pytest.fixture
def long_past(approved_article, author, editor, member):
    """An approved article revised, its references edited, resubmitted and approved again."""
    article = article_revise(article=approved_article, by=author, comment="Added a third source.")
    for n in range(6):
        article = edit(article, author, summary=f"Summary, take {n}.")
        if n % 2:
            first = article.references.order_by("position").first()
            first.title = f"A study of things, retitled {n}"
            save_reference(first, author)
    save_reference(Reference(article=article, position=3, title="A third source"), author)
    article = edit(article, author, body=article.body + " See also [3].")
    article_submit(article=article, by=author)
    assignment = assign_accepted(article=article, reviewer=member, by=editor)
    decision_record(assignment=assignment, by=member.user, decision="approve", no_conflict=True)
    article = article_revise(article=article, by=editor)
    return edit(article, editor, summary="The latest summary.")


@pytest.mark.parametrize("recent", [1, 2, 3, 5, 8, 13, 1000])
@pytest.mark.parametrize("who", ["author", "editor"])
def test_recent_events_are_the_newest_of_the_full_timeline(request, long_past, recent, who):
    """At least ``recent`` events come back, and they are the full timeline's last ones."""
    user = request.getfixturevalue(who)
    viewer = Viewer.of(user, long_past)
    full = history.build_timeline(long_past, viewer)
    window = history.build_timeline(long_past, viewer, recent=recent)
    assert len(window) >= min(recent, len(full))
    assert window == full[-len(window) :]


def test_trail_shows_recent_events_and_links_the_full_timeline(client, long_past, editor):
    """The article's page lists the newest events and says where the others are."""
    client.force_login(editor)
    response = client.get(reverse("admin:articles_article_change", args=[long_past.pk]))
    recent = response.context["hist_recent"]
    full = history.build_timeline(long_past, Viewer.of(editor, long_past))
    expected = list(reversed(full[-len(recent) :]))
    history.annotate_changes(long_past, expected)
    assert len(recent) == 8
    assert recent == expected
    assert response.context["hist_revisions"] == len(history.revisions(long_past))
    timeline = reverse("admin:articles_article_timeline", args=[long_past.pk])
    assert f'<a href="{timeline}">See every event of its' in response.content.decode()


def test_trail_of_a_new_article_lists_everything_without_a_see_more_link(client, article, author):
    """A short past is shown whole."""
    client.force_login(author)
    response = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert not response.context["hist_more"]
    full = history.build_timeline(Article.objects.get(pk=article.pk))
    assert len(response.context["hist_recent"]) == len(full)
