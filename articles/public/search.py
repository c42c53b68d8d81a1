"""The public search: how it reads a reader's question, and finds and ranks the answers.

Readers type questions ("can I squeeze milia on my baby"), not keywords. The
question is read here, the same way for both databases: quoted phrases are
kept whole and required; the other words are dropped when they are too
common to tell answers apart (stop words) and otherwise any of them may
match, so an answer matching more of them ranks higher. Words and phrases
the editors listed as synonyms (``SearchSynonym``) also look for the term
the answers use. The databases then stem and rank (``search_live_versions``):
PostgreSQL from a generated, GIN-indexed document, SQLite from an FTS5 index.

A word found in no published answer gets a "did you mean" suggestion from
the answers' own vocabulary: PostgreSQL keeps it in a table with a trigram
index (``pg_trgm``), SQLite reads it from an FTS5 vocabulary table; the
closest words by edit distance win, the most widely used first.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.core.cache import cache
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from articles.models import Article, PublishedVersion, SearchSynonym
from articles.public import selectors
from articles.text import WORD

# Longer queries are cut: nobody types more, and it bounds the work.
MAX_LENGTH = 200
# Words looked up at most, phrases included; the rest are ignored.
MAX_TERMS = 12
# Readers' synonyms are matched up to this many words long.
MAX_SYNONYM_WORDS = 4

# Words too common in questions to tell one answer from another. Written for
# readers' questions: question words, pronouns, auxiliaries, connectives.
# Words that carry medical meaning ("pain", "baby", "after", "without")
# are deliberately absent.
_STOP_WORDS_TEXT = """
    a about am an and any anything are as at be been being but by can cannot could
    did do does doing done for from get gets getting got had has have having he her
    here hers him his how i if im in into is it its itself ive just me might mine
    more most much must my myself no not now of off on one ones or our ours out
    please really s shall she should so some something such t than that thats the
    their theirs them then there these they this those to too us very was we were
    what whats when where which while who whom whose why will with would you your
    yours yourself
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

QUOTED = re.compile(r'"([^"]*)"')


@dataclass(frozen=True)
class Group:
    """One thing the reader asked for: a word or phrase, with its synonyms' terms.

    Each alternative is a tuple of words; more than one word is a phrase.
    """

    alternatives: tuple[tuple[str, ...], ...]
    required: bool = False
    # The reader's own words, for "did you mean" (a synonym is never misspelt).
    spellable: bool = False

    @property
    def words(self) -> tuple[str, ...]:
        return self.alternatives[0]


@dataclass(frozen=True)
class ReadQuery:
    """The reader's question as the search reads it."""

    text: str
    groups: tuple[Group, ...] = ()
    ignored: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def spellable_words(self) -> list[str]:
        return [
            group.words[0]
            for group in self.groups
            if group.spellable and 3 <= len(group.words[0]) <= 30 and group.words[0].isalpha()
        ]

    @property
    def highlight_words(self) -> list[str]:
        """Every word any alternative looks for, to mark in the results."""
        seen: dict[str, None] = {}
        for group in self.groups:
            for alternative in group.alternatives:
                for word in alternative:
                    if word not in STOP_WORDS:
                        seen.setdefault(word)
        return list(seen)


Synonyms = dict[tuple[str, ...], tuple[tuple[str, ...], ...]]


