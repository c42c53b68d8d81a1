"""The reader's article page: every element, built from published versions only."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.choices import TextOrigin
from articles.models import Article, PublishedVersion
from articles.services import article_start_rereview, article_submit
from tests.factories import ArticleFactory, ReferenceFactory
from tests.public.conftest import publish, review, revise
from tests.reviewers.helpers import assign_accepted

pytestmark = pytest.mark.django_db


def page(client, article, **extra):
    return client.get(reverse("articles:detail", kwargs={"slug": article.slug}), **extra)


def answer(response) -> str:
    match = re.search(
        r'<div class="article__body prose" id="answer">(.*?)</div>', response.content.decode(), re.S
    )
    assert match, "the answer is missing"
    return match.group(1)


def jsonld(response) -> dict:
    match = re.search(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    assert match, "the JSON-LD block is missing"
    return json.loads(match.group(1))


# --- Citations ----------------------------------------------------------------------------


def test_citation_markers_link_to_references_and_back(client, published):
    """Each marker links to its reference, and the reference links back to the marker."""
    html = page(client, published).content.decode()

    assert '<a href="#ref-1" id="cite-1-1">1</a>' in html
    assert '<a href="#ref-2" id="cite-2-1">2</a>' in html
    assert '<li id="ref-1" value="1">' in html
    assert 'href="#cite-1-1" aria-label="Back to citation 1 in the text (1)"' in html


def test_a_reference_cited_twice_links_back_to_both_places(client, author, editor, member):
    """Two markers citing one source give two numbered ways back."""
    article = ArticleFactory(author=author, body="First claim [1]. Second claim [1].")
    ReferenceFactory(article=article)
    publish(article, author, editor, member)

    html = page(client, article).content.decode()

    assert 'id="cite-1-1"' in html and 'id="cite-1-2"' in html
    assert 'href="#cite-1-1"' in html and 'href="#cite-1-2"' in html


def test_references_show_authors_journal_year_and_links(client, author, editor, member):
    """A reference shows who, what, where, when, and its PubMed and DOI links."""
    article = ArticleFactory(author=author, body="Claim [1].")
    ReferenceFactory(
        article=article,
        authors="Berk DR, Bayliss SJ",
        title="Milia: a review and classification",
        journal="J Am Acad Dermatol",
        year=2008,
        pmid="18486986",
        doi="10.1016/j.jaad.2008.03.002",
    )
    publish(article, author, editor, member)

    html = page(client, article).content.decode()

    assert "Berk DR, Bayliss SJ." in html
    assert '<cite class="ref__title">Milia: a review and classification</cite>' in html
    assert "J Am Acad Dermatol" in html and "2008" in html
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/18486986/"' in html
    assert 'href="https://doi.org/10.1016/j.jaad.2008.03.002"' in html


# --- Board banner, tracker, dates -----------------------------------------------------------


def test_banner_names_the_members_whose_approval_published_this_version(
    client, article, author, editor, member, second_member
):
    """The banner lists the approving member, linked to the board page; not other members."""
    publish(article, author, editor, member)

    html = page(client, article).content.decode()
    banner = html.split('class="trust-banner"')[1].split("</aside>")[0]

    assert f'href="/advisory-board/#member-{member.pk}"' in banner
    assert member.name in banner and "MD, FAAD" in banner and "Dermatology" in banner
    assert second_member.name not in banner


def test_tracker_dates_each_step_of_this_version(client, published):
    """Submitted, Under Review and Approved each carry their own date."""
    version = published.live_version
    html = page(client, published).content.decode()
    tracker = html.split('class="tracker"')[1].split("</section>")[0]

    for label, moment in (
        ("Submitted", version.submitted_at),
        ("Under Review", version.review_started_at),
        ("Approved", version.approved_at),
    ):
        assert label in tracker
        assert f'datetime="{moment.isoformat()}"' in tracker


def test_dates_show_last_reviewed_updated_and_next_review(client, published):
    """The trust line says when the answer was last updated, once; the review
    details give the other dates, with a link to the editorial policy."""
    version = published.live_version
    html = page(client, published).content.decode()
    dates = html.split('<dl class="dates"')[1].split("</dl>")[0]
    trust_line = html.split('<p class="trust-line">')[1].split("</p>")[0]

    assert "Last reviewed" in dates
    assert f'datetime="{version.last_reviewed.isoformat()}"' in dates
    assert html.count("Last updated") == 1
    assert "Last updated" in trust_line
    assert f'datetime="{version.approved_at.isoformat()}"' in trust_line
    assert "Next review due" in dates
    assert f'datetime="{version.next_review_due.isoformat()}"' in dates
    assert 'href="/editorial-policy/"' in dates
    assert "overdue" not in dates


def test_overdue_review_is_announced(client, published, monkeypatch):
    """Once the next review date has passed, the page says the review is overdue."""
    due = published.live_version.next_review_due
    later = timezone.now() + (due - timezone.localdate()) + datetime.timedelta(days=2)
    monkeypatch.setattr(timezone, "now", lambda: later)

    html = page(client, published).content.decode()

    assert "This article is due for review." in html
    assert '<span class="dates__flag">overdue</span>' in html


# --- Update under review ----------------------------------------------------------------------


def test_update_under_review_is_noted_without_its_text(client, published, author, editor, member):
    """A revision with the board makes a quiet note appear; none of its words show."""
    article = revise(
        published,
        author,
        title="A question nobody has approved?",
        summary="An unapproved summary.",
        body="An unapproved answer [1].",
        plain_body="An unapproved plain answer [1].",
        change_note="An unapproved change note.",
    )
    article_submit(article=article, by=author)
    assign_accepted(article=article, reviewer=member, by=editor)

    for audience in ("patient", "professional"):
        client.cookies["audience"] = audience
        html = page(client, published).content.decode()
        assert "An update to this article is being reviewed" in html
        for draft_text in ("A question nobody has approved", "unapproved"):
            assert draft_text not in html


def test_a_revision_still_in_draft_shows_no_note(client, published, author):
    """A revision that has not been submitted is not "under review"."""
    revise(published, author, body="Work in progress [1].")

    html = page(client, published).content.decode()

    assert "An update to this article is being reviewed" not in html
    assert "Work in progress" not in html


def test_approved_article_shows_no_update_note(client, published):
    """With nothing newer in the workflow, there is no note."""
    assert "An update to this article" not in page(client, published).content.decode()


# --- Audience ------------------------------------------------------------------------------------


@pytest.fixture
def two_wordings(article, author, editor, member):
    article.body = "Clinical text: first-line therapy is topical [1]. Evidence is limited [2]."
    article.plain_body = "Plain words: most spots go away by themselves [1]."
    article.save()
    return publish(article, author, editor, member)


def test_patients_read_the_plain_language_text(client, two_wordings):
    """A patient (also the default) gets the plain text and the educational disclaimer."""
    for cookie in (None, "patient", "nonsense"):
        if cookie:
            client.cookies["audience"] = cookie
        response = page(client, two_wordings)
        html = response.content.decode()
        assert "Plain words" in answer(response)
        assert "Clinical text" not in html
        assert "for education only" in html
        assert "Professional medical disclaimer" not in html


def test_professionals_read_the_professional_text(client, two_wordings):
    """A professional gets the main text and the professional disclaimer."""
    client.cookies["audience"] = "professional"
    response = page(client, two_wordings)
    html = response.content.decode()

    assert "Clinical text" in answer(response)
    assert "Plain words" not in html
    assert "Professional medical disclaimer" in html
    assert "clinical judgement" in html
    assert 'value="professional" class="audience__choice" aria-pressed="true"' in html


@pytest.mark.parametrize("cookie", [None, "patient", "professional"])
def test_single_text_answer_says_so_and_offers_no_choice(client, published, cookie):
    """With one approved text, every reader is told it is the one text for all
    readers; no chooser, and nothing claims a text written for them."""
    if cookie:
        client.cookies["audience"] = cookie
    response = page(client, published)
    html = response.content.decode()

    assert "Most cases clear on their own" in answer(response)
    assert "One text for all readers" in html
    assert 'action="/audience/"' not in html
    assert "You chose" not in html
    assert "You are reading the text" not in html


def test_first_visit_claims_no_choice(client, two_wordings):
    """A reader who chose nothing is told which text this is, not that they chose it."""
    html = page(client, two_wordings).content.decode()
    status = html.split('class="audience__status"')[1].split("</p>")[0]

    assert "This is the text in everyday language for patients and carers." in status
    assert "You" not in status
    assert 'aria-pressed="true"' not in html


def test_chosen_audience_is_confirmed(client, two_wordings):
    client.cookies["audience"] = "patient"
    html = page(client, two_wordings).content.decode()

    assert "You are reading the text in everyday language for patients and carers." in html
    assert 'value="patient" class="audience__choice" aria-pressed="true"' in html


def test_audience_choice_sets_a_cookie_and_returns(client, published):
    """Posting the chooser sets a long-lived cookie and goes back to the article."""
    url = published.get_absolute_url()
    response = client.post(
        reverse("articles:set_audience"),
        {"audience": "professional", "next": f"{url}#audience"},
    )

    assert response.status_code == 302
    assert response.url == f"{url}#audience"
    cookie = response.cookies["audience"]
    assert cookie.value == "professional"
    assert int(cookie["max-age"]) >= 30 * 24 * 3600
    assert cookie["samesite"] == "Lax"
    assert "Professional medical disclaimer" in page(client, published).content.decode()


def test_audience_switch_also_works_by_get(client, published):
    """A plain link or GET form can switch too (no JavaScript, no token needed)."""
    response = client.get(
        reverse("articles:set_audience"),
        {"audience": "patient", "next": published.get_absolute_url()},
    )

    assert response.status_code == 302
    assert response.cookies["audience"].value == "patient"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example.com/", "//evil.example.com/x", "javascript:alert(1)", "", "\\\\evil"],
)
def test_audience_switch_refuses_to_leave_the_site(client, db, target):
    """An outside or malformed return address sends the reader home instead."""
    response = client.post(
        reverse("articles:set_audience"), {"audience": "patient", "next": target}
    )

    assert response.status_code == 302
    assert response.url == "/"


def test_unknown_audience_sets_no_cookie(client, db):
    response = client.post(reverse("articles:set_audience"), {"audience": "robot", "next": "/"})

    assert response.status_code == 302
    assert "audience" not in response.cookies


def test_chooser_is_a_plain_get_form(client, two_wordings):
    """The chooser sends the choice and the page to return to; the page holds no token."""
    html = page(client, two_wordings).content.decode()
    chooser = html.split('id="audience"')[1].split("</form>")[0]

    assert 'method="get" action="/audience/"' in chooser
    assert "csrfmiddlewaretoken" not in html
    assert f'name="next" value="{two_wordings.get_absolute_url()}#audience"' in chooser
    assert "Which best describes you?" in chooser


# --- Origin and change log ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "statement"),
    [
        (TextOrigin.HUMAN, "wrote this article without AI writing tools"),
        (TextOrigin.AI_ASSISTED, "used AI tools along the way"),
        (TextOrigin.AI_GENERATED, "An AI tool produced the first draft"),
    ],
)
def test_origin_is_stated_beside_the_human_review(
    client, article, author, editor, member, origin, statement
):
    """How the text was made is stated, next to the physicians' approval."""
    article.origin = origin
    article.save()
    publish(article, author, editor, member)

    html = page(client, article).content.decode()
    provenance = html.split('class="provenance"')[1].split("</section>")[0]

    assert str(origin.label) in provenance
    assert statement in provenance
    assert "approved by 1 physician of our Medical Advisory Board" in provenance


