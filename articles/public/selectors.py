"""Reads for the public site: published versions only, never the working copy."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.http import Http404

from articles.choices import ArticleState
from articles.models import AuditEntry, LiveSetGeneration, PublishedVersion, SitePage, Topic
from articles.public import search

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


def _live_facts_query(slug: str) -> QuerySet:
    return (
        live_versions()
        .filter(slug=slug)
        .order_by()
        .annotate(generation=RawSQL(f"SELECT value FROM {GENERATION_TABLE} WHERE id = 1", []))
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


def _topic_description_query(slug: str) -> QuerySet:
    return Topic.objects.filter(slug=slug).order_by().values_list("description")[:1]


_SLUG_PROBE = "editorial-slug-probe"
GENERATION_TABLE = LiveSetGeneration._meta.db_table


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
    pk, approved_at, next_review_due, state, updated_at, generation, article_id = row
    if isinstance(next_review_due, str):
        next_review_due = datetime.date.fromisoformat(next_review_due)
    # Only for an article with the board (a few at a time): one more query.
    unchanged = state in UPDATE_IN_REVIEW_STATES and live_text_unchanged(pk)
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


def live_text_unchanged(version_id: int) -> bool:
    """Whether the working copy's text is still this live version's: a re-review, not an update.

    Compared in the database, so neither text is sent over to be compared.
    """
    return (
        PublishedVersion.objects.filter(
            pk=version_id,
            live_for__title=F("title"),
            live_for__body=F("body_source"),
            live_for__plain_body=F("plain_body_source"),
            live_for__urgent_help=F("urgent_help_source"),
        )
        .order_by()
        .exists()
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

SEARCH_MAX_LENGTH = search.MAX_LENGTH
SEARCH_CONFIG = "english"


def search_document():
    """A version's weighted document as PostgreSQL stores it (migration 0008):
    title first, then summary and topic, then both answers.

    A generated column, indexed by GIN: ranking reads it instead of computing
    the document again from both answers for every match.
    """
    from django.contrib.postgres.search import SearchVectorField

    return RawSQL(f'"{PublishedVersion._meta.db_table}"."search_document"', [], SearchVectorField())


def search_live_versions(
    query: str | search.ReadQuery, synonyms: search.Synonyms | None = None
) -> QuerySet[PublishedVersion] | RankedVersions:
    """Live versions matching any of the reader's words, best match first.

    PostgreSQL and SQLite rank with full-text search (stemming, so "treating"
    finds "treatment"): the title weighs most, then the summary, and an answer
    matching more of the words ranks higher. A quoted phrase must appear as
    written. Other databases need every word somewhere in the text. Either
    way the result is a sequence a Paginator can page through.
    """
    read = query if isinstance(query, search.ReadQuery) else search.read_query(query, synonyms)
    listing = live_versions().only(*LISTING_FIELDS)
    if read.is_empty:
        return listing.none()
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchRank

        terms = postgresql_search_query(read)
        document = search_document()
        return (
            listing.annotate(rank=SearchRank(document, terms))
            .alias(document=document)
            .filter(document=terms)
            .order_by("-rank", "-approved_at", "-id")
        )
    if connection.vendor == "sqlite":
        return RankedVersions(SQLITE_RANKED_LIVE_IDS, [fts_match(read)], listing)
    matches = Q()
    for group in read.groups:
        either = Q()
        for alternative in group.alternatives:
            phrase = " ".join(alternative)
            either |= (
                Q(title__icontains=phrase)
                | Q(summary__icontains=phrase)
                | Q(topic_name__icontains=phrase)
                | Q(body_source__icontains=phrase)
                | Q(plain_body_source__icontains=phrase)
            )
        matches &= either
    return listing.filter(matches).order_by("-approved_at", "-id")


def postgresql_search_query(read: search.ReadQuery):
    """The reader's groups as one tsquery: required phrases AND (any word OR synonym).

    Each word is its own ``plainto_tsquery``, so nothing the reader types is
    read as tsquery syntax. With a phrase required, the loose words still
    count towards the rank: the query asks for the phrase and (the words or
    the phrase again).
    """
    from django.contrib.postgres.search import SearchQuery

    def alternative(words: tuple[str, ...]) -> SearchQuery:
        return SearchQuery(
            " ".join(words),
            config=SEARCH_CONFIG,
            search_type="phrase" if len(words) > 1 else "plain",
        )

    def group_query(group: search.Group) -> SearchQuery:
        combined = alternative(group.alternatives[0])
        for other in group.alternatives[1:]:
            combined |= alternative(other)
        return combined

    required = [group_query(g) for g in read.groups if g.required]
    optional = [group_query(g) for g in read.groups if not g.required]
    if not required:
        return functools.reduce(lambda a, b: a | b, optional)
    must = functools.reduce(lambda a, b: a & b, required)
    if not optional:
        return must
    return must & functools.reduce(lambda a, b: a | b, [*optional, required[0]])


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


def _fts_alternative(words: tuple[str, ...]) -> str:
    if len(words) > 1:
        return '"' + " ".join(words) + '"'
    word = words[0]
    return f'"{word}"*' if len(word) >= SQLITE_SHORTEST_PREFIX else f'"{word}"'


def _fts_group(group: search.Group) -> str:
    alternatives = [_fts_alternative(words) for words in group.alternatives]
    return alternatives[0] if len(alternatives) == 1 else "(" + " OR ".join(alternatives) + ")"


def fts_match(query: str | search.ReadQuery) -> str:
    """The reader's groups as an FTS5 query: required phrases AND (any word OR synonym).

    Words are quoted, which makes FTS5's own syntax (AND, NEAR, colons,
    quotes) plain text; longer ones are prefixes, so "treating" finds
    "treatment" once Porter has stemmed it. bm25 scores every phrase of the
    query, so the loose words rank answers even when a phrase is required.
    """
    read = query if isinstance(query, search.ReadQuery) else search.read_query(query)
    required = [_fts_group(g) for g in read.groups if g.required]
    optional = [_fts_group(g) for g in read.groups if not g.required]
    if not required:
        return " OR ".join(optional)
    must = " AND ".join(required)
    if not optional:
        return must
    return f"{must} AND ({' OR '.join([*optional, required[0]])})"


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


# --- Retractions and corrections ---------------------------------------------------


@dataclass(frozen=True)
class Retraction:
    """What the public notice of a retracted article says: never a word of its answer."""

    title: str
    topic_name: str
    approved_at: datetime.datetime
    retracted_at: datetime.datetime
    reason: str


def retraction_by_slug(slug: str) -> Retraction | None:
    """The retraction of the article last published at this address, or None: one query.

    Asked for every address that has no live version, never-published ones
    included, so a retracted and an unknown address cost the same query. An
    article retracted and then approved again is live, not retracted; one
    reopened after its retraction stays withdrawn until then.
    """
    latest = AuditEntry.objects.filter(
        article_id=OuterRef("article_id"), transition="retract"
    ).order_by("-at", "-id")
    row = (
        PublishedVersion.objects.filter(slug=slug, article__live_version__isnull=True)
        .annotate(
            retracted_at=Subquery(latest.values("at")[:1]),
            reason=Subquery(latest.values("comment")[:1]),
        )
        .filter(retracted_at__isnull=False)
        .order_by("-approved_at", "-id")
        .values_list("title", "topic_name", "approved_at", "retracted_at", "reason")
        .first()
    )
    return Retraction(*row) if row else None


@dataclass(frozen=True)
class Correction:
    """One line of the public corrections log."""

    kind: str  # "retraction" or "update"
    at: datetime.datetime
    title: str
    slug: str
    topic_name: str
    text: str

    @property
    def is_retraction(self) -> bool:
        return self.kind == "retraction"


def retractions(limit: int, *, withdrawn_only: bool = False) -> list[Correction]:
    """The newest retractions, each with the title, address and topic it was withdrawn under.

    ``withdrawn_only`` leaves out articles approved again since.
    """
    retracted = PublishedVersion.objects.filter(
        article_id=OuterRef("article_id"), approved_at__lte=OuterRef("at")
    ).order_by("-approved_at", "-id")
    entries = AuditEntry.objects.filter(transition="retract")
    if withdrawn_only:
        entries = entries.filter(article__live_version__isnull=True)
    rows = (
        entries.annotate(
            title=Subquery(retracted.values("title")[:1]),
            slug=Subquery(retracted.values("slug")[:1]),
            topic_name=Subquery(retracted.values("topic_name")[:1]),
        )
        .order_by("-at", "-id")
        .values_list("at", "title", "slug", "topic_name", "comment")[:limit]
    )
    return [Correction("retraction", *row) for row in rows]


def corrections(limit: int) -> list[Correction]:
    """Retractions and the change notes of updated live answers, newest first: two queries.

    A retraction is listed with the title and address it had, and the
    editors' public reason; an update with its live title and address (the
    change log on its page says the same). Versions of an article that is
    retracted now are not listed as updates: only the retraction is.
    """
    updates = (
        PublishedVersion.objects.filter(number__gt=1, article__live_version__isnull=False)
        .order_by("-approved_at", "-id")
        .values_list(
            "approved_at",
            "article__live_version__title",
            "article__live_version__slug",
            "article__live_version__topic_name",
            "change_note",
        )[:limit]
    )
    entries = retractions(limit) + [Correction("update", *row) for row in updates]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]


# --- Related answers ----------------------------------------------------------------

RELATED_LIMIT = 3


def related_versions(
    version: PublishedVersion, limit: int = RELATED_LIMIT
) -> list[PublishedVersion]:
    """Other live answers of the version's topic, newest first: one query."""
    return list(
        live_versions()
        .filter(topic_slug=version.topic_slug)
        .exclude(article_id=version.article_id)
        .only(*LISTING_FIELDS)
        .order_by("-approved_at", "-id")[:limit]
    )


# How many of the newest live answers the board page reads to link each
# member to what they approved, and how many it lists per member.
REVIEWED_SCAN = 300
REVIEWED_PER_MEMBER = 5


def answers_reviewed_by(member_ids: Iterable[int]) -> dict[int, list[PublishedVersion]]:
    """For each board member, the newest live answers whose approval they signed.

    One query over the newest live answers (an index walk): the byline each
    version froze names its approving members.
    """
    wanted = set(member_ids)
    found: dict[int, list[PublishedVersion]] = {}
    for version in live_version_listing(limit=REVIEWED_SCAN):
        for reviewer in version.reviewers or ():
            member_id = reviewer.get("member_id") if isinstance(reviewer, dict) else None
            if member_id in wanted:
                answers = found.setdefault(member_id, [])
                if len(answers) < REVIEWED_PER_MEMBER:
                    answers.append(version)
    return found
