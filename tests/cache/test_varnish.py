"""The app behind a real Varnish running deploy/varnish/editorial.vcl.

Readers only ever get approved content through the cache, see every change
on their next request after it commits, and never get a cookie; a purge the
cache missed reaches it when it is back.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django_tasks_db.models import DBTaskResult

from articles.models import Article, SitePage, Topic
from articles.services import (
    article_reject,
    article_reopen,
    article_retract,
    article_revise,
    article_save_content,
    article_submit,
)
from tests.cache.conftest import Forwarder, fetch
from tests.factories import ArticleFactory, ReferenceFactory, TopicFactory, decision_record
from tests.reviewers.helpers import assign_accepted

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _one_approval(settings):
    settings.EDITORIAL_REQUIRED_APPROVALS = 1


def new_article(author, topic, marker: str) -> Article:
    """A draft whose title, summary and both answers carry ``marker``, a word nothing else has."""
    article = ArticleFactory(
        author=author,
        topic=topic,
        title=f"Is {marker} contagious?",
        slug=f"is-{marker}-contagious",
        summary=f"What {marker} is.",
        body=f"{marker.capitalize()} usually clears up [1].",
        plain_body=f"{marker.capitalize()} goes away [1].",
    )
    ReferenceFactory(article=article, position=1)
    return article


def review_round(article: Article, editor, member, decision: str = "approve") -> Article:
    """Submitted article: assign ``member``, who decides."""
    assignment = assign_accepted(article=article, reviewer=member, by=editor)
    decision_record(
        assignment=assignment,
        by=member.user,
        decision=decision,
        comment_to_author="Please add the dosage." if decision != "approve" else "",
        no_conflict=True,
    )
    return Article.objects.get(pk=article.pk)


def publish(article: Article, author, editor, member) -> Article:
    article_submit(article=article, by=author)
    return review_round(article, editor, member)


def surfaces(slug: str, topic_slug: str, marker: str) -> dict[str, str]:
    return {
        "article": f"/articles/{slug}/",
        "home": "/",
        "topic": f"/topics/{topic_slug}/",
        "search": f"/search/?q={marker}",
        "feed": "/feed/",
        "sitemap": "/sitemap.xml",
        "board": "/advisory-board/",
        "policy": "/editorial-policy/",
    }


# Surfaces that list or show articles; the board and policy pages show none.
# The board page links each member to the answers they approved.
SHOWING_ARTICLES = ("article", "home", "topic", "search", "feed", "sitemap", "board")
# A retracted answer's address shows its notice, and the feed its withdrawal
# entry: both name the question, neither a word of the answer.
SHOWING_RETRACTED = {"article", "feed"}


# The purge tasks among the queued ones (a change also queues its email).
purges = DBTaskResult.objects.filter(task_path="editorial.purge.purge_cache_keys")


def shows_answer(body: str, marker: str) -> bool:
    """Whether a page holds either text of the answer (new_article's two sentences)."""
    word = marker.capitalize()
    return f"{word} usually clears up" in body or f"{word} goes away" in body


def answer_gone(varnish, slug: str, marker: str) -> bool:
    """Nothing of the answer itself is served at its address or in the feed."""
    return not any(
        shows_answer(fetch(varnish.base, path)[2], marker)
        for path in (f"/articles/{slug}/", "/feed/")
    )


def seen(varnish, slug: str, topic_slug: str, marker: str, *, twice: bool = True) -> set[str]:
    """The surfaces through the cache that show ``marker`` (asked twice: the second from cache)."""
    showing = set()
    for name, path in surfaces(slug, topic_slug, marker).items():
        for _ in range(2 if twice else 1):
            status, headers, body = fetch(varnish.base, path)
            assert status in (200, 404, 410), (name, status)
            assert "Set-Cookie" not in headers, name
            # The title, or the address in a link: never the search box's echo.
            text = body.lower()
            if f"{marker} contagious" in text or f"is-{marker}-contagious" in text:
                showing.add(name)
    return showing


@pytest.fixture
def topic(db):
    return TopicFactory(name="Skin", slug="skin")


@pytest.fixture
def anchor(topic, author, editor, member):
    """A live article in the topic, so that its page exists whatever the other's state."""
    return publish(new_article(author, topic, "anchorword"), author, editor, member)


def test_nothing_unapproved_is_ever_served_through_the_cache(
    varnish, anchor, topic, author, editor, member
):
    """Every hidden state of an article, on every public surface, first and cached request."""
    hidden = new_article(author, topic, "quokkapox")
    where = (hidden.slug, topic.slug, "quokkapox")
    assert seen(varnish, *where) == set(), "draft"
    article_submit(article=hidden, by=author)
    assert seen(varnish, *where) == set(), "submitted"
    assignment = assign_accepted(article=hidden, reviewer=member, by=editor)
    assert seen(varnish, *where) == set(), "under review"
    decision_record(
        assignment=assignment,
        by=member.user,
        decision="request_changes",
        comment_to_author="Cite a trial.",
        no_conflict=True,
    )
    assert seen(varnish, *where) == set(), "changes requested"
    article_submit(article=hidden, by=author)
    article_reject(article=hidden, by=editor, comment="Out of scope.")
    assert seen(varnish, *where) == set(), "rejected"

    # A live article's revision: its new words stay hidden in every state.
    live = publish(new_article(author, topic, "wombatitis"), author, editor, member)
    assert seen(varnish, live.slug, topic.slug, "wombatitis") == set(SHOWING_ARTICLES)
    revision = article_revise(article=live, by=author)
    revision.body = "Numbatfever is the new name [1]."
    revision.title = "Is numbatfever contagious?"
    article_save_content(article=revision, by=author)
    assert seen(varnish, live.slug, topic.slug, "numbatfever") == set(), "revision draft"
    article_submit(article=live, by=author)
    assign_accepted(article=live, reviewer=member, by=editor)
    assert seen(varnish, live.slug, topic.slug, "numbatfever") == set(), "revision in review"

    article_retract(article=Article.objects.get(pk=live.pk), by=editor, reason="Unsafe advice.")
    assert seen(varnish, live.slug, topic.slug, "wombatitis") == SHOWING_RETRACTED, "retracted"
    assert answer_gone(varnish, live.slug, "wombatitis")
    assert seen(varnish, live.slug, topic.slug, "numbatfever") == set(), "retracted revision"


def test_every_surface_shows_each_change_on_the_next_request_after_commit(
    varnish, anchor, topic, author, editor, member
):
    """Approval, retraction and re-approval, with every surface cached just before each."""
    article = new_article(author, topic, "axolotlosis")
    where = (article.slug, topic.slug, "axolotlosis")
    article_submit(article=article, by=author)
    assert seen(varnish, *where) == set()
    _status, headers, _ = fetch(varnish.base, "/")
    assert headers["X-Cache"] == "hit", "the lists are held by the cache"

    article = review_round(article, editor, member)
    assert seen(varnish, *where, twice=False) == set(SHOWING_ARTICLES), "approved"

    article_retract(article=article, by=editor, reason="A dosing error.")
    assert seen(varnish, *where, twice=False) == SHOWING_RETRACTED, "retracted"
    assert answer_gone(varnish, article.slug, "axolotlosis")
    assert fetch(varnish.base, f"/articles/{article.slug}/")[0] in (404, 410)

    assert seen(varnish, *where) == SHOWING_RETRACTED
    article_reopen(article=article, by=editor)
    article = publish(Article.objects.get(pk=article.pk), author, editor, member)
    assert seen(varnish, *where, twice=False) == set(SHOWING_ARTICLES), "approved again"


def test_a_purge_the_cache_missed_reaches_it_when_it_is_back(
    varnish, anchor, topic, author, editor, member, settings, run_worker
):
    """Unreachable for the app, the cache keeps serving; the worker's retry purges it later."""
    settings.EDITORIAL_PURGE_RETRY_SECONDS = 0
    path = Forwarder(varnish.port)
    settings.EDITORIAL_PURGE_URLS = [path.url]
    article = publish(new_article(author, topic, "capybarism"), author, editor, member)
    where = (article.slug, topic.slug, "capybarism")
    assert seen(varnish, *where) == set(SHOWING_ARTICLES)
    DBTaskResult.objects.all().delete()

    path.cut()
    article_retract(article=article, by=editor, reason="Withdrawn by the authors.")
    assert shows_answer(fetch(varnish.base, f"/articles/{article.slug}/")[2], "capybarism"), (
        "the missed purge leaves the cache serving the retracted page"
    )
    run_worker(max_tasks=1)
    assert purges.filter(status="FAILED").count() == 1
    assert seen(varnish, *where, twice=False) == set(SHOWING_ARTICLES)

    path.restore()
    run_worker()

    assert seen(varnish, *where, twice=False) == SHOWING_RETRACTED
    assert answer_gone(varnish, article.slug, "capybarism")
    assert purges.filter(status="SUCCESSFUL").count() == 1
    path.cut()


def test_a_purge_sent_while_varnish_is_stopped_is_delivered_when_it_runs_again(
    varnish, anchor, topic, author, editor, member, settings, run_worker
):
    settings.EDITORIAL_PURGE_RETRY_SECONDS = 0
    DBTaskResult.objects.all().delete()
    varnish.stop()
    try:
        article_retract(article=anchor, by=editor, reason="Superseded.")
        run_worker(max_tasks=1)
        assert purges.filter(status="FAILED").count() == 1
    finally:
        varnish.start()

    run_worker()

    assert purges.filter(status="SUCCESSFUL").count() == 1
    assert seen(varnish, anchor.slug, topic.slug, "anchorword") == SHOWING_RETRACTED
    assert answer_gone(varnish, anchor.slug, "anchorword")


def test_no_cookie_and_nothing_personal_comes_through_the_cache(varnish, anchor, editor):
    """A signed-in editor's cookies are dropped on readers' pages; the back office keeps them."""
    client = Client()
    client.force_login(editor)
    session = client.cookies["sessionid"].value
    cookies = f"sessionid={session}; csrftoken=abc; audience=professional"
    for name, path in surfaces(anchor.slug, anchor.topic.slug, "anchorword").items():
        status, headers, body = fetch(varnish.base, path, cookie=cookies)
        assert status == 200, name
        assert "Set-Cookie" not in headers, name
        assert editor.last_name not in body, name
        assert "csrfmiddlewaretoken" not in body, name

    status, headers, body = fetch(varnish.base, "/admin/", cookie=f"sessionid={session}")
    assert status == 200, "the back office passes through with its session"
    assert "Set-Cookie" not in headers or "sessionid" not in headers["Set-Cookie"]
    assert fetch(varnish.base, "/admin/login/")[1].get("Set-Cookie", "").startswith("csrftoken")


def test_each_audience_gets_its_own_copy_from_the_cache(varnish, anchor):
    path = f"/articles/{anchor.slug}/"
    patient = fetch(varnish.base, path)[2]
    fetch(varnish.base, path, cookie="audience=professional")
    _status, headers, professional = fetch(
        varnish.base, path, cookie="audience=professional; _ga=GA1.2.3"
    )

    assert headers["X-Cache"] == "hit", "other cookies do not split the cache"
    assert "Anchorword usually clears up" in professional
    assert "Anchorword goes away" in patient
    assert fetch(varnish.base, path, cookie="audience=nonsense")[2] == patient


def test_board_policy_and_topic_edits_show_on_the_next_request(varnish, anchor, member, topic):
    for path in ("/advisory-board/", "/editorial-policy/", f"/topics/{topic.slug}/"):
        fetch(varnish.base, path)
        assert fetch(varnish.base, path)[1]["X-Cache"] == "hit", path

    user = User.objects.get(pk=member.user_id)
    user.last_name = "Zanzibarova"
    user.save()
    SitePage.objects.create(
        slug="editorial-policy", title="How we review", body="Every answer is checked twice."
    )
    fresh = Topic.objects.get(pk=topic.pk)
    fresh.description = "Rashes, spots and everything between."
    fresh.save()

    assert "Zanzibarova" in fetch(varnish.base, "/advisory-board/")[2]
    assert "checked twice" in fetch(varnish.base, "/editorial-policy/")[2]
    assert "everything between" in fetch(varnish.base, f"/topics/{topic.slug}/")[2]


def test_static_files_are_kept_by_the_cache_without_cookies(varnish):
    fetch(varnish.base, "/static/css/site.css", cookie="sessionid=abc")
    status, headers, body = fetch(varnish.base, "/static/css/site.css", cookie="sessionid=def")

    assert status == 200 and body
    assert headers["X-Cache"] == "hit"
    assert "Set-Cookie" not in headers
