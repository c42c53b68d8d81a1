"""The audit trail as plain records, for an auditor: JSON and CSV.

An article's records are its timeline (articles.history.timeline) as far as
the viewer may read it, the hashed rows of its action log, and the periods
each version was live. Without a viewer everything is included: whoever
runs ``manage.py export_audit`` can read the database anyway. The records
carry the action log's hashes, so an export can be checked offline with
the standard library alone.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.utils import timezone

from articles.actionlog import HASHED_FIELDS, canonical_content, chain_key
from articles.history.live import live_periods
from articles.history.timeline import annotate_changes, build_timeline
from articles.models import ActionLogEntry, Article, PublishedVersion
from articles.roles import display_name
from articles.viewer import Viewer

CSV_COLUMNS = (
    "article",
    "at",
    "kind",
    "revision",
    "actor",
    "action",
    "from_state",
    "to_state",
    "comment",
    "version",
    "approved_by",
    "conflict_declared",
    "conflict_statement",
    "details",
    "log_seq",
    "fingerprint",
    "row_hash",
)

HASHING_NOTE = (
    "Each action_log row's row_hash is the SHA-256 of json.dumps({k: row[k] for k in "
    "hashed_fields}, sort_keys=True, separators=(',', ':'), ensure_ascii=False) in UTF-8; "
    "prev_hash is the row_hash of the row before it in the chain (empty for the first). "
    "A redacted row carries its hashes only. See the README, “Checking an export offline”."
)

# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    return value.isoformat()


def _published(version: PublishedVersion) -> dict:
    return {
        "number": version.number,
        "title": version.title,
        "slug": version.slug,
        "approved_at": _iso(version.approved_at),
        "approved_by": display_name(version.approved_by),
        "approving_members": version.reviewers,
        "review_round": version.review_round,
        "change_note": version.change_note,
        "fingerprint": version.fingerprint,
        "body_source": version.body_source,
        "plain_body_source": version.plain_body_source,
        "urgent_help_source": version.urgent_help_source,
        "references": version.references,
    }


def audit_records(article: Article, viewer: Viewer | None = None) -> list[dict]:
    """The article's full trail as plain records, oldest first, ready for JSON or CSV.

    Revisions (with what they changed and their references), transitions,
    assignments, decisions with their conflict-of-interest statements, and
    published versions with who approved them. ``viewer`` hides what that
    person may not read; without one, everything is included, for auditors.
    """
    viewer = viewer or Viewer()
    events = build_timeline(article, viewer)
    annotate_changes(article, events)
    versions = {
        v.pk: v
        for v in PublishedVersion.objects.filter(article=article).select_related("approved_by")
    }
    records = []
    for event in events:
        saved = event.revision if event.revision and event.kind != "decision" else None
        record: dict[str, Any] = {
            "article": article.slug,
            "at": _iso(event.at),
            "kind": event.kind,
            "revision": saved.number if saved else None,
            "actor": event.actor,
            "action": str(event.title),
            "from_state": event.from_state or None,
            "to_state": event.to_state or (saved.state if saved else None),
            "comment": event.comment or "",
            "version": None,
            "approved_by": None,
            "conflict_declared": None,
            "conflict_statement": None,
            "details": {},
            # Where the event sits in the article's hash chain (see "action_log").
            "log_seq": event.details.get("seq"),
            "fingerprint": event.details.get("fingerprint") or None,
            "row_hash": event.details.get("row_hash"),
        }
        details = record["details"]
        if event.details.get("action"):
            details["action"] = event.details["action"]
        for flag in ("backfilled", "outside_the_log"):
            if event.details.get(flag):
                details[flag] = True
        if event.transition:
            details["transition"] = event.transition
        if event.kind in ("revision", "transition", "retracted") and event.revision:
            details["reason"] = event.revision.reason
            details["changed"] = event.details.get("changed", [])
        if event.reference_notes:
            details["references"] = list(event.reference_notes)
        if event.decision:
            record["conflict_declared"] = event.decision["conflict_declared"]
            record["conflict_statement"] = event.decision["conflict_statement"]
            details.update(
                {
                    k: v
                    for k, v in event.decision.items()
                    if k not in ("conflict_declared", "conflict_statement")
                }
            )
        if event.version:
            version = versions[event.version["id"]]
            record["version"] = version.number
            record["approved_by"] = display_name(version.approved_by)
            details["published"] = _published(version)
        records.append(record)
    return records


def article_summary(article: Article) -> dict:
    return {
        "id": article.pk,
        "slug": article.slug,
        "title": article.title,
        "author": display_name(article.author),
        "topic": article.topic.name,
        "state": article.state,
        "live_version": article.live_version.number if article.live_version_id else None,
    }


def _live_periods(article: Article) -> list[dict]:
    return [
        {
            "version": p.version.number,
            "from": _iso(p.start),
            "until": _iso(p.end),
            "ended_by": p.ended_by or None,
            "ended_by_user": p.ended_by_user or None,
            "end_comment": p.end_comment or None,
            "approved_by": display_name(p.version.approved_by),
            "approving_members": p.version.reviewers,
        }
        for p in live_periods(article)
    ]


def audit_document(
    articles: Iterable[Article], viewer_for: Callable[[Article], Viewer] | None = None
) -> dict:
    """The JSON export: each article with its trail and its live periods."""
    exported = []
    for article in articles:
        viewer = viewer_for(article) if viewer_for else Viewer()
        events = audit_records(article, viewer)
        exported.append(
            {
                "article": article_summary(article),
                "events": events,
                "action_log": action_log_records(
                    article, shown={e["log_seq"] for e in events}, full=viewer.editor
                ),
                "live_periods": _live_periods(article),
            }
        )
    return {
        "exported_at": _iso(timezone.now()),
        "hashing": HASHING_NOTE,
        "articles": exported,
    }


def action_log_records(
    article: Article, *, shown: set | None = None, full: bool = True
) -> list[dict]:
    """The article's chain as hashed, for an auditor to recompute offline.

    A row the reader may not see in full (``full`` false and its event not
    ``shown``) keeps its position and hashes but not its content: the chain
    still links from its neighbours.
    """
    records = []
    for row in ActionLogEntry.objects.filter(chain=chain_key(article.pk)).order_by("seq"):
        if full or (shown and row.seq in shown):
            content = json.loads(canonical_content(row))
            records.append(
                {**content, "row_hash": row.row_hash, "hashed_fields": list(HASHED_FIELDS)}
            )
        else:
            records.append(
                {
                    "chain": row.chain,
                    "seq": row.seq,
                    "redacted": True,
                    "prev_hash": row.prev_hash,
                    "row_hash": row.row_hash,
                }
            )
    return records


def csv_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: a leading apostrophe defuses formulas."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def csv_rows(records: Iterable[dict]) -> Iterable[list[str]]:
    """CSV rows of audit records: lists and mappings as JSON in their cell."""
    yield list(CSV_COLUMNS)
    for record in records:
        row = []
        for column in CSV_COLUMNS:
            value = record.get(column)
            if isinstance(value, dict | list):
                value = json.dumps(value, ensure_ascii=False, sort_keys=True)
            elif value is None:
                value = ""
            elif isinstance(value, bool):
                value = "yes" if value else "no"
            row.append(csv_cell(str(value)))
        yield row
