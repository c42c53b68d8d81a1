"""Cached public pages never outlive the approval or retraction that changed them.

Every page first asks the database which versions are live; the cache only
holds what those immutable versions look like. These tests fill the cache,
change what is live, and look at the very next response.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from articles.models import Article
from articles.public import cache as page_cache
from articles.public.fastpath import live_set_generation
from articles.services import (
    article_references_saved,
    article_request_changes,
    article_retract,
    article_save_content,
    article_start_rereview,
)
from tests.public.conftest import publish, review, revise
from tests.reviewers.helpers import assign_accepted

pytestmark = pytest.mark.django_db


def get(client, path: str, **params) -> str:
    response = client.get(path, params)
    return response.content.decode() if response.status_code == 200 else ""


def every_page(client, article) -> dict[str, str]:
    """Each public surface as a reader gets it now (empty when it is not found)."""
    return {
        "article": get(client, reverse("articles:detail", args=[article.slug])),
        "home": get(client, reverse("articles:home")),
        "topic": get(client, reverse("articles:topic", args=[article.topic.slug])),
        "search": get(client, reverse("articles:search"), q="Kestrel"),
        "feed": get(client, reverse("articles:feed")),
    }


@pytest.fixture
def live(article, author, editor, member):
    article.title = "Kestrel question, first wording?"
    article.body = "The first approved answer about kestrels [1]."
    article.save()
    return publish(article, author, editor, member)


def test_a_retracted_article_is_never_served_from_the_cache(client, live, editor):
    """Filled caches for every page, then a retraction: the next requests show nothing of it."""
    before = every_page(client, live)
    assert all("Kestrel question, first wording?" in html for html in before.values())

    article_retract(article=live, by=editor, reason="Superseded guidance.")

    after = every_page(client, live)
    notice = client.get(reverse("articles:detail", args=[live.slug]))
    assert notice.status_code == 410
    assert "Superseded guidance." in notice.content.decode()
    assert all("about kestrels" not in html for html in after.values())
    assert all("Kestrel question" not in after[name] for name in ("home", "topic", "search"))
    # The feed says it was withdrawn, under the same entry.
    assert "Withdrawn: Kestrel question, first wording?" in after["feed"]


def test_a_new_approval_shows_on_the_very_next_request(client, live, author, editor, member):
    """Revise, re-approve: every surface switches to the new wording at once."""
    every_page(client, live)  # cache the first version everywhere

    article = revise(
        live,
        author,
        title="Kestrel question, second wording?",
        body="The second approved answer about kestrels [1].",
    )
    unapproved = every_page(client, article)
    assert all("second wording" not in html for html in unapproved.values())

    publish(article, author, editor, member)

    after = every_page(client, article)
    assert all("Kestrel question, second wording?" in html for html in after.values())
    assert "The second approved answer" in after["article"]
    assert all("first wording" not in html for html in after.values() if html)


RECHECK_NOTE = "Our Medical Advisory Board is checking this answer again."
UPDATE_NOTE = "An update to this article is being reviewed"


def test_the_recheck_note_appears_and_goes_with_the_workflow(client, live, editor, member):
    """A re-review under way adds the quiet note to the cached page; its approval removes it."""
    url = reverse("articles:detail", args=[live.slug])
    assert RECHECK_NOTE not in get(client, url)

    article = article_start_rereview(article=live, by=editor)
    html = get(client, url)
    assert RECHECK_NOTE in html
    assert UPDATE_NOTE not in html

    review(article, editor, member)
    html = get(client, url)
    assert RECHECK_NOTE not in html
    assert UPDATE_NOTE not in html


def test_the_update_note_replaces_the_recheck_note_once_the_text_changes(
    client, live, author, editor, member
):
    """A re-review sent back to its author whose text is then changed is an update under review."""
    url = reverse("articles:detail", args=[live.slug])
    article = article_start_rereview(article=live, by=editor)
    assign_accepted(article=article, reviewer=member, by=editor)
    article = article_request_changes(article=article, by=editor, comment="Add the 2026 trial.")
    assert RECHECK_NOTE in get(client, url)

    article.body = "The first approved answer about kestrels, with the 2026 trial [1]."
    article_save_content(article=article, by=author)
    html = get(client, url)
    assert UPDATE_NOTE in html
    assert RECHECK_NOTE not in html
    assert "2026 trial" not in html


def test_a_changed_reference_is_an_update_too(client, live, author, editor, member):
    """Only a citation changed: still a new text with the board, as its fingerprint says.

    (The page used to compare the wording alone and kept saying the board was
    re-checking the published answer, while the approval asked for a "What
    changed" line.)
    """
    url = reverse("articles:detail", args=[live.slug])
    article = article_start_rereview(article=live, by=editor)
    assign_accepted(article=article, reviewer=member, by=editor)
    article = article_request_changes(article=article, by=editor, comment="Cite the 2026 trial.")
    assert RECHECK_NOTE in get(client, url)

    reference = article.references.order_by("position").first()
    reference.title = "A randomised trial of kestrel counting, 2026 update"
    reference.save()
    article_references_saved(article=article, by=author, notes=["Reference 1 changed."])
    html = get(client, url)
    assert UPDATE_NOTE in html
    assert RECHECK_NOTE not in html
    assert "2026 update" not in html


def test_an_article_with_the_board_costs_two_small_queries_once_asked(
    client, live, editor, member, django_assert_num_queries
):
    """A page whose working copy is being re-reviewed is still cheap to serve:
    the re-review answer is remembered under the length of the article's
    action log, not worked out again from every reference on each view."""
    url = reverse("articles:detail", args=[live.slug])
    article = article_start_rereview(article=live, by=editor)
    assign_accepted(article=article, reviewer=member, by=editor)
    assert RECHECK_NOTE in get(client, url)

    with django_assert_num_queries(2):
        html = get(client, url)

    assert RECHECK_NOTE in html


def test_each_audience_gets_its_own_cached_text(client, article, author, editor, member):
    """Patients and professionals alternate on one page; neither gets the other's text."""
    article.plain_body = "Plain words for patients [1]."
    article.save()
    live = publish(article, author, editor, member)
    url = reverse("articles:detail", args=[live.slug])

    for _ in range(2):
        client.cookies["audience"] = "patient"
        assert "Plain words for patients" in get(client, url)
        client.cookies["audience"] = "professional"
        html = get(client, url)
        assert "Plain words for patients" not in html
        assert "Most cases clear on their own" in html


def test_conditional_get_answers_304_without_rendering(client, live, django_assert_num_queries):
    """A reader who has the page gets a 304 for one small query."""
    url = reverse("articles:home")
    etag = client.get(url)["ETag"]
    with django_assert_num_queries(1):
        response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304


def _generation() -> str:
    return live_set_generation()


def test_the_database_moves_the_generation_with_every_live_pointer(live, author, editor, member):
    """Approvals and retractions change it; editing a draft or a reader's visit does not."""
    approved = _generation()
    revised = revise(live, author, title="Kestrel question, draft wording?")
    assert _generation() == approved

    publish(revised, author, editor, member)
    republished = _generation()
    assert republished != approved

    article_retract(article=Article.objects.get(pk=live.pk), by=editor, reason="Withdrawn.")
    assert _generation() not in {approved, republished}


def test_a_pointer_moved_outside_the_services_is_seen_too(client, live):
    """Raw SQL (a script, a shell) still changes what the lists show at once.

    The ORM refuses such a bulk update (see tests/safety/test_silent_changes.py).
    """
    before = every_page(client, live)
    assert "Kestrel question, first wording?" in before["home"]

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE articles_article SET live_version_id = NULL WHERE id = %s", [live.pk]
        )

    after = every_page(client, live)
    assert all("Kestrel question" not in html for html in after.values())


