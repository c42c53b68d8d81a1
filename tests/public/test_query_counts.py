"""Every public page costs the same few queries, whatever the size of the archive.

The first request renders (a handful of queries); every later one is the
cache's: one query saying what is live, two for a topic (its description
too). Both are measured with one and with several live articles, so a query
per article or per reference would show.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import ArticleFactory, ReferenceFactory, TopicFactory
from tests.public.conftest import publish

pytestmark = pytest.mark.django_db

# Queries of a request answered from the cache.
CACHED = {"article": 1, "home": 1, "topic": 2, "search": 1, "feed": 1, "corrections": 1}
# At most, the first time (rendering included). An article lists its topic's
# related answers (one query); a search reads the editors' synonyms and looks
# the reader's words up in the answers' vocabulary for "did you mean" (two);
# the feed reads the retractions it announces (one).
FIRST = {"article": 4, "home": 2, "topic": 4, "search": 5, "feed": 3, "corrections": 3}


@pytest.fixture(params=[1, 4], ids=["one-article", "four-articles"])
def archive(request, author, editor, member):
    topic = TopicFactory()
    articles = []
    for number in range(request.param):
        article = ArticleFactory(
            author=author,
            topic=topic,
            title=f"Does question {number} about gannets have an answer?",
            body="Gannets dive [1] and the reference says so [2].",
        )
        for _ in range(2 + 9 * number):
            ReferenceFactory(article=article)
        articles.append(publish(article, author, editor, member))
    return articles


def _paths(article) -> dict[str, str]:
    return {
        "article": article.get_absolute_url(),
        "home": reverse("articles:home"),
        "topic": reverse("articles:topic", kwargs={"slug": article.topic.slug}),
        "search": reverse("articles:search") + "?q=gannets",
        "feed": reverse("articles:feed"),
        "corrections": reverse("articles:corrections"),
    }


@pytest.mark.parametrize("page", sorted(CACHED))
def test_public_page_queries_do_not_grow_with_the_archive(
    client, archive, page, django_assert_max_num_queries, django_assert_num_queries
):
    path = _paths(archive[-1])[page]

    with django_assert_max_num_queries(FIRST[page]):
        first = client.get(path)
    with django_assert_num_queries(CACHED[page]):
        again = client.get(path)

    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert b"question 0 about gannets" in again.content or page in ("article", "corrections")
