"""Home, topics, search, feed, sitemap, board and policy: approved versions only."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import SitePage
from articles.public import views
from articles.public.search import fts_match, postgresql_ranked_ids, read_query
from articles.services import article_retract
from tests.factories import ArticleFactory, ReferenceFactory, TopicFactory
from tests.public.conftest import publish, revise

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def make(author, editor, member, *, title, body, topic=None, slug=None, summary=""):
    article = ArticleFactory(
        author=author,
        title=title,
        body=body,
        summary=summary,
        **({"topic": topic} if topic else {}),
        **({"slug": slug} if slug else {}),
    )
    ReferenceFactory(article=article)
    return publish(article, author, editor, member)


# --- Topics --------------------------------------------------------------------------------


def test_topic_page_lists_its_approved_articles(client, author, editor, member):
    skin = TopicFactory(name="Skin", slug="skin", description="Rashes, spots and sun.")
    published = make(author, editor, member, title="What are milia?", body="Spots [1].", topic=skin)
    ArticleFactory(author=author, topic=skin, title="A draft about skin?")

    response = client.get(reverse("articles:topic", kwargs={"slug": "skin"}))
    html = response.content.decode()

    assert response.status_code == 200
    assert "<h1>Skin</h1>" in html
    assert "Rashes, spots and sun." in html
    assert published.title in html
    assert "A draft about skin?" not in html


def test_topic_without_approved_articles_is_404(client, author):
    TopicFactory(name="Empty", slug="empty")
    ArticleFactory(author=author, topic__slug="empty")

    assert client.get(reverse("articles:topic", kwargs={"slug": "empty"})).status_code == 404


def test_topic_pages_are_paginated_newest_first(client, author, editor, member, monkeypatch):
    """Every approved article is one page away; the count is of them all, not of a page."""
    monkeypatch.setattr(views, "TOPIC_PAGE_SIZE", 2)
    skin = TopicFactory(name="Skin", slug="skin")
    titles = [f"Skin question {n}?" for n in range(3)]
    for title in titles:
        make(author, editor, member, title=title, body="Spots [1].", topic=skin)
    url = reverse("articles:topic", kwargs={"slug": "skin"})

    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    beyond = client.get(url, {"page": "99"})

    assert "3 reviewed articles" in first and "3 reviewed articles" in second
    assert titles[2] in first and titles[1] in first and titles[0] not in first
    assert titles[0] in second and titles[2] not in second
    assert 'rel="next" href="?page=2"' in first
    assert "Page 2 of 2" in second
    assert beyond.status_code == 200 and titles[0] in beyond.content.decode()


def test_page_links_carry_nothing_but_the_words_and_number(client, library, monkeypatch):
    """A cached page must not repeat the odd parameters of its first reader's address."""
    monkeypatch.setattr(views, "SEARCH_PAGE_SIZE", 1)
    html = search(client, q="fever", utm_source="x", evil="1").content.decode()

    assert 'href="?q=fever&amp;page=2"' in html
    assert "utm_source" not in html and "evil" not in html


def test_home_links_to_topic_pages(client, author, editor, member):
    make(author, editor, member, title="Q?", body="A [1].", topic=TopicFactory(slug="sleep"))

    assert 'href="/topics/sleep/"' in client.get("/").content.decode()


# --- Search --------------------------------------------------------------------------------


@pytest.fixture
def library(author, editor, member):
    fever = make(
        author,
        editor,
        member,
        title="How do I look after a child with a fever?",
        summary="Most fevers in children are caused by infections that clear up.",
        body="Keep the child drinking [1]. Paracetamol can ease discomfort.",
        slug="child-fever",
    )
    warts = make(
        author,
        editor,
        member,
        title="Duct tape or freezing for warts?",
        body="Freezing with liquid nitrogen is common [1]. A fever is not a side effect.",
        slug="warts",
    )
    draft = ArticleFactory(author=author, title="Unapproved fever article?", body="Fever [1].")
    return fever, warts, draft


def search(client, **params):
    return client.get(reverse("articles:search"), params)


def test_search_finds_approved_articles_only(client, library):
    fever, warts, draft = library

    html = search(client, q="fever").content.decode()

    assert fever.title in html
    assert warts.title in html
    assert draft.title not in html
    assert "2 articles match “fever”" in html


def test_search_ranks_title_matches_first(client, library):
    """A word in the title outranks the same word in the body, on either database."""
    fever, warts, _ = library

    html = search(client, q="fever").content.decode()

    assert html.index(fever.title) < html.index(warts.title)


