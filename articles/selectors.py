"""Reads for the public site: published versions only, never the working copy."""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

from articles.choices import ArticleState
from articles.models import LiveSetGeneration, PublishedVersion, SitePage, Topic

# States of the working copy in which a newer text of a public article is
# with the board. The page says so, and shows nothing of that text.
UPDATE_IN_REVIEW_STATES = frozenset(
    {ArticleState.SUBMITTED, ArticleState.UNDER_REVIEW, ArticleState.CHANGES_REQUESTED}
)


def live_versions() -> QuerySet[PublishedVersion]:
    """The one source of everything readers see: each article's live version.

    A version is live while its article points at it; a retraction or a newer
    approval moves the pointer, so superseded and retracted versions drop out.
    """
    return PublishedVersion.objects.filter(live_for__isnull=False)


def live_version_by_slug(slug: str) -> PublishedVersion:
    """The live version at this address, with its article's workflow state.

    One query. The working copy contributes its state alone (to say that an
    update is under review), never a word of its content: ``only`` keeps
    every other column of the article out of the query.
    """
    try:
        return (
            live_versions()
            .select_related("live_for")
            .only(
                *(f.name for f in PublishedVersion._meta.concrete_fields),
                "live_for__state",
                "live_for__updated_at",
            )
            .get(slug=slug)
        )
    except PublishedVersion.DoesNotExist:
        raise Http404("No published article at this address.") from None


@dataclass(frozen=True)
class LiveFacts:
    """What an article page depends on besides its immutable version: one small query."""

    version_id: int
    approved_at: datetime.datetime
    next_review_due: datetime.date | None
    state: str
    updated_at: datetime.datetime
    # Last, so that code building the facts by position keeps working.
    article_id: int | None = None

    @property
    def update_in_review(self) -> bool:
        return self.state in UPDATE_IN_REVIEW_STATES


def _live_facts_query(slug: str) -> QuerySet:
    return (
        live_versions()
        .filter(slug=slug)
        .order_by()
        .values_list(
            "pk",
            "approved_at",
            "next_review_due",
            "live_for__state",
            "live_for__updated_at",
            "article_id",
        )[:1]
    )


def _topic_description_query(slug: str) -> QuerySet:
    return Topic.objects.filter(slug=slug).order_by().values_list("description")[:1]


_SLUG_PROBE = "editorial-slug-probe"


@functools.cache
def _compiled_sql(vendor: str, name: str, *args) -> str:
    """The SQL the ORM writes for one of the public pages' hot queries, compiled once.

    Every public request asks one such question; building it through the ORM
    each time costs more than running it. Slugs are the only parameters: the
    query is built with a probe slug, which must come back as its one
    parameter (or none, when no slug is given).
    """
    build = {"live_facts": _live_facts_query, "topic_description": _topic_description_query}[name]
    sql, params = build(*args).query.sql_with_params()
    assert list(params) == [a for a in args if a == _SLUG_PROBE], params
    return sql


def _fetch_one(sql: str, params: Sequence = ()) -> tuple | None:
    """The first row of one of the public pages' hot queries.

    On PostgreSQL the statement is kept prepared on the connection
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


def live_facts_by_slug(slug: str) -> LiveFacts:
    """Which version is live at this address now, and its article's state; 404 if none."""
    row = _fetch_one(_compiled_sql(connection.vendor, "live_facts", _SLUG_PROBE), [slug])
    if row is None:
        raise Http404("No published article at this address.")
    pk, approved_at, next_review_due, state, updated_at, article_id = row
    if isinstance(next_review_due, str):
        next_review_due = datetime.date.fromisoformat(next_review_due)
    return LiveFacts(
        pk,
        _as_datetime(approved_at),
        next_review_due,
        state,
        _as_datetime(updated_at),
        article_id,
    )


def version_for_page(version_id: int) -> PublishedVersion:
    """A version with everything its page shows (its article's content excluded)."""
    return (
        PublishedVersion.objects.select_related("live_for")
        .only(
            *(f.name for f in PublishedVersion._meta.concrete_fields),
            "live_for__state",
            "live_for__updated_at",
        )
        .get(pk=version_id)
    )