def test_change_log_lists_every_version_with_its_note(client, published, author, editor, member):
    """Corrections and re-reviews each add a dated line with their note."""
    article = revise(
        published, author, body="Corrected answer [1]. Still [2].", change_note="Fixed a dose."
    )
    article = publish(article, author, editor, member)
    article_start_rereview(article=article, by=editor)
    review(Article.objects.get(pk=article.pk), editor, member)

    html = page(client, published).content.decode()
    log = html.split('class="changelog"')[1].split("</section>")[0]

    assert log.count('class="changelog__entry') == 3
    assert log.index("Version 3") < log.index("Version 2") < log.index("Version 1")
    assert "Re-reviewed by the board; the text did not change." in log
    assert "Fixed a dose." in log
    assert "First published." in log
    assert log.count("the version you are reading") == 1


# --- Metadata --------------------------------------------------------------------------------


def test_json_ld_describes_a_reviewed_medical_web_page(client, article, author, editor, member):
    """The MedicalWebPage carries lastReviewed, reviewedBy, audiences and the citations."""
    ReferenceFactory(article=article, position=3, pmid="", doi="10.1000/xyz123")
    article.body += " See also [3]."
    article.save()
    publish(article, author, editor, member)
    version = Article.objects.get(pk=article.pk).live_version

    data = jsonld(page(client, article))

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "MedicalWebPage"
    assert data["url"] == f"https://health.example.org/articles/{article.slug}/"
    assert data["name"] == version.title
    assert data["lastReviewed"] == version.last_reviewed.isoformat()
    assert data["dateModified"] == version.approved_at.isoformat()
    assert data["reviewedBy"] == [
        {
            "@type": "Person",
            "name": member.name,
            "url": f"https://health.example.org/advisory-board/#member-{member.pk}",
            "honorificSuffix": "MD, FAAD",
            "knowsAbout": ["Dermatology"],
        }
    ]
    audiences = {item["audienceType"] for item in data["medicalAudience"]}
    assert audiences == {"Patient", "Clinician"}
    assert [c["name"] for c in data["citation"]] == [r["title"] for r in version.references]
    assert data["citation"][0]["identifier"][0] == {
        "@type": "PropertyValue",
        "propertyID": "PMID",
        "value": version.references[0]["pmid"],
    }
    assert data["citation"][2]["url"] == "https://doi.org/10.1000/xyz123"


