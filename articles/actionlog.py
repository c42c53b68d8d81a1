"""The action log: one append-only, hash-chained row per action, written as it happens.

Every service that changes something calls ``log_action`` inside its own
transaction, so the row and the change commit or roll back together. Rows
form chains: one per article and one site-wide chain for actions about no
single article. Each row stores ``prev_hash`` (the previous row's hash in
its chain) and ``row_hash``, the SHA-256 of its canonical content:

    json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

encoded as UTF-8, where ``content`` holds exactly the keys of ``HASHED_FIELDS``
with ``at`` in ISO 8601 UTC and ``by``/``article`` as ids (or null). Anyone
holding an export can recompute the chain with the standard library alone.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import ActionLogChain, ActionLogEntry, Article

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser as User

SITE_CHAIN = "site"
# What people read for each action; workflow transitions read their own label.
ACTION_LABELS = {
    "article.create": _("Created"),
    "article.edit": _("Edited"),
    "article.restore": _("Restored an earlier revision"),
    "article.references": _("References changed"),
    "assignment.create": _("Invited a board member"),
    "assignment.reinvite": _("Invited a board member again, automatically on resubmission"),
    "assignment.accept": _("Accepted a review"),
    "assignment.decline": _("Declined a review"),
    "assignment.cancel": _("Cancelled a review request"),
    "assignment.close": _("Closed an unanswered review when the round ended"),
    "decision.record": _("Recorded a review decision"),
    "reminder.send": _("Sent a reminder"),
    "member.credentials": _("Changed a board member's record"),
    "policy.topic": _("Changed a topic's review policy"),
    "policy.reminder_rule": _("Changed a reminder rule"),
    "policy.checklist": _("Changed the review checklist"),
}
HASHED_FIELDS = (
    "chain",
    "seq",
    "at",
    "by",
    "action",
    "article",
    "from_state",
    "to_state",
    "fingerprint",
    "payload",
    "backfilled",
    "prev_hash",
)


def chain_key(article_id: int | None) -> str:
    return f"article-{article_id}" if article_id is not None else SITE_CHAIN


def plain_json(payload: dict | None) -> dict:
    """The payload as it reads back from either database: JSON types only."""
    return json.loads(json.dumps(payload or {}, default=str, sort_keys=True))


def canonical_content(row: ActionLogEntry | dict[str, Any]) -> bytes:
    """The bytes a row's hash is taken over (see the module docstring)."""
    if isinstance(row, ActionLogEntry):
        row = {
            "chain": row.chain,
            "seq": row.seq,
            "at": row.at,
            "by": row.by_id,
            "action": row.action,
            "article": row.article_id,
            "from_state": row.from_state,
            "to_state": row.to_state,
            "fingerprint": row.fingerprint,
            "payload": row.payload,
            "backfilled": row.backfilled,
            "prev_hash": row.prev_hash,
        }
    content = {name: row[name] for name in HASHED_FIELDS}
    at = content["at"]
    if isinstance(at, datetime.datetime):
        content["at"] = at.astimezone(datetime.UTC).isoformat()
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def row_hash(row: ActionLogEntry | dict[str, Any]) -> str:
    return hashlib.sha256(canonical_content(row)).hexdigest()


def _lock_chain(key: str) -> ActionLogChain:
    """The chain's head, locked to the end of the transaction, created if new."""
    head = ActionLogChain.objects.select_for_update().filter(key=key).first()
    if head is None:
        # Two first writers of a chain: one inserts, the other's insert is a
        # no-op that waits for it (PostgreSQL); then both lock the same row.
        ActionLogChain.objects.bulk_create([ActionLogChain(key=key)], ignore_conflicts=True)
        head = ActionLogChain.objects.select_for_update().get(key=key)
    return head


def log_action(
    *,
    action: str,
    by: User | None,
    article: Article | None = None,
    from_state: str = "",
    to_state: str = "",
    fingerprint: str = "",
    payload: dict | None = None,
    at: datetime.datetime | None = None,
    backfilled: bool = False,
) -> ActionLogEntry:
    """Append one row to the article's chain (or the site's) and return it.

    Must run inside the transaction of the change it records: the chain's
    head stays locked until that transaction ends. ``by=None`` means the
    system acted by itself. ``at`` and ``backfilled`` are for the one-off
    backfill of records older than the log.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("log_action must run inside the transaction of the change it records.")
    article_id = article.pk if article is not None else None
    key = chain_key(article_id)
    head = _lock_chain(key)
    entry = ActionLogEntry(
        chain=key,
        seq=head.length + 1,
        at=at or timezone.now(),
        by=by,
        action=action,
        article_id=article_id,
        from_state=str(from_state or ""),
        to_state=str(to_state or ""),
        fingerprint=fingerprint or "",
        payload=plain_json(payload),
        backfilled=backfilled,
        prev_hash=head.head_hash,
    )
    entry.row_hash = row_hash(entry)
    entry.save()
    ActionLogChain.objects.filter(pk=head.pk).update(
        length=F("length") + 1, head_hash=entry.row_hash
    )
    return entry
