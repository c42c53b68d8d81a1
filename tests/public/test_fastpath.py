"""The reader pages' speed tricks ask what the plain code asks, and each can be switched off.

The benchmark measures the site without each trick (bench/runner.py
--variants); these tests hold that a trick switched off leaves the page, its
headers and its queries as they were.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db.models.expressions import RawSQL
from django.test import Client, RequestFactory
from django.urls import reverse

from articles.models import ActionLogChain, LiveSetGeneration, Topic
from articles.public import fastpath, selectors
from editorial.middleware import CSPMiddleware

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PROBE = "some-address"


def _orm_sql(queryset) -> tuple[str, list]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def test_the_live_facts_sql_is_what_the_orm_writes():
    """Same text as selectors.live_versions() asked through the ORM, the slug its one parameter."""
    orm = (
        selectors.live_versions()
        .filter(slug=PROBE)
        .order_by()
        .annotate(generation=RawSQL(fastpath.GENERATION_VALUE_SQL, []))
        .values_list(
            "pk",
            "approved_at",
            "next_review_due",
            "live_for__state",
            "live_for__updated_at",
            "generation",
            "article_id",
        )[:1]
    )

    assert _orm_sql(orm) == (fastpath.LIVE_FACTS_SQL, [PROBE])


def test_the_topic_description_sql_is_what_the_orm_writes():
    orm = Topic.objects.filter(slug=PROBE).order_by().values_list("description")[:1]

    assert _orm_sql(orm) == (fastpath.TOPIC_DESCRIPTION_SQL, [PROBE])


def test_the_generation_sql_is_what_the_orm_writes():
    orm = (
        LiveSetGeneration.objects.filter(pk=fastpath.GENERATION_ROW)
        .order_by()
        .values_list("value", "changed_at")[:1]
    )

    assert _orm_sql(orm) == (fastpath.LIVE_SET_GENERATION_SQL, [fastpath.GENERATION_ROW])


def test_the_action_log_length_sql_is_what_the_orm_writes():
    orm = ActionLogChain.objects.filter(key=PROBE).order_by().values_list("length")[:1]

    assert _orm_sql(orm) == (fastpath.ACTION_LOG_LENGTH_SQL, [PROBE])


def test_the_live_facts_agree_with_the_plain_selector(published):
    facts = fastpath.live_facts_by_slug(published.slug)
    version = selectors.live_version_by_slug(published.slug)

    assert facts.version_id == version.pk
    assert facts.article_id == version.article_id
    assert facts.approved_at == version.approved_at
    assert facts.state == version.live_for.state
    assert facts.updated_at == version.live_for.updated_at


def _pages(article) -> list[str]:
    return [
        article.get_absolute_url(),
        reverse("articles:home"),
        reverse("articles:topic", kwargs={"slug": article.topic.slug}),
        reverse("articles:search") + "?q=condition",
        "/no-such-page/",
    ]


def _responses(article) -> list[tuple[int, bytes, dict]]:
    client = Client()
    return [
        (response.status_code, response.content, dict(response.headers))
        for response in (client.get(path) for path in _pages(article))
    ]


@pytest.mark.parametrize("trick", ["url_memo", "csp_cache", "prepared_cursor"])
def test_a_page_without_a_trick_is_the_same_page(published, settings, trick):
    """Status, bytes and every header, with the trick and without it."""
    with_trick = _responses(published)
    settings.EDITORIAL_SPEED_TRICKS_OFF = frozenset({trick})

    assert _responses(published) == with_trick


def test_without_the_url_memo_nothing_is_remembered(published, settings):
    settings.EDITORIAL_SPEED_TRICKS_OFF = frozenset({"url_memo"})
    fastpath._matches.clear()

    assert Client().get(published.get_absolute_url()).status_code == 200
    assert fastpath._matches == {}


def test_without_the_csp_cache_the_library_builds_every_header(settings):
    """The library's own process_response runs: nothing is built once and kept."""
    settings.EDITORIAL_SPEED_TRICKS_OFF = frozenset({"csp_cache"})
    middleware = CSPMiddleware(lambda request: None)
    request = RequestFactory().get("/")
    middleware.process_request(request)

    response = middleware.process_response(request, Client().get("/no-such-page/"))

    assert "_fixed_headers" not in vars(middleware)
    assert "default-src 'self'" in response["Content-Security-Policy"]


def _database_options(**env: str) -> str:
    inherited = {"DJANGO_SETTINGS_MODULE", "EDITORIAL_SPEED_TRICKS_OFF", "DB_PREPARED_STATEMENTS"}
    clean = {k: v for k, v in os.environ.items() if k not in inherited}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.DATABASES['default'].get('OPTIONS'))",
        ],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "editorial.settings",
            "DATABASE_URL": "postgres://editorial@db.invalid:5432/editorial",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_without_the_prepared_cursor_psycopg_prepares_by_its_own_options():
    """Server-side binding and psycopg's threshold, as Django's OPTIONS offer them;
    neither while the backend's own cursor prepares, nor behind a pooler."""
    off = _database_options(EDITORIAL_SPEED_TRICKS_OFF="prepared_cursor")

    assert "'server_side_binding': True" in off and "'prepare_threshold': 5" in off
    assert "server_side_binding" not in _database_options()
    assert "server_side_binding" not in _database_options(
        EDITORIAL_SPEED_TRICKS_OFF="prepared_cursor", DB_PREPARED_STATEMENTS="0"
    )


def test_the_hot_queries_are_one_query_each(published, django_assert_num_queries):
    topic_slug = published.topic.slug
    with django_assert_num_queries(1):
        fastpath.live_facts_by_slug(published.slug)
    with django_assert_num_queries(1):
        assert fastpath.topic_description(topic_slug) is not None
    with django_assert_num_queries(1):
        assert fastpath.live_set_generation() != "0"