def test_json_ld_cannot_be_broken_out_of(client, author, editor, member):
    """A title with a closing script tag stays inside the JSON."""
    article = ArticleFactory(author=author, title="Is </script><b>x</b> safe?", body="Yes [1].")
    ReferenceFactory(article=article)
    publish(article, author, editor, member)

    response = page(client, article)

    assert "</script><b>" not in response.content.decode()
    assert jsonld(response)["name"] == "Is </script><b>x</b> safe?"


def test_canonical_description_and_open_graph(client, published):
    html = page(client, published).content.decode()
    url = f"https://health.example.org{published.get_absolute_url()}"

    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta name="description" content="{published.summary}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert f'<meta property="og:title" content="{published.title}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:site_name" content="Test Health">' in html


# --- Speed ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 12])
def test_article_page_costs_at_most_four_queries(
    client, author, editor, member, second_member, django_assert_max_num_queries, size, settings
):
    """References, reviewers and versions do not add queries: live facts, the
    version, its change log and the related answers."""
    article = ArticleFactory(author=author, body="Claim [1].")
    for _ in range(size):
        ReferenceFactory(article=article)
    members = [member, second_member][: min(size, 2)]
    settings.EDITORIAL_REQUIRED_APPROVALS = len(members)
    for _ in range(1 if size == 1 else 4):
        article = Article.objects.get(pk=article.pk)
        if article.live_version_id:
            article = revise(article, author, body=f"Claim [1], v{article.live_version.number}.")
        article_submit(article=article, by=author)
        for board_member in members:
            review(article, editor, board_member)

    with django_assert_max_num_queries(4) as captured:
        response = page(client, article)
    with django_assert_max_num_queries(1):
        again = page(client, article)  # rendered once, then served from the cache

    assert response.status_code == again.status_code == 200
    assert len(captured) == 4
    assert f'id="ref-{size}"' in response.content.decode()
    assert f'id="ref-{size}"' in again.content.decode()