def test_search_stems_words(client, library):
    """ "infection" finds "infections": both databases stem English words."""
    fever, _, _ = library
    html = search(client, q="freezing nitrogen").content.decode()
    assert "Duct tape or freezing for warts?" in html
    assert fever.title not in html
    assert fever.title in search(client, q="infection").content.decode()


@pytest.mark.parametrize(
    "query", ['"fever', "fever AND", "NEAR(fever", "title:fever", "fever*", "-fever", "(", "^"]
)
def test_search_reads_operators_as_plain_words(client, library, query):
    """Quotes, operators and column filters typed by a reader never break the search."""
    response = search(client, q=query)
    assert response.status_code == 200


def test_search_ranks_answers_matching_more_words_first(client, library):
    """Any of the words may match; the answer matching more of them comes first."""
    fever, warts, _ = library

    html = search(client, q="fever paracetamol").content.decode()

    assert fever.title in html and warts.title in html
    assert html.index(fever.title) < html.index(warts.title)


def test_retracted_articles_drop_out_of_search(client, library, editor):
    fever, _, _ = library
    article_retract(article=fever, by=editor, reason="Withdrawn study.")

    assert fever.title not in search(client, q="fever").content.decode()


def test_search_without_results_says_so(client, library):
    html = search(client, q="zebra").content.decode()

    assert "No reviewed article matches “zebra”" in html


def test_empty_search_shows_the_form(client, db):
    response = search(client, q="   ")

    assert response.status_code == 200
    assert "Type a question or a few words" in response.content.decode()


@pytest.mark.parametrize("page_param", ["2", "999", "abc", "-1", "0", "1.5", ""])
def test_search_pages_never_fail(client, author, editor, member, page_param):
    """Results are paginated; any page parameter gives a page, not an error."""
    for n in range(12):
        make(author, editor, member, title=f"Fever question {n}?", body=f"Fever answer {n} [1].")

    response = search(client, q="fever", page=page_param)
    html = response.content.decode()

    assert response.status_code == 200
    assert html.count('class="result"') in (10, 2)
    assert "Page " in html and " of 2" in html


def test_search_page_two_keeps_the_query(client, author, editor, member):
    for n in range(11):
        make(author, editor, member, title=f"Fever question {n}?", body="Fever [1].")

    html = search(client, q="fever").content.decode()

    assert 'href="?q=fever&amp;page=2"' in html


def test_search_query_is_escaped(client, db):
    html = search(client, q="<script>alert(1)</script>").content.decode()

    assert "<script>alert(1)</script>" not in html


def test_search_costs_a_count_and_a_page_then_one_query(client, library, django_assert_num_queries):
    """The first time, the live set's generation, the synonyms, a count, a page and
    the vocabulary; then the generation alone."""
    with django_assert_num_queries(5):
        assert search(client, q="fever").status_code == 200
    with django_assert_num_queries(1):
        assert search(client, q="fever").status_code == 200


# --- Feed and sitemap ---------------------------------------------------------------------------


def test_feed_is_atom_with_approved_articles(client, library, editor, author, member):
    fever, warts, _draft = library
    article_retract(article=warts, by=editor, reason="Outdated.")

    response = client.get(reverse("articles:feed"))
    root = ET.fromstring(response.content)

    assert response["Content-Type"].startswith("application/atom+xml")
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}title").text == "Test Health"
    entries = root.findall(f"{ATOM}entry")
    # The retracted article's entry now says it was withdrawn, newest first.
    assert [e.find(f"{ATOM}title").text for e in entries] == [
        f"Withdrawn: {warts.title}",
        fever.title,
    ]
    withdrawn = entries[0]
    assert "Outdated." in withdrawn.find(f"{ATOM}summary").text
    assert withdrawn.find(f"{ATOM}id").text.endswith(f"/articles/{warts.slug}/")
    entry = entries[1]
    assert entry.find(f"{ATOM}link").get("href").endswith(fever.get_absolute_url())
    assert entry.find(f"{ATOM}author/{ATOM}name").text == fever.live_version.author_name
    assert "Reviewed by" in entry.find(f"{ATOM}summary").text
    assert entry.find(f"{ATOM}category").get("term") == fever.topic.name


def test_feed_keeps_first_publication_and_shows_the_update(client, library, author, editor, member):
    fever, _, _ = library
    first = fever.live_version.approved_at
    article = revise(fever, author, body="Updated fever advice [1].")
    article = publish(article, author, editor, member)

    root = ET.fromstring(client.get(reverse("articles:feed")).content)
    entry = next(
        e for e in root.findall(f"{ATOM}entry") if e.find(f"{ATOM}title").text == fever.title
    )

    assert entry.find(f"{ATOM}published").text.startswith(first.strftime("%Y-%m-%dT%H:%M"))
    assert entry.find(f"{ATOM}updated").text.startswith(
        article.live_version.approved_at.strftime("%Y-%m-%dT%H:%M")
    )


