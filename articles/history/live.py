"""Which published version readers saw, when, and who approved it.

A version goes live with the approval that published it and stays live
until the next approval replaces it or a retraction takes the article
down. Both are rows of the action log, so the periods are a query over
the log, never a guess from dates.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from articles.actionlog import chain_key
from articles.models import ActionLogEntry, Article, PublishedVersion
from articles.roles import display_name
from reviewers.choices import Decision
from reviewers.models import ReviewDecision


@dataclass
class LivePeriod:
    """A stretch of time during which one published version was what readers saw."""

    version: PublishedVersion
    start: datetime.datetime
    end: datetime.datetime | None  # None: still live
    ended_by: str = ""  # "replaced" or "retracted"
    ended_by_user: str = ""
    end_comment: str = ""
    approvals: list[dict] = field(default_factory=list)

    def covers(self, start: datetime.datetime, end: datetime.datetime) -> bool:
        return self.start < end and (self.end is None or self.end > start)


def _approvals_by_round(article: Article) -> dict[int, list[dict]]:
    """The counted approvals of each review round, as the members gave them."""
    approvals: dict[int, list[dict]] = {}
    for decision in (
        ReviewDecision.objects.filter(
            assignment__article=article, decision=Decision.APPROVE, conflict_declared=False
        )
        .select_related("assignment__reviewer__user")
        .order_by("recorded_at", "id")
    ):
        approvals.setdefault(decision.assignment.round, []).append(
            {
                "name": decision.assignment.reviewer.name,
                # As they stood when the member decided.
                "credentials": decision.member_credentials
                or decision.assignment.reviewer.credentials,
                "at": decision.recorded_at,
                "comment": decision.comment_to_author,
                "fingerprint": decision.fingerprint,
            }
        )
    return approvals


def live_periods(article: Article) -> list[LivePeriod]:
    """When each published version was live, oldest first. Three queries."""
    marks = list(
        ActionLogEntry.objects.filter(
            chain=chain_key(article.pk), action__in=["article.approve", "article.retract"]
        )
        .select_related("by")
        .order_by("seq")
    )
    versions = {
        v.number: v
        for v in PublishedVersion.objects.filter(article=article).select_related("approved_by")
    }
    approvals = _approvals_by_round(article)
    periods: list[LivePeriod] = []
    current: LivePeriod | None = None
    for mark in marks:
        version = (
            versions.get(mark.payload.get("version")) if mark.action == "article.approve" else None
        )
        if mark.action == "article.approve" and version is None:
            continue  # pragma: no cover - an approval always publishes a version
        if current is not None:
            current.end = mark.at
            current.ended_by_user = display_name(mark.by) if mark.by else _("the system")
            if version is not None:
                current.ended_by = "replaced"
                current.end_comment = _("Replaced by version %(n)s.") % {"n": version.number}
            else:
                current.ended_by = "retracted"
                current.end_comment = mark.payload.get("comment", "")
            current = None
        if version is not None:
            current = LivePeriod(
                version=version,
                start=mark.at,
                end=None,
                approvals=approvals.get(version.review_round, []),
            )
            periods.append(current)
    return periods


@dataclass
class LiveAnswer:
    start: datetime.datetime
    end: datetime.datetime
    periods: list[LivePeriod]


def live_on(
    article: Article,
    day: datetime.date,
    at: datetime.time | None = None,
) -> LiveAnswer:
    """The versions readers could see on ``day`` (at ``at``, if given), in the site's time zone."""
    tz = timezone.get_current_timezone()
    if at is not None:
        start = timezone.make_aware(datetime.datetime.combine(day, at), tz)
        end = start + datetime.timedelta(microseconds=1)
    else:
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), tz)
        end = timezone.make_aware(
            datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min), tz
        )
    periods = [p for p in live_periods(article) if p.covers(start, end)]
    return LiveAnswer(start=start, end=end, periods=periods)