def test_a_cached_search_costs_one_query(client, live, django_assert_num_queries):
    url = reverse("articles:search")
    first = client.get(url, {"q": "Kestrel"}).content
    with django_assert_num_queries(1):
        again = client.get(url, {"q": "Kestrel"}).content
    assert again == first
    assert b"Kestrel question, first wording?" in again


def test_a_page_this_process_served_is_answered_without_the_shared_cache(
    client, live, editor, monkeypatch
):
    """With Redis shared by every process, a popular page costs no trip to it:
    each process keeps its own copy of the pages it served last (their keys
    cannot go stale), and still asks the database which version is live."""
    url = reverse("articles:detail", args=[live.slug])
    first = client.get(url).content

    def unreachable(*args, **kwargs):
        raise AssertionError("the shared cache was asked again")

    monkeypatch.setattr(cache, "get", unreachable)
    assert client.get(url).content == first

    article_retract(article=live, by=editor, reason="Withdrawn for checking.")
    assert client.get(url).status_code == 410


def test_each_process_keeps_only_so_many_pages(
    client, article, author, editor, member, monkeypatch
):
    monkeypatch.setattr(page_cache, "LOCAL_PAGES", 2)
    live = publish(article, author, editor, member)
    for audience in ("patient", "professional", "patient", "professional"):
        client.cookies["audience"] = audience
        client.get(reverse("articles:detail", args=[live.slug]))
        client.get(reverse("articles:home"))
        assert len(page_cache._local) <= 2