def read_query(text: str, synonyms: Synonyms | None = None) -> ReadQuery:
    """Phrases, words and synonyms of the reader's text; stop words left out."""
    text = " ".join(text.split())[:MAX_LENGTH]
    synonyms = synonyms or {}
    groups: list[Group] = []
    ignored: list[str] = []
    seen: set[tuple[str, ...]] = set()

    def add(group: Group) -> None:
        if group.words not in seen and len(groups) < MAX_TERMS:
            seen.add(group.words)
            groups.append(group)

    # Quotes alternate: text between a pair is a phrase; an unpaired quote
    # is just a character.
    parts = QUOTED.split(text) if text.count('"') >= 2 else [text.replace('"', " ")]
    for index, part in enumerate(parts):
        words = tuple(WORD.findall(part.casefold()))
        if not words:
            continue
        if index % 2 == 1:
            add(Group(alternatives=(words,), required=True))
            continue
        position = 0
        while position < len(words):
            for length in range(min(MAX_SYNONYM_WORDS, len(words) - position), 0, -1):
                candidate = words[position : position + length]
                terms = synonyms.get(candidate)
                if terms:
                    add(Group(alternatives=(candidate, *terms)))
                    position += length
                    break
            else:
                word = words[position]
                position += 1
                if word in STOP_WORDS or len(word) == 1:
                    ignored.append(word)
                else:
                    add(Group(alternatives=((word,),), spellable=True))
    return ReadQuery(text=text, groups=tuple(groups), ignored=tuple(dict.fromkeys(ignored)))


# --- Synonyms ----------------------------------------------------------------------


def synonym_table(generation: str) -> Synonyms:
    """Every synonym the editors keep: readers' words → the answers' terms.

    Cached under the live set's generation, which every change of a synonym
    raises (migration 0009), so an edit works on the next search.
    """
    key = "editorial:search-synonyms:" + hashlib.sha256(generation.encode()).hexdigest()[:32]
    table = cache.get(key)
    if table is None:
        collected: dict[tuple[str, ...], dict[tuple[str, ...], None]] = {}
        for words, term in SearchSynonym.objects.values_list("words", "term"):
            term_words = tuple(WORD.findall(term.casefold()))
            if not term_words:
                continue
            for variant in words.split(","):
                variant_words = tuple(WORD.findall(variant.casefold()))[:MAX_SYNONYM_WORDS]
                if variant_words and variant_words != term_words:
                    collected.setdefault(variant_words, {})[term_words] = None
        table = {variant: tuple(terms) for variant, terms in collected.items()}
        cache.set(key, table, 24 * 60 * 60)
    return table


# --- Did you mean ------------------------------------------------------------------

# PostgreSQL's vocabulary of published answers (migration 0009): each word
# once, with the number of versions using it, trigram-indexed.
POSTGRESQL_WORDS_TABLE = "articles_searchword"
# SQLite's: an unstemmed FTS5 index of the same text, and its vocabulary.
SQLITE_WORDS_TABLE = "articles_publishedversion_words"
SQLITE_VOCABULARY = "articles_publishedversion_words_vocab"
# Candidates considered per unknown word.
CANDIDATES = 40


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Levenshtein distance with adjacent swaps, giving up past ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous_previous: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = char_a != char_b
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous_previous[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous_previous, previous = previous, current
    return previous[-1]


def _holds(longer: str, shorter: str) -> bool:
    """Whether ``shorter``'s letters appear in ``longer`` in the same order."""
    letters = iter(longer)
    return all(char in letters for char in shorter)


def _allowed_distance(word: str) -> int:
    return 1 if len(word) <= 4 else 2


def _known(words: list[str]) -> set[str]:
    """The reader's words that some published answer uses: one lookup by key."""
    if connection.vendor == "postgresql":
        sql = f"SELECT word FROM {POSTGRESQL_WORDS_TABLE} WHERE word = ANY(%s)"
        params: list = [words]
    elif connection.vendor == "sqlite":
        sql = " UNION ALL ".join(
            [f"SELECT term FROM {SQLITE_VOCABULARY} WHERE term = %s"] * len(words)
        )
        params = list(words)
    else:
        return set(words)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def _candidates(words: list[str]) -> list[tuple[str, str, int]]:
    """(asked word, vocabulary word, versions using it) near each unknown word: one query."""
    if connection.vendor == "postgresql":
        selects = [
            f"(SELECT %s, word, documents FROM {POSTGRESQL_WORDS_TABLE} "
            "WHERE word %% %s ORDER BY similarity(word, %s) DESC, documents DESC "
            f"LIMIT {CANDIDATES})"
        ] * len(words)
        params = [value for word in words for value in (word, word, word)]
    elif connection.vendor == "sqlite":
        # The vocabulary is read by a range of its terms: the words that
        # start with the same letter and are about as long.
        selects = [
            f"SELECT * FROM (SELECT %s, term, doc FROM {SQLITE_VOCABULARY} "
            "WHERE term >= %s AND term < %s AND length(term) BETWEEN %s AND %s "
            f"ORDER BY doc DESC LIMIT {CANDIDATES * 10})"
        ] * len(words)
        params = []
        for word in words:
            limit = _allowed_distance(word)
            params += [word, word[0], chr(ord(word[0]) + 1), len(word) - limit, len(word) + limit]
    else:
        return []
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)
        return [(row[0], row[1], row[2]) for row in cursor.fetchall()]