def update_in_review(version: PublishedVersion) -> bool:
    """Whether a newer text of this version's article is being reviewed.

    Needs a version loaded with its article's state (``live_version_by_slug``,
    ``version_for_page``).
    """
    article = getattr(version, "live_for", None)
    return article is not None and article.state in UPDATE_IN_REVIEW_STATES


# What the public change log shows of each version.
CHANGE_LOG_FIELDS = ("number", "approved_at", "last_reviewed", "change_note", "slug")


def change_log(version: PublishedVersion) -> list[PublishedVersion]:
    """Every published version of the version's article, newest first, in one query.

    Superseded versions appear with their date and note only: their text is
    not public once a newer approval replaced it.
    """
    return list(
        PublishedVersion.objects.filter(article_id=version.article_id)
        .only(*CHANGE_LOG_FIELDS)
        .order_by("-number")
    )


# Fields a list of articles shows; the rendered body, its source and the
# references stay in the database until a reader opens the article.
LISTING_FIELDS = (
    "title",
    "slug",
    "summary",
    "topic_name",
    "topic_slug",
    "reviewers",
    "approved_at",
)


def live_version_listing(
    limit: int | None = 200, *, topic_slug: str | None = None
) -> QuerySet[PublishedVersion]:
    """The newest live versions with only what a list of articles shows, in one query.

    ``limit=None`` leaves the slicing to the caller (a paginator).
    """
    versions = live_versions()
    if topic_slug is not None:
        versions = versions.filter(topic_slug=topic_slug)
    versions = versions.only(*LISTING_FIELDS).order_by("-approved_at", "-id")
    return versions if limit is None else versions[:limit]


def topic_description(slug: str) -> str | None:
    """The topic's description at this address, or None when there is no such topic."""
    row = _fetch_one(_compiled_sql(connection.vendor, "topic_description", _SLUG_PROBE), [slug])
    return row[0] if row else None


_GENERATION_SQL = f"SELECT value, changed_at FROM {LiveSetGeneration._meta.db_table} WHERE id = 1"


def live_set_generation() -> str:
    """Which live set the site shows now, as a short string: one primary-key query.

    The database raises it with every change of any article's live version
    (``LiveSetGeneration``), so a page listing or searching live versions is
    a function of it, and it can be the page's cache key.
    """
    row = _fetch_one(_GENERATION_SQL)
    return f"{row[0]}@{row[1]}" if row else "0"


@dataclass(frozen=True)
class TopicGroup:
    name: str
    slug: str
    versions: list[PublishedVersion]


def group_by_topic(versions: Iterable[PublishedVersion]) -> list[TopicGroup]:
    """Group already fetched versions by their topic, topics in name order.

    Works on the versions in memory, so grouping costs no query; each group
    keeps the order the versions came in.
    """
    groups: dict[str, TopicGroup] = {}
    for version in versions:
        group = groups.get(version.topic_slug)
        if group is None:
            group = groups[version.topic_slug] = TopicGroup(
                name=version.topic_name, slug=version.topic_slug, versions=[]
            )
        group.versions.append(version)
    return sorted(groups.values(), key=lambda group: group.name.casefold())


# --- Search ----------------------------------------------------------------------

# Longer queries are cut: nobody types more, and it bounds the work.
SEARCH_MAX_LENGTH = 200
SEARCH_CONFIG = "english"


def search_document():
    """A version's weighted document as PostgreSQL stores it (migration 0008):
    title first, then summary and topic, then both answers.

    A generated column, indexed by GIN: ranking reads it instead of computing
    the document again from both answers for every match.
    """
    from django.contrib.postgres.search import SearchVectorField

    return RawSQL(f'"{PublishedVersion._meta.db_table}"."search_document"', [], SearchVectorField())