def test_sitemap_lists_approved_articles_and_pages_only(client, library):
    fever, warts, draft = library

    response = client.get("/sitemap.xml")
    root = ET.fromstring(response.content)
    locations = [url.find(f"{SITEMAP}loc").text for url in root.findall(f"{SITEMAP}url")]

    assert response.status_code == 200
    assert any(loc.endswith(fever.get_absolute_url()) for loc in locations)
    assert any(loc.endswith(warts.get_absolute_url()) for loc in locations)
    assert not any(draft.slug in loc for loc in locations)
    for path in ("/advisory-board/", "/editorial-policy/", f"/topics/{fever.topic.slug}/"):
        assert any(loc.endswith(path) for loc in locations)
    article_entry = next(
        url for url in root.findall(f"{SITEMAP}url") if fever.slug in url.find(f"{SITEMAP}loc").text
    )
    assert article_entry.find(f"{SITEMAP}lastmod").text == (
        fever.live_version.approved_at.date().isoformat()
    )


# --- Editorial policy -------------------------------------------------------------------------


def test_policy_falls_back_to_the_built_in_text(client, db):
    html = client.get(reverse("articles:editorial_policy")).content.decode()

    assert "Authors never review their own work" in html
    assert "The rules in force today" in html


def test_policy_shows_the_editors_page_when_there_is_one(client, db, settings):
    """An editor's page replaces the text; the rules in force still come from settings."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    SitePage.objects.create(
        slug="editorial-policy",
        title="How we work",
        body="Our physicians check **everything**.\n\n<script>alert(1)</script>",
    )

    html = client.get(reverse("articles:editorial_policy")).content.decode()

    assert '<h1 id="policy-title">How we work</h1>' in html
    assert "<strong>everything</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert "Authors never review their own work" not in html
    assert "at least two different board members" in html


def test_editors_can_edit_the_policy_page_with_history(client, editor):
    client.force_login(editor)

    add = client.get(reverse("admin:articles_sitepage_add")).content.decode()
    response = client.post(
        reverse("admin:articles_sitepage_add"),
        {"title": "Editorial policy", "slug": "editorial-policy", "body": "Version one."},
    )

    assert 'value="editorial-policy"' in add
    assert response.status_code == 302
    page = SitePage.objects.get(slug="editorial-policy")
    assert page.history.first().history_user == editor


# --- Errors ------------------------------------------------------------------------------------


def test_unknown_address_gets_the_friendly_404(client, db):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "We can't find that page" in response.content.decode()
    assert 'role="search"' in response.content.decode()


def test_search_reads_the_fts5_index_once_per_query_on_sqlite(client, library):
    """On SQLite the search reads the FTS5 table that triggers keep up to date,
    once per query, never again for each matching row: a common word matches
    thousands of versions, and an index query per row took minutes at 100,000
    articles."""
    if connection.vendor != "sqlite":
        pytest.skip("the FTS5 index exists on SQLite only")
    with CaptureQueriesContext(connection) as captured:
        assert "2 articles match" in search(client, q="fever").content.decode()

    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute(f"EXPLAIN QUERY PLAN {query['sql']}")
            plans.append([row[-1] for row in cursor.fetchall()])
    index_reads = [step for plan in plans for step in plan if "VIRTUAL TABLE" in step]
    assert index_reads, plans
    assert not any("CORRELATED" in step for plan in plans for step in plan), plans
    assert all(sum("VIRTUAL TABLE" in step for step in plan) <= 1 for plan in plans), plans


def test_search_matches_short_words_whole_on_sqlite():
    """Words of one or two letters are not prefixes: "a" would stand for every
    word that starts with it."""
    assert fts_match("a IV treating") == '"iv" OR "treating"*'


def test_search_uses_the_gin_index_on_postgresql(db):
    """The query's document is the indexed expression, so PostgreSQL can use the index."""
    if connection.vendor != "postgresql":
        pytest.skip("the index exists on PostgreSQL only")
    with connection.cursor() as cursor:
        # Leave the planner only bitmap scans, the way a GIN index is read: on
        # a tiny test table a plain scan would otherwise always be cheaper.
        for scan in ("seqscan", "indexscan", "indexonlyscan"):
            cursor.execute(f"SET LOCAL enable_{scan} = off")
    plan = postgresql_ranked_ids(read_query("fever child")).explain()

    assert "published_version_search_document" in plan