def suggestions(query: ReadQuery) -> dict[str, str]:
    """For each of the reader's words no published answer uses, the closest one that is used.

    A lookup by key says which words are known (the common case: one cheap
    query); only unknown words are compared with the vocabulary.
    """
    words = query.spellable_words
    if not words:
        return {}
    known = _known(words)
    unknown = [word for word in words if word not in known]
    if not unknown:
        return {}
    best: dict[str, tuple] = {}
    for asked, word, documents in _candidates(unknown):
        if word == asked:
            continue
        distance = edit_distance(asked, word, _allowed_distance(asked))
        if distance > _allowed_distance(asked):
            continue
        # Equal distances: readers swap and drop letters more often than they
        # type a wrong one, so a word with the same letters, then one that
        # holds all of theirs (or they all of its), then the commoner.
        rank = (
            distance,
            sorted(word) != sorted(asked),
            not (_holds(word, asked) or _holds(asked, word)),
            -documents,
            word,
        )
        if asked not in best or rank < best[asked]:
            best[asked] = rank
    return {asked: rank[-1] for asked, rank in best.items()}


def corrected_text(text: str, corrections: dict[str, str]) -> str:
    """The reader's text with each misspelt word replaced, everything else as typed."""
    if not corrections:
        return text

    def replace(match: re.Match) -> str:
        return corrections.get(match.group(0).casefold(), match.group(0))

    return WORD.sub(replace, text)


# --- Highlighting ------------------------------------------------------------------


def highlight_pattern(query: ReadQuery) -> str:
    """A regular expression for the words to mark in results' titles and summaries.

    Each word is matched by its first letters, so that "treating" marks
    "treatment" as the stemming search found it.
    """
    stems = sorted(
        {re.escape(word[:5]) for word in query.highlight_words if len(word) >= 3},
        key=len,
        reverse=True,
    )
    if not stems:
        return ""
    return r"\b(?:" + "|".join(stems) + r")\w*"


# --- Finding and ranking live answers ----------------------------------------------

SEARCH_CONFIG = "english"


def search_document():
    """A version's weighted document as PostgreSQL stores it (migration 0008):
    title first, then summary and topic, then both answers.

    A generated column, indexed by GIN: ranking reads it instead of computing
    the document again from both answers for every match.
    """
    return RawSQL(f'"{PublishedVersion._meta.db_table}"."search_document"', [], SearchVectorField())


def search_live_versions(
    query: str | ReadQuery, synonyms: Synonyms | None = None
) -> QuerySet[PublishedVersion] | RankedVersions:
    """Live versions matching any of the reader's words, best match first.

    PostgreSQL and SQLite rank with full-text search (stemming, so "treating"
    finds "treatment"): the title weighs most, then the summary, and an answer
    matching more of the words ranks higher. A quoted phrase must appear as
    written. Other databases need every word somewhere in the text. Either
    way the result is a sequence a Paginator can page through.
    """
    read = query if isinstance(query, ReadQuery) else read_query(query, synonyms)
    listing = selectors.live_versions().only(*selectors.LISTING_FIELDS)
    if read.is_empty:
        return listing.none()
    if connection.vendor == "postgresql":
        return RankedVersions(postgresql_ranked_ids(read), listing)
    if connection.vendor == "sqlite":
        return RankedVersions(_sqlite_ranked_ids(fts_match(read)), listing)
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


