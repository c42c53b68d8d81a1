"""A retracted answer stays findable as a notice (410), and the corrections log lists it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from articles.services import article_reopen, article_retract, article_submit
from tests.factories import ArticleFactory, ReferenceFactory
from tests.public.conftest import publish, review, revise

pytestmark = pytest.mark.django_db

REASON = "A dosing table had a tenfold error; we are checking every figure."


@pytest.fixture
def retracted(article, author, editor, member):
    article.title = "Can a plover eat raw garlic?"
    article.summary = "Summary words about plovers."
    article.body = "Garlicky body text [1]. More garlic [2]."
    article.save()
    live = publish(article, author, editor, member)
    return article_retract(article=live, by=editor, reason=REASON)


def test_retracted_address_answers_410_with_the_notice(retracted):
    """The notice names the answer, when and why it was withdrawn, and where to read more."""
    response = Client().get(f"/articles/{retracted.slug}/")
    html = response.content.decode()

    assert response.status_code == 410
    assert "Can a plover eat raw garlic?" in html
    assert REASON in html
    assert "Withdrawn" in html
    assert reverse("articles:editorial_policy") in html
    assert reverse("articles:corrections") in html
    assert '<meta name="robots" content="noindex">' in html
    assert response["X-Robots-Tag"] == "noindex"


def test_retracted_notice_shows_none_of_the_answer(retracted):
    """Neither the answer, its summary, its references nor its reviewers are on the notice."""
    html = Client().get(f"/articles/{retracted.slug}/").content.decode()
    version = retracted.versions.get()

    assert "Garlicky" not in html
    assert "Summary words about plovers" not in html
    for reference in version.references:
        assert reference["title"] not in html
    for reviewer in version.reviewers:
        assert reviewer["name"] not in html


def test_never_published_address_answers_404_with_the_same_headers(retracted, author):
    """An unknown or draft slug is a 404 with exactly the notice's header names."""
    draft = ArticleFactory(author=author, slug="draft-never-approved")
    gone = Client().get(f"/articles/{retracted.slug}/")
    for slug in ("no-such-answer", draft.slug):
        missing = Client().get(f"/articles/{slug}/")
        assert missing.status_code == 404
        assert sorted(missing.headers) == sorted(gone.headers)
        # The surrogate keys name the address asked for, which the asker knows.
        same = {"Content-Length", settings.EDITORIAL_SURROGATE_KEY_HEADER}
        assert {name: missing[name] for name in missing.headers if name not in same} == {
            name: gone[name] for name in gone.headers if name not in same
        }
        assert missing[settings.EDITORIAL_SURROGATE_KEY_HEADER].startswith(f"slug-{slug} ")


def test_a_missing_and_a_retracted_address_cost_the_same_queries(
    retracted, django_assert_num_queries
):
    """Both ask whether it is live, then whether it was withdrawn: nothing more."""
    with django_assert_num_queries(2):
        assert Client().get("/articles/no-such-answer/").status_code == 404
    with django_assert_num_queries(2):
        assert Client().get(f"/articles/{retracted.slug}/").status_code == 410


def test_a_reopened_retraction_stays_a_notice_until_approved_again(
    retracted, author, editor, member
):
    """Reopening as a draft shows nothing new; the next approval makes the address live."""
    url = f"/articles/{retracted.slug}/"
    reopened = article_reopen(article=retracted, by=editor)
    assert Client().get(url).status_code == 410

    article_submit(article=reopened, by=author)
    review(reopened, editor, member)
    response = Client().get(url)
    assert response.status_code == 200
    assert "Garlicky body text" in response.content.decode()


def test_retracted_answer_is_gone_from_search_sitemap_and_lists(retracted):
    """Search, the sitemap, the home page and the topic list no longer show it."""
    client = Client()
    for path in (
        reverse("articles:home"),
        reverse("articles:search") + "?q=PLOVER",
        reverse("articles:topic", kwargs={"slug": retracted.topic.slug}),
        "/sitemap.xml",
    ):
        body = client.get(path).content.decode()
        assert "plover eat" not in body, path
        assert retracted.slug not in body, path


def test_feed_carries_a_withdrawal_entry_under_the_article_id(retracted):
    """The feed's entry for the article becomes a withdrawal with the reason."""
    body = Client().get(reverse("articles:feed")).content.decode()

    assert "Withdrawn: Can a plover eat raw garlic?" in body
    assert REASON in body
    assert f"https://health.example.org/articles/{retracted.slug}/" in body
    assert "Garlicky" not in body
    assert body.count("<entry>") == 1


def test_corrections_log_lists_withdrawals_and_updates_newest_first(
    retracted, author, editor, member
):
    """A later correction of another answer comes first, each with its date and words."""
    other = ArticleFactory(author=author, title="Do herons need sunscreen?", body="Yes [1].")
    ReferenceFactory(article=other, position=1)
    other = publish(other, author, editor, member)
    other = revise(other, author, body="Mostly yes [1].", change_note="Softened the advice.")
    article_submit(article=other, by=author)
    review(other, editor, member)

    response = Client().get(reverse("articles:corrections"))
    html = response.content.decode()

    assert response.status_code == 200
    assert html.index("Do herons need sunscreen?") < html.index("Can a plover eat raw garlic?")
    assert "Softened the advice." in html
    assert REASON in html
    assert f'href="/articles/{retracted.slug}/"' in html
    # First publications are not corrections.
    assert "First published." not in html


def test_corrections_log_leaves_out_updates_of_a_retracted_answer(article, author, editor, member):
    """An answer corrected, then withdrawn, is listed as withdrawn only, with its last title."""
    live = publish(article, author, editor, member)
    live = revise(live, author, title="A corrected question?", change_note="Fixed a typo.")
    article_submit(article=live, by=author)
    live = review(live, editor, member)
    article_retract(article=live, by=editor, reason="Withdrawn after all.")

    html = Client().get(reverse("articles:corrections")).content.decode()

    assert "Withdrawn after all." in html
    assert "A corrected question?" in html
    assert "Fixed a typo." not in html


def test_corrections_log_shows_on_the_very_next_request(published, editor):
    """Cached before the retraction, the log lists it at once afterwards."""
    client = Client()
    assert (
        "Nothing has been corrected" in client.get(reverse("articles:corrections")).content.decode()
    )
    article_retract(article=published, by=editor, reason="Checked again: wrong.")
    assert "Checked again: wrong." in client.get(reverse("articles:corrections")).content.decode()
