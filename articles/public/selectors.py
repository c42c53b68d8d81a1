"""Reads for the public site: published versions only, never the working copy."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404

from articles.models import AuditEntry, PublishedVersion, SitePage

# What an article page loads of its version and of the working copy: every
# column of the version, and of the article its state alone (to say that an
# update is under review), never a word of its content.
PAGE_FIELDS = (
    *(field.name for field in PublishedVersion._meta.concrete_fields),
    "live_for__state",
    "live_for__updated_at",
)


def live_versions() -> QuerySet[PublishedVersion]:
    """The one source of everything readers see: each article's live version.

    A version is live while its article points at it; a retraction or a newer
    approval moves the pointer, so superseded and retracted versions drop out.
    """
    return PublishedVersion.objects.filter(live_for__isnull=False)


def live_version_by_slug(slug: str) -> PublishedVersion:
    """The live version at this address, with its article's workflow state.

    One query (``PAGE_FIELDS``).
    """
    try:
        return live_versions().select_related("live_for").only(*PAGE_FIELDS).get(slug=slug)
    except PublishedVersion.DoesNotExist:
        raise Http404("No published article at this address.") from None


def version_for_page(version_id: int) -> PublishedVersion:
    """A version with everything its page shows (its article's content excluded)."""
    return PublishedVersion.objects.select_related("live_for").only(*PAGE_FIELDS).get(pk=version_id)


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