def search_live_versions(query: str) -> QuerySet[PublishedVersion] | RankedVersions:
    """Live versions matching the reader's words, best match first.

    PostgreSQL and SQLite rank with full-text search (stemming, so "treating"
    finds "treatment"); other databases need every word somewhere in the text.
    Either way the result is a sequence a Paginator can page through.
    """
    query = " ".join(query.split())[:SEARCH_MAX_LENGTH]
    listing = live_versions().only(*LISTING_FIELDS)
    if not query:
        return listing.none()
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank

        terms = SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
        document = search_document()
        return (
            listing.annotate(rank=SearchRank(document, terms))
            .alias(document=document)
            .filter(document=terms)
            .order_by("-rank", "-approved_at", "-id")
        )
    if connection.vendor == "sqlite":
        match = fts_match(query)
        if not match:
            return listing.none()
        return RankedVersions(SQLITE_RANKED_LIVE_IDS, [match], listing)
    matches = Q()
    for word in query.split()[:20]:
        matches &= (
            Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Q(topic_name__icontains=word)
            | Q(body_source__icontains=word)
            | Q(plain_body_source__icontains=word)
        )
    return listing.filter(matches).order_by("-approved_at", "-id")


# SQLite's full-text index of published versions (migration 0006): title,
# summary, topic, answer and plain-language answer, stemmed by Porter.
SQLITE_FTS_TABLE = "articles_publishedversion_fts"
# The live matches' ids, best first, read from the index in one pass. bm25:
# smaller is better; the title weighs most, then summary and topic. Equal
# ranks put the newer version first: versions are written as they are
# approved, so the id orders them as the approval date does, without reading
# the date from rows whose long answers it is stored behind.
SQLITE_RANKED_LIVE_IDS = (
    f"SELECT fts.rowid FROM {SQLITE_FTS_TABLE} AS fts "
    "INNER JOIN articles_article AS article ON article.live_version_id = fts.rowid "
    f"WHERE {SQLITE_FTS_TABLE} MATCH %s "
    f"ORDER BY bm25({SQLITE_FTS_TABLE}, 10.0, 4.0, 4.0, 1.0, 1.0), fts.rowid DESC"
)
# Shorter words are matched whole: a prefix of one or two letters would
# stand for thousands of words and cost the index seconds to merge.
SQLITE_SHORTEST_PREFIX = 3


def fts_match(query: str) -> str:
    """The reader's words as an FTS5 query: every word, quoted, longer ones as prefixes.

    Quoting makes FTS5's own syntax (AND, NEAR, colons, quotes) plain text;
    the prefix lets "treating" find "treatment" once Porter has stemmed it.
    """
    words = re.findall(r"\w+", query)[:20]
    return " AND ".join(
        f'"{word}"*' if len(word) >= SQLITE_SHORTEST_PREFIX else f'"{word}"' for word in words
    )


class RankedVersions:
    """Search results in an order the database gave as ids: one query for the
    ids, then one per page for that page's versions only.

    A Paginator takes it as it takes a QuerySet (``len`` and slices). Ranking
    and loading apart keep a common word cheap: the ranking reads the index
    alone, never the thousands of long rows it matches.
    """

    def __init__(self, sql: str, params: list, listing: QuerySet[PublishedVersion]):
        self.sql = sql
        self.params = params
        self.listing = listing

    @functools.cached_property
    def ids(self) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            return [row[0] for row in cursor.fetchall()]

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: int | slice) -> PublishedVersion | list[PublishedVersion]:
        if isinstance(index, slice):
            wanted = self.ids[index]
            if not wanted:
                return []
            found = self.listing.in_bulk(wanted)
            # A version retracted between the two queries simply drops out.
            return [found[pk] for pk in wanted if pk in found]
        return self.listing.get(pk=self.ids[index])

    def __iter__(self):
        return iter(self[:])


# --- Site pages -------------------------------------------------------------------


def site_page(slug: str) -> SitePage | None:
    """The editors' text for a fixed page of the site, or None to use the built-in one."""
    return SitePage.objects.filter(slug=slug).first()