def postgresql_ranked_ids(read: ReadQuery) -> QuerySet:
    """The ids of the live versions matching ``read``, best first, as one query.

    The ids alone, not the rows: one pass ranks every match and counts them
    too, where a page of rows and a separate count read every match's
    document twice (at 100,000 articles a question with everyday words
    matches 50,000). Equal ranks put the newer approval first.
    """
    terms = postgresql_search_query(read)
    document = search_document()
    # Live as selectors.live_versions() means it (an article points at the
    # version), asked as a semi-join: PostgreSQL answers it from the pointer's
    # unique index alone instead of reading every article's row.
    live = PublishedVersion.objects.filter(pk__in=Article.objects.values("live_version_id"))
    return (
        live.annotate(rank=SearchRank(document, terms))
        .alias(document=document)
        .filter(document=terms)
        .order_by("-rank", "-approved_at", "-id")
        .values_list("pk", flat=True)
    )


def postgresql_search_query(read: ReadQuery):
    """The reader's groups as one tsquery: required phrases AND (any word OR synonym).

    Each word is its own ``plainto_tsquery``, so nothing the reader types is
    read as tsquery syntax. With a phrase required, the loose words still
    count towards the rank: the query asks for the phrase and (the words or
    the phrase again).
    """

    def alternative(words: tuple[str, ...]) -> SearchQuery:
        return SearchQuery(
            " ".join(words),
            config=SEARCH_CONFIG,
            search_type="phrase" if len(words) > 1 else "plain",
        )

    def group_query(group: Group) -> SearchQuery:
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


def _fts_group(group: Group) -> str:
    alternatives = [_fts_alternative(words) for words in group.alternatives]
    return alternatives[0] if len(alternatives) == 1 else "(" + " OR ".join(alternatives) + ")"


def fts_match(query: str | ReadQuery) -> str:
    """The reader's groups as an FTS5 query: required phrases AND (any word OR synonym).

    Words are quoted, which makes FTS5's own syntax (AND, NEAR, colons,
    quotes) plain text; longer ones are prefixes, so "treating" finds
    "treatment" once Porter has stemmed it. bm25 scores every phrase of the
    query, so the loose words rank answers even when a phrase is required.
    """
    read = query if isinstance(query, ReadQuery) else read_query(query)
    required = [_fts_group(g) for g in read.groups if g.required]
    optional = [_fts_group(g) for g in read.groups if not g.required]
    if not required:
        return " OR ".join(optional)
    must = " AND ".join(required)
    if not optional:
        return must
    return f"{must} AND ({' OR '.join([*optional, required[0]])})"


def _sqlite_ranked_ids(match: str) -> Iterator[int]:
    """The live matches' ids, best first, read from the index when first iterated."""
    with connection.cursor() as cursor:
        cursor.execute(SQLITE_RANKED_LIVE_IDS, [match])
        for (pk,) in cursor.fetchall():
            yield pk


class RankedVersions:
    """Search results in an order the database gave as ids: one query for the
    ids, then one per page for that page's versions only.

    A Paginator takes it as it takes a QuerySet (``len`` and slices): the
    ids are the count as well. Ranking and loading apart keep a common word
    cheap: the ranking reads the index (SQLite) or the documents (PostgreSQL)
    once, never the thousands of long answers it matches.
    """

    def __init__(self, ranked_ids: Iterable[int], listing: QuerySet[PublishedVersion]):
        # Lazy (a QuerySet, a generator): the query runs when the ids are first asked for.
        self.ranked_ids = ranked_ids
        self.listing = listing

    @functools.cached_property
    def ids(self) -> list[int]:
        return list(self.ranked_ids)

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
