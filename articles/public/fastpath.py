"""The reader pages' speed tricks, each with the benchmark row that pays for it.

The target (README, "Benchmark"): the article page answers at least half as
many requests a second as the bare-Django floor (``bench/floor/``), on both
databases, at 1,000 and 100,000 articles; lists and search at least a
quarter. The README's table reads 0.56-0.60x for the article page on
PostgreSQL and 0.72-0.73x on SQLite: most of a page's time is Django's
request cycle, so what is left to win is per request and small.

Each piece below but the first can be switched off by name in
``EDITORIAL_SPEED_TRICKS_OFF`` (plain Django runs instead), and
``make bench BENCH_ARGS="--variants all"`` serves the product once more
without each named piece, loads it in the same rounds as the full product and
reports both ratios to the floor. A piece stays while its row shows a gap
beyond the rounds' noise.

- *Hot SQL written once* (``LIVE_FACTS_SQL`` and the constants beside it,
  here; no switch). Row: every public page's "queries" (1, 2 for a topic)
  and "x floor": building the same query through the ORM on every request
  costs more than running it.
- *URL-resolution memo* (``remembered``, here; used by
  ``public/middleware.py``). Row: article "x floor" beside variant
  ``url_memo``.
- *Prepared hot cursor* (``fetch_one_prepared``, ``editorial/postgresql/``).
  Row: PostgreSQL article, topic and home "x floor" beside variant
  ``prepared_cursor``, which runs psycopg's own server-side binding and
  ``prepare_threshold`` (DATABASES OPTIONS) instead.
- *django-csp's header built once* (``CSPMiddleware``,
  ``editorial/middleware.py``; it serves the back office too). Row: article
  "x floor" beside variant ``csp_cache``.

Kept without a switch, because they are the design rather than a trick:
``PublicPagesMiddleware`` (``public/middleware.py``: the "ceiling" row, a
cached page's best), the page cache and its per-process copies
(``public/cache.py``: every row's "x floor" against "render ms"), the
live-set generation raised by database triggers (``LiveSetGeneration``:
"time to invisibility"), and the re-review answer remembered under the
length of the article's action log (``live_text_unchanged``: the article
row whenever the benchmark's article is with the board; worked out on
every view, it held that page to 0.12x the floor at 100,000 articles).

The SQL constants below are the text the ORM writes for the same questions
(tests/public/test_fastpath.py compares them on each database), so the
fast path and ``selectors.live_versions`` cannot drift apart unnoticed.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.signals import setting_changed
from django.db import connection
from django.http import Http404
from django.urls import ResolverMatch

from articles import fingerprints
from articles.actionlog import chain_key
from articles.choices import ArticleState
from articles.models import Article

# --- The hot SQL ----------------------------------------------------------------------

# The live set's generation as a column of another query: the article page
# lists related live answers, so its key names the generation too.
GENERATION_VALUE_SQL = "SELECT value FROM articles_livesetgeneration WHERE id = 1"

# Which version is live at an address (the one parameter), with its
# article's state and the generation: what selectors.live_versions()
# .filter(slug=...) .values_list(...) writes.
LIVE_FACTS_SQL = (
    'SELECT "articles_publishedversion"."id" AS "pk",'
    ' "articles_publishedversion"."approved_at" AS "approved_at",'
    ' "articles_publishedversion"."next_review_due" AS "next_review_due",'
    ' "articles_article"."state" AS "live_for__state",'
    ' "articles_article"."updated_at" AS "live_for__updated_at",'
    f' ({GENERATION_VALUE_SQL}) AS "generation",'
    ' "articles_publishedversion"."article_id" AS "article_id"'
    ' FROM "articles_publishedversion"'
    ' INNER JOIN "articles_article"'
    ' ON ("articles_publishedversion"."id" = "articles_article"."live_version_id")'
    ' WHERE ("articles_article"."id" IS NOT NULL'
    ' AND "articles_publishedversion"."slug" = %s) LIMIT 1'
)

# A topic's description at its address (the one parameter).
TOPIC_DESCRIPTION_SQL = (
    'SELECT "articles_topic"."description" AS "description" FROM "articles_topic"'
    ' WHERE "articles_topic"."slug" = %s LIMIT 1'
)

# How many actions an article's log holds (the one parameter is its chain's key).
ACTION_LOG_LENGTH_SQL = (
    'SELECT "articles_actionlogchain"."length" AS "length" FROM "articles_actionlogchain"'
    ' WHERE "articles_actionlogchain"."key" = %s LIMIT 1'
)

# The live set's generation row (the one parameter is its id, always 1).
LIVE_SET_GENERATION_SQL = (
    'SELECT "articles_livesetgeneration"."value" AS "value",'
    ' "articles_livesetgeneration"."changed_at" AS "changed_at"'
    ' FROM "articles_livesetgeneration"'
    ' WHERE "articles_livesetgeneration"."id" = %s LIMIT 1'
)
GENERATION_ROW = 1


def _fetch_one(sql: str, params: Sequence) -> tuple | None:
    """The first row of one of the hot queries.

    On PostgreSQL the backend keeps the statement prepared on the connection
    (``editorial/postgresql``); elsewhere it is an ordinary query.
    """
    prepared = getattr(connection, "fetch_one_prepared", None)
    if prepared is not None:
        return prepared(sql, params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _as_datetime(value) -> datetime.datetime:
    # PostgreSQL returns aware datetimes; SQLite returns text in UTC.
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value


# --- What an article page depends on ------------------------------------------------

# States of the working copy in which a newer text of a public article is
# with the board. The page says so, and shows nothing of that text.
UPDATE_IN_REVIEW_STATES = frozenset(
    {ArticleState.SUBMITTED, ArticleState.UNDER_REVIEW, ArticleState.CHANGES_REQUESTED}
)


@dataclass(frozen=True)
class LiveFacts:
    """What an article page depends on besides its immutable version: one small query."""

    version_id: int
    approved_at: datetime.datetime
    next_review_due: datetime.date | None
    state: str
    updated_at: datetime.datetime
    # While the working copy is with the board: whether its text is still the
    # live text (a re-review), not a new one. False otherwise.
    text_unchanged: bool = False
    # The live set's generation: the page lists related answers, live ones only.
    generation: str = "0"
    article_id: int | None = None

    @property
    def update_in_review(self) -> bool:
        return self.state in UPDATE_IN_REVIEW_STATES and not self.text_unchanged

    @property
    def rereview(self) -> bool:
        """The board is checking the live text again, unchanged."""
        return self.state in UPDATE_IN_REVIEW_STATES and self.text_unchanged


def live_facts_by_slug(slug: str) -> LiveFacts:
    """Which version is live at this address now, and its article's state; 404 if none."""
    row = _fetch_one(LIVE_FACTS_SQL, [slug])
    if row is None:
        raise Http404("No published article at this address.")
    pk, approved_at, next_review_due, state, updated_at, generation, article_id = row
    if isinstance(next_review_due, str):
        next_review_due = datetime.date.fromisoformat(next_review_due)
    # Only for an article with the board: one more query, three the first time.
    unchanged = state in UPDATE_IN_REVIEW_STATES and live_text_unchanged(pk, article_id)
    return LiveFacts(
        pk,
        _as_datetime(approved_at),
        next_review_due,
        state,
        _as_datetime(updated_at),
        text_unchanged=unchanged,
        generation=str(generation or 0),
        article_id=article_id,
    )


