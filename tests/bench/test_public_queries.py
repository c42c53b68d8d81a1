"""Every public page the benchmark loads costs the same queries at any archive size.

The pages come from bench/targets.json, so a page added there (search, feed,
topic…) is guarded as soon as it answers; one that answers 404 is skipped.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.facts import facts, fill
from bench.runner import DEFAULT_TARGETS

TARGETS = json.loads(DEFAULT_TARGETS.read_text())


def queries(client, path: str) -> tuple[int, int]:
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    return response.status_code, len(captured)


@pytest.mark.parametrize("target", TARGETS, ids=[t["name"] for t in TARGETS])
def test_public_page_queries_do_not_grow_with_the_archive(client, build_archive, target, settings):
    """The page costs as many queries with 75 articles as with 15."""
    # The read API's article, read without a key as the benchmark does.
    settings.API_ANONYMOUS_PUBLISHED_READ = True
    build_archive(15)
    path = fill(target["path"], facts())
    status, small = queries(client, path)
    if status == 404:
        pytest.skip(f"{target['name']} ({path}) is not served yet")
    assert status == 200

    build_archive(60, seed=8)
    status, large = queries(client, path)

    assert status == 200
    assert large == small


def test_article_page_queries_do_not_grow_with_references(client, build_archive):
    """The article citing the most sources costs what a typical one does."""
    build_archive(40)
    known = facts()
    assert known["most_references"] > known["article_references"]

    _, typical = queries(client, f"/articles/{known['article_slug']}/")
    _, most = queries(client, f"/articles/{known['article_slug_most_references']}/")

    assert most == typical
