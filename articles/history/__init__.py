"""Reading an article's past. This package reads; it never writes.

What people ask of a history, one module each:

- ``revisions``: an article as it stood at any revision, references included,
  and which revision a keyword (``current``, ``live``, ``reviewed``) means;
- ``diff``: two revisions compared field by field, long texts word by word;
- ``timeline``: every event in order with who, when and why, as far as the
  viewer (``articles.viewer.Viewer``) may read it;
- ``live``: which published version readers saw at a moment, and who approved it;
- ``export``: the full audit trail as records for JSON and CSV;
- ``audit``: the tamper check behind ``manage.py verify_audit``.

Every action is a row of the action log (articles.actionlog), written in the
transaction that did it, and django-simple-history keeps the full text of
every save: the past is read from those, never reconstructed by the clock.
Restoring an earlier revision is a write, so it lives with the other writes
(``articles.services.article_restore``; who may, ``articles.conditions``).

The names callers use are re-exported here, as ``wagtail.models`` does.
"""

from __future__ import annotations

from articles.history.diff import (
    Comparison,
    FieldChange,
    ReferenceChange,
    TextDiff,
    compare,
    diff_references,
    field_label,
    word_diff,
)
from articles.history.export import (
    CSV_COLUMNS,
    action_log_records,
    audit_document,
    audit_records,
    csv_rows,
)
from articles.history.live import LiveAnswer, LivePeriod, live_on, live_periods
from articles.history.revisions import (
    HistoricalArticle,
    HistoricalReference,
    HistoryError,
    ReferenceState,
    Revision,
    changed_since,
    references_as_of,
    resolve_revision,
    reviewed_decision,
    reviewed_revision_number,
    revision_count,
    revision_number,
    revision_row,
    revisions,
)
from articles.history.timeline import (
    Event,
    action_label,
    annotate_changes,
    build_timeline,
    state_label,
)

__all__ = [
    "CSV_COLUMNS",
    "Comparison",
    "Event",
    "FieldChange",
    "HistoricalArticle",
    "HistoricalReference",
    "HistoryError",
    "LiveAnswer",
    "LivePeriod",
    "ReferenceChange",
    "ReferenceState",
    "Revision",
    "TextDiff",
    "action_label",
    "action_log_records",
    "annotate_changes",
    "audit_document",
    "audit_records",
    "build_timeline",
    "changed_since",
    "compare",
    "csv_rows",
    "diff_references",
    "field_label",
    "live_on",
    "live_periods",
    "references_as_of",
    "resolve_revision",
    "reviewed_decision",
    "reviewed_revision_number",
    "revision_count",
    "revision_number",
    "revision_row",
    "revisions",
    "state_label",
    "word_diff",
]