def live_text_unchanged(version_id: int, article_id: int) -> bool:
    """Whether the working copy is still this live version's text and references.

    A re-review, not an update: the same question, with the same fingerprints,
    as ``articles.fingerprints.live_text_unchanged`` asks when an approval
    needs a "What changed" line, so the page and the approval never disagree
    (a changed citation is a change). Asked only while the article is with
    the board.

    The answer is remembered under the length of the article's action log:
    every change of its text, of its references or of its state is an action
    there, so the same length means the same answer. Each view then costs one
    primary-key query instead of reading the article and every reference and
    hashing them (three times the page's cost at 100,000 articles).
    """
    row = _fetch_one(ACTION_LOG_LENGTH_SQL, [chain_key(article_id)])
    key = (version_id, article_id, row[0] if row else None)
    try:
        return _unchanged[key]
    except KeyError:
        pass
    article = (
        Article.objects.filter(pk=article_id, live_version_id=version_id)
        .select_related("live_version")
        .prefetch_related("references")
        .first()
    )
    answer = article is not None and fingerprints.live_text_unchanged(article)
    if row is not None:
        if len(_unchanged) >= REMEMBERED_ANSWERS:
            _unchanged.clear()
        _unchanged[key] = answer
    return answer


# How many articles' last answers each process keeps: bounded like the URL
# memo below (the table starts again when full).
REMEMBERED_ANSWERS = 1024
_unchanged: dict[tuple[int, int, int | None], bool] = {}


def forget_answers() -> None:
    """Drop the remembered answers (tests, whose databases reuse ids, need it)."""
    _unchanged.clear()


def topic_description(slug: str) -> str | None:
    """The topic's description at this address, or None when there is no such topic."""
    row = _fetch_one(TOPIC_DESCRIPTION_SQL, [slug])
    return row[0] if row else None


def live_set_generation() -> str:
    """Which live set the site shows now, as a short string: one primary-key query.

    The database raises it with every change of any article's live version
    (``LiveSetGeneration``), so a page listing or searching live versions is
    a function of it, and it can be the page's cache key.
    """
    row = _fetch_one(LIVE_SET_GENERATION_SQL, [GENERATION_ROW])
    return f"{row[0]}@{row[1]}" if row else "0"


# --- The URL-resolution memo ----------------------------------------------------------

Resolve = Callable[[str, str | None], ResolverMatch | None]

# Addresses whose resolution is remembered: reading the same pages over and
# over is what the public site does, and URL patterns do not change while the
# process runs. Bounded in number and length, so made-up addresses cost
# memory only up to the bound (the table starts again when full).
REMEMBERED_ADDRESSES = 2048
REMEMBERED_LENGTH = 200
_matches: dict[tuple[str, str | None], ResolverMatch | None] = {}


def remembered(resolve: Resolve) -> Resolve:
    """``resolve``, answered from the table for an address seen before."""

    def match(path: str, urlconf: str | None) -> ResolverMatch | None:
        key = (path, urlconf)
        try:
            return _matches[key]
        except KeyError:
            pass
        found = resolve(path, urlconf)
        if len(path) <= REMEMBERED_LENGTH:
            if len(_matches) >= REMEMBERED_ADDRESSES:
                _matches.clear()
            _matches[key] = found
        return found

    return match


def _forget_matches(*, setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _matches.clear()


setting_changed.connect(_forget_matches)