def test_search_ranks_from_the_stored_document_on_postgresql(db):
    """Ranking reads the stored document: computing it again from both answers
    for each match made a common word cost half a second at 100,000 articles."""
    if connection.vendor != "postgresql":
        pytest.skip("the stored document exists on PostgreSQL only")
    plan = postgresql_ranked_ids(read_query("fever child")).explain(verbose=True)

    assert "search_document" in plan
    assert "to_tsvector" not in plan


def test_a_search_ranks_and_counts_its_matches_in_one_query(client, published):
    """The ranked ids are the count too: no second pass over every match's
    document to count them (a question of everyday words matches half a large
    archive), on either database."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("articles:search") + "?q=when+does+treatment+help")

    statements = [q["sql"] or "" for q in captured]
    ranking = [sql for sql in statements if "ts_rank" in sql or "bm25" in sql]
    assert response.status_code == 200
    assert "1 article matches" in response.content.decode()
    assert len(ranking) == 1
    assert not any("COUNT(" in sql.upper() for sql in statements)


def test_search_document_stays_in_the_row_on_postgresql(db):
    """The document is compressed in its row, not moved out with the long answers:
    fetching it back from TOAST for every match made a question with a common
    word take over a second at 100,000 articles (migration 0015)."""
    if connection.vendor != "postgresql":
        pytest.skip("the stored document exists on PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attstorage FROM pg_attribute "
            "WHERE attrelid = 'articles_publishedversion'::regclass "
            "AND attname IN ('search_document', 'body_html')"
        )
        storage = dict(cursor.fetchall())

    # m: compressed in place, moved out only as a last resort; x: moved out first.
    assert storage == {"search_document": "m", "body_html": "x"}


def test_an_expired_form_gets_a_friendly_page(published):
    """A post without a valid token explains what to do instead of a bare 403."""
    response = Client(enforce_csrf_checks=True).post(
        reverse("articles:set_audience"), {"audience": "patient", "next": "/"}
    )

    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


def test_board_page_shows_certification_and_a_checked_licence_only(client, member, second_member):
    """Readers see a member's certification and licence region while the licence is current."""
    member.board_certification = "Board-certified in dermatology"
    member.licence_region = "Ontario"
    member.licence_verified_on = datetime.date(2026, 9, 1)
    member.licence_expires_on = datetime.date(2030, 1, 1)
    member.save()
    second_member.licence_region = "Bavaria"
    second_member.licence_verified_on = datetime.date(2020, 1, 1)
    second_member.licence_expires_on = datetime.date(2021, 1, 1)
    second_member.save()

    html = client.get("/advisory-board/").content.decode()

    assert "Board-certified in dermatology" in html
    assert "Licensed to practise in Ontario" in html
    assert "Bavaria" not in html


def test_search_with_an_unknown_word_costs_one_query_more(
    client, library, django_assert_num_queries
):
    """Only a word no answer uses is compared with the vocabulary; cached, one query again."""
    with django_assert_num_queries(6):
        html = search(client, q="fevr").content.decode()
    assert "Did you mean" in html and "<strong>fever</strong>" in html
    with django_assert_num_queries(1):
        assert search(client, q="fevr").status_code == 200


def test_board_page_marks_a_lapsed_licence_and_links_approved_answers(
    client, library, member, second_member
):
    """A member whose licence lapsed is marked as not reviewing; each member links to the
    live answers they approved."""
    second_member.licence_expires_on = datetime.date(2020, 1, 1)
    second_member.save()
    fever, _, _ = library

    html = client.get(reverse("articles:advisory_board")).content.decode()
    lapsed = html.split(f'id="member-{second_member.pk}"')[1].split("</li>\n")[0]
    current = html.split(f'id="member-{member.pk}"')[1].split('class="member__since"')[0]

    assert "Not reviewing at present." in lapsed
    assert "Licensed to practise" not in lapsed
    assert "Answers they recently approved" in current
    assert f'href="/articles/{fever.slug}/"' in current


def test_feed_link_opens_a_readable_page_in_a_browser(client, library):
    """A browser asking for HTML gets a page explaining the feed; feed readers get Atom."""
    fever, _, _ = library
    url = reverse("articles:feed")

    page = client.get(url, headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    atom = client.get(url, headers={"accept": "application/atom+xml"})

    assert page["Content-Type"].startswith("text/html")
    assert "Follow newly reviewed answers" in page.content.decode()
    assert fever.title in page.content.decode()
    assert atom["Content-Type"].startswith("application/atom+xml")
    assert "Accept" in page["Vary"] and "Accept" in atom["Vary"]