def test_article_page_answers_conditional_get_with_304(
    client, published, django_assert_num_queries
):
    """A browser revalidating its copy gets 304 at the cost of one query."""
    first = page(client, published)
    assert first.status_code == 200
    assert first["ETag"] and first["Last-Modified"]
    assert "Cookie" in first["Vary"]

    with django_assert_num_queries(1):
        again = page(client, published, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again.content == b""


def test_conditional_get_by_date_gives_304(client, published):
    first = page(client, published)

    again = page(client, published, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert again.status_code == 304


@pytest.mark.parametrize("change", ["audience", "update", "new_version"])
def test_etag_changes_when_the_page_would(client, published, author, editor, member, change):
    """A new audience, an update under review or a new version each give a fresh page."""
    first = page(client, published)
    if change == "audience":
        client.cookies["audience"] = "professional"
    elif change == "update":
        article = revise(published, author, body="Newer [1].")
        article_submit(article=article, by=author)
    else:
        article = revise(published, author, body="Newer [1] text [2].")
        publish(article, author, editor, member)

    again = page(client, published, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]


def test_superseded_versions_are_not_served(client, published, author, editor, member):
    """After a new approval only the new text is public, and only one version is live."""
    article = revise(published, author, body="The second answer [1].")
    publish(article, author, editor, member)

    response = page(client, published)

    assert "The second answer" in answer(response)
    assert "Most cases clear on their own" not in response.content.decode()
    assert PublishedVersion.objects.filter(article=published, live_for__isnull=False).count() == 1
