"""Search answers questions as readers type them, on SQLite and PostgreSQL alike.

The table below is what readers typed into the demo: natural questions,
brand names and everyday words the editors' synonyms map, misspellings
that get a "did you mean", quoted phrases, questions of common words only,
and input meant to break things. Each row names the answers that must come
in the first three.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from articles.models import PublishedVersion, SearchSynonym
from articles.public import search
from bench.archive import Builder

pytestmark = pytest.mark.django_db

MILIA = "milia-treatment-options"
STATINS = "statins-and-muscle-pain"
THROAT = "antibiotics-for-sore-throat"
WARTS = "warts-duct-tape-or-freezing"
FEVER = "looking-after-a-child-with-a-fever"
HONEY = "honey-for-childrens-cough"

# (what the reader typed, answers that must be among the first three)
READER_QUERIES = [
    ("how do I treat milia", {MILIA}),
    ("can I squeeze milia", {MILIA}),
    ("milia my baby", {MILIA}),
    ("what are milk spots", {MILIA}),
    ("do statins cause muscle pain", {STATINS}),
    ("my legs ache since starting cholesterol tablets", {STATINS}),
    ("myalgia", {STATINS}),
    ("lipitor", {STATINS}),
    ("do I need antibiotics for tonsillitis", {THROAT}),
    ("strep throat", {THROAT}),
    ("pharyngitis", {THROAT}),
    ("how to get rid of a verruca", {WARTS}),
    ("duct tape", {WARTS}),
    ('"duct tape"', {WARTS}),
    ("freezing a wart", {WARTS}),
    ("tylenol", {FEVER, THROAT}),
    ("acetaminophen", {FEVER}),
    ("calpol for a temperature", {FEVER}),
    ("nurofen", {FEVER}),
    ("advil", {FEVER}),
    ("kids", {FEVER, HONEY}),
    ("feverish", {FEVER}),
    ("my toddler is febrile what do I do", {FEVER}),
    ("is honey ok for an infant", {HONEY}),
    ("cough syrup for children", {HONEY}),
    ("cough medicine", {HONEY}),
    ("honey", {HONEY}),
    ("newborn baby spots", {MILIA}),
    ("Can I give my child's cough honey?", {HONEY}),
    ("HONEY COUGH", {HONEY}),
]

# (misspelt query, the corrected query it suggests, answer the correction finds)
MISSPELLINGS = [
    ("mila", "milia", MILIA),
    ("statns", "statins", STATINS),
    ("how to treat warst", "how to treat warts", WARTS),
    ("hony cough", "honey cough", HONEY),
    ("antibiotcs", "antibiotics", THROAT),
]

STOP_WORDS_ONLY = ["how do I", "what is it", "can you", "the", "and or not"]

HOSTILE = [
    '"',
    '""',
    '"unclosed phrase',
    "NEAR(milia",
    "milia AND OR NOT",
    "title:milia",
    "milia*",
    "-milia",
    "^",
    "(((",
    "'; DROP TABLE articles_article; --",
    "%_%",
    "\\",
    "milia " * 80,
    "\x00milia",
    "<script>alert(1)</script>",
    "\ufb01 \uff2d\uff29\uff2c\uff29\uff21",  # a ligature and full-width letters
    "🤒 fever",
    "a" * 200,
    "&",
    "|",
    "!",
    ":*",
]


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())


def search_page(client, query: str):
    return client.get(reverse("articles:search"), {"q": query})


def top_slugs(html: str, count: int = 3) -> list[str]:
    return re.findall(r'class="result__title"><a href="/articles/([^/]+)/"', html)[:count]


# The demo is seeded once per test below (seconds each): the tables are read
# in a loop, and every row that fails is reported together.


def test_reader_questions_find_their_answers_in_the_top_three(client, demo):
    """A question as a reader types it brings the answers that answer it into the first three."""
    failures = []
    for query, expected in READER_QUERIES:
        response = search_page(client, query)
        assert response.status_code == 200, query
        found = top_slugs(response.content.decode())
        if not expected <= set(found):
            failures.append((query, sorted(expected), found))
    assert not failures


def test_misspellings_get_a_did_you_mean_link_that_finds_the_answer(client, demo):
    """An unknown word gets the closest word of the live answers, as a link to that search."""
    failures = []
    for query, corrected, slug in MISSPELLINGS:
        html = search_page(client, query).content.decode()
        link = re.search(r'Did you mean <a href="\?q=([^"]+)"', html)
        suggested = link.group(1).replace("%20", " ") if link else None
        if suggested != corrected:
            failures.append((query, corrected, suggested))
        elif slug not in top_slugs(search_page(client, suggested).content.decode()):
            failures.append((query, suggested, "does not find", slug))
    assert not failures


def test_known_words_get_no_suggestion(client, demo):
    assert "Did you mean" not in search_page(client, "honey cough").content.decode()


def test_questions_of_common_words_only_get_a_helpful_page(client, demo):
    """Nothing to search for: the page says why and offers topics and the newest questions."""
    for query in STOP_WORDS_ONLY:
        response = search_page(client, query)
        html = response.content.decode()

        assert response.status_code == 200, query
        assert "too common to search for" in html, query
        assert "Browse by topic" in html and 'href="/topics/childrens-health/"' in html
        assert "Newest reviewed questions" in html and f"/articles/{HONEY}/" in html


def test_no_result_page_offers_topics_newest_questions_and_a_suggestion(client, demo):
    html = search_page(client, "mila").content.decode()

    assert "No reviewed article matches “mila”" in html
    assert 'Did you mean <a href="?q=milia"><strong>milia</strong></a>?' in html
    assert "Browse by topic" in html
    assert "Newest reviewed questions" in html


def test_quoted_phrase_must_appear_as_written(client, demo):
    """A quoted "sore throat" finds its answer; the words reversed, quoted, find nothing."""
    assert THROAT in top_slugs(search_page(client, '"sore throat"').content.decode())
    assert top_slugs(search_page(client, '"throat sore"').content.decode()) == []


def test_phrase_is_required_and_other_words_are_not(client, demo):
    """With a quoted phrase, answers must hold the phrase; the other words only rank them."""
    slugs = top_slugs(
        search_page(client, '"paracetamol or ibuprofen" honey milia').content.decode()
    )

    assert set(slugs) == {FEVER, THROAT}


def test_matched_words_are_highlighted_in_snippets(client, demo):
    html = search_page(client, "harmless keratin").content.decode()

    assert "<mark>harmless</mark>" in html
    assert "<mark>keratin</mark>" in html


def test_hostile_search_never_fails(client, demo):
    """Operators, quotes, SQL, control characters and floods give a page, never an error."""
    for query in HOSTILE:
        response = search_page(client, query)
        assert response.status_code == 200, query
        assert "<script>alert(1)</script>" not in response.content.decode()
    # Each of them once more, from the cache.
    for query in HOSTILE:
        assert search_page(client, query).status_code == 200, query


def test_an_editors_new_synonym_works_on_the_next_search(client, demo):
    """A synonym saved in the back office applies at once: nothing is re-indexed, no cached
    search page outlives it."""
    assert top_slugs(search_page(client, "zits").content.decode()) == []

    SearchSynonym.objects.create(words="zits, spots", term="milia")

    assert MILIA in top_slugs(search_page(client, "zits").content.decode())


def test_seeded_synonyms_cover_the_issue_examples(db):
    """The data migration seeds the synonyms readers were seen to need."""
    table = search.synonym_table("test")

    assert ("paracetamol",) in table[("tylenol",)]
    assert ("paracetamol",) in table[("acetaminophen",)]
    assert ("children",) in table[("kids",)]
    assert ("fever",) in table[("feverish",)]


def test_read_query_drops_stop_words_and_keeps_phrases():
    read = search.read_query('how do I treat "milk spots" on my baby')

    assert [g.words for g in read.groups] == [("treat",), ("milk", "spots"), ("baby",)]
    assert [g.required for g in read.groups] == [False, True, False]
    assert set(read.ignored) >= {"how", "do", "i", "on", "my"}


def test_search_of_an_archive_finds_questions_asked_in_other_words(client, db):
    """In a 1,000-article archive, a reader's rewording of a live question finds it in the
    first three; a misspelt condition gets the right suggestion."""
    Builder(articles=1000, seed=11).build()
    live = list(
        PublishedVersion.objects.filter(live_for__isnull=False)
        .exclude(title__icontains=" in ")
        .order_by("id")
        .values_list("slug", "title")[:6]
    )
    assert live
    for slug, title in live:
        question = title.rstrip("?").lower()
        found = top_slugs(search_page(client, question).content.decode())
        assert slug in found, (question, found)

        condition = max(re.findall(r"[a-z]+", question), key=len)
        misspelt = condition[:2] + condition[3:]
        html = search_page(client, misspelt).content.decode()
        assert f"<strong>{condition}</strong>" in html, (misspelt, condition)

    stop_only = search_page(client, "what is the").content.decode()
    assert "too common to search for" in stop_only
