"""An article's history, made readable: timeline, revisions, diffs, restore, export.

Every action is one row of the action log (articles.actionlog), written in
the transaction that did it; each revision of the article names the row
that made it (``action_seq``). The timeline, the exports and "live on date
D" are queries over the log: nothing is matched up by the clock afterwards.
django-simple-history keeps the full text of every save, read for
revisions, comparisons and restores. Who may read what is decided by
``articles.viewer.Viewer``. This module answers what people ask of a history:

- the timeline of an article, every event in order with who, when and why;
- an article as it stood at any revision, references included;
- a field-by-field comparison of two revisions, with word-level diffs;
- a restore that starts a new revision from an old one, never rewriting;
- the full audit trail as records for CSV and JSON;
- which published version was live at a moment, and who approved it.

Revisions are numbered 1, 2, 3… per article in the order they were saved:
history is append-only, so a number never changes meaning.

Reads fetch each source once, with only the columns they need, so a timeline
costs the same handful of queries for 5 revisions or 5,000.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime
import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from articles.actionlog import chain_key, log_action
from articles.choices import ArticleState
from articles.conditions import is_editor, wrote
from articles.fingerprints import fingerprint
from articles.models import (
    ActionLogEntry,
    Article,
    PublishedVersion,
    Reference,
    Topic,
)
from articles.roles import display_name
from articles.services import WorkflowError
from articles.transitions import transition_info
from articles.viewer import Viewer

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser as User

HistoricalArticle = Article.history.model
HistoricalReference = Reference.history.model

# The fields of an article a revision shows and a comparison walks, in the
# order of the article's form. The state is shown, never restored.
COMPARED_FIELDS = (
    "title",
    "slug",
    "topic",
    "summary",
    "body",
    "plain_body",
    "urgent_help",
    "origin",
    "generator",
    "generator_version",
    "source_reference",
    "change_note",
)
# Long text: compared word by word rather than as a whole value.
LONG_FIELDS = frozenset({"summary", "body", "plain_body", "urgent_help", "change_note", "title"})
REFERENCE_FIELDS = ("position", "authors", "title", "journal", "year", "pmid", "doi", "url")

# Columns a timeline needs from the article's history: never the texts.
_REVISION_COLUMNS = (
    "history_id",
    "history_date",
    "history_user_id",
    "history_change_reason",
    "history_type",
    "state",
    "review_round",
    "live_version_id",
    "action_seq",
)

# Names the reviewers app may give a decision's note to the editors; read
# with getattr so that this module works before and after that field lands.
CONFIDENTIAL_NOTE_FIELDS = ("confidential_note", "note_to_editors", "confidential_comment")


class HistoryError(WorkflowError):
    """A history request that cannot be answered; ``str(error)`` says why."""


# --- Revisions -------------------------------------------------------------------


@dataclass(frozen=True)
class Revision:
    """One saved state of an article, as listed on a timeline."""

    number: int
    history_id: int
    at: datetime.datetime
    user_id: int | None
    reason: str
    history_type: str
    state: str
    review_round: int
    live_version_id: int | None
    action_seq: int = 0

    @property
    def state_label(self) -> str:
        return str(ArticleState(self.state).label) if self.state in ArticleState.values else ""


def revisions(article: Article) -> list[Revision]:
    """Every revision of the article, oldest first, numbered from 1. One query."""
    rows = (
        HistoricalArticle.objects.filter(id=article.pk)
        .order_by("history_id")
        .values_list(*_REVISION_COLUMNS)
    )
    return [
        Revision(
            number=n,
            history_id=hid,
            at=at,
            user_id=user_id,
            reason=reason or "",
            history_type=kind,
            state=state,
            review_round=review_round,
            live_version_id=live_id,
            action_seq=seq,
        )
        for n, (hid, at, user_id, reason, kind, state, review_round, live_id, seq) in enumerate(
            rows, start=1
        )
    ]


# No article comes near this many revisions; bigger numbers in a URL would
# overflow the database's integers.
MAX_REVISION = 10**9


def _check_number(article: Article, number: int) -> None:
    if number < 1:
        raise HistoryError(_("Revisions are numbered from 1."))
    if number > MAX_REVISION:
        raise HistoryError(_("This article has no revision %(number)s.") % {"number": number})


def revision_row(article: Article, number: int):
    """The full historical row of revision ``number`` (1-based), or HistoryError."""
    _check_number(article, number)
    row = HistoricalArticle.objects.filter(id=article.pk).order_by("history_id")[
        number - 1 : number
    ]
    row = next(iter(row), None)
    if row is None:
        raise HistoryError(_("This article has no revision %(number)s.") % {"number": number})
    return row


def revision_number(article: Article, history_id: int) -> int | None:
    """The number of the revision stored as history row ``history_id``."""
    rows = HistoricalArticle.objects.filter(id=article.pk)
    if not rows.filter(history_id=history_id).exists():
        return None
    return rows.filter(history_id__lte=history_id).count()


def next_revision_date(article: Article, history_id: int) -> datetime.datetime | None:
    """When the revision after ``history_id`` was saved; None for the latest."""
    return (
        HistoricalArticle.objects.filter(id=article.pk, history_id__gt=history_id)
        .order_by("history_id")
        .values_list("history_date", flat=True)
        .first()
    )


# --- References as of a revision -----------------------------------------------------


@dataclass(frozen=True)
class ReferenceState:
    """A reference as it stood at some moment."""

    id: int
    position: int
    authors: str
    title: str
    journal: str
    year: int | None
    pmid: str
    doi: str
    url: str

    @property
    def authors_text(self) -> str:
        """The authors without a closing full stop, which the citation adds."""
        return self.authors.strip().rstrip(".")


def _reference_rows(article: Article, before: datetime.datetime | None = None) -> list[dict]:
    rows = HistoricalReference.objects.filter(article_id=article.pk)
    if before is not None:
        rows = rows.filter(history_date__lt=before)
    return list(
        rows.order_by("history_date", "history_id").values(
            "id",
            "history_id",
            "history_date",
            "history_type",
            "history_user_id",
            "history_change_reason",
            *REFERENCE_FIELDS,
        )
    )


def _references_at(rows: Iterable[dict], before: datetime.datetime | None) -> list[ReferenceState]:
    """Replay reference history rows (oldest first) up to ``before``, exclusive."""
    latest: dict[int, dict] = {}
    for row in rows:
        if before is not None and row["history_date"] >= before:
            break
        latest[row["id"]] = row
    alive = [
        ReferenceState(id=row["id"], **{name: row[name] for name in REFERENCE_FIELDS})
        for row in latest.values()
        if row["history_type"] != "-"
    ]
    # The article's own ordering: position, then id.
    return sorted(alive, key=lambda ref: (ref.position, ref.id))


def references_as_of(article: Article, number: int) -> list[ReferenceState]:
    """The article's references as they stood at revision ``number``.

    A revision lasts until the next one is saved, and the admin saves the
    article before its references: the references of a revision are those
    in place just before the next revision (or now, for the latest). This is
    simple-history's ``as_of`` on the references' history, filtered by
    article, with the end of the revision rather than its start as the
    moment. Two queries.
    """
    row = revision_row(article, number)
    before = next_revision_date(article, row.history_id)
    return _references_at(_reference_rows(article, before), before)


# --- Diffs -------------------------------------------------------------------------

_TOKENS = re.compile(r"\s+|[^\W_]+(?:['\u2019-][^\W_]+)*|.", re.UNICODE)


@dataclass
class TextDiff:
    html: SafeString  # the whole text, changes marked
    added: int  # words inserted
    removed: int  # words deleted
    brief: SafeString  # only the changes and a few lines around them
    skipped: int  # unchanged lines the brief version leaves out

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def _words(tokens: list[str]) -> int:
    """Words among tokens: punctuation and spaces do not count."""
    return sum(1 for t in tokens if any(c.isalnum() for c in t))


def _mark(tag: str, tokens: list[str]) -> str:
    """Wrap changed tokens, leaving whitespace-only runs unmarked but kept."""
    text = "".join(tokens)
    if not text:
        return ""
    if text.isspace():
        return f'<{tag} class="hd-space">{escape(text)}</{tag}>'
    return f"<{tag}>{escape(text)}</{tag}>"


def _segments(old: list[str], new: list[str]) -> list[tuple[bool, list[str], list[str]]]:
    """Runs of (equal?, old tokens, new tokens), changes joined across single spaces.

    "on their own" replaced by "without treatment" reads as one change, not
    as three words swapped around two unchanged spaces.
    """
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    raw = [(op == "equal", old[i1:i2], new[j1:j2]) for op, i1, i2, j1, j2 in matcher.get_opcodes()]
    merged: list[tuple[bool, list[str], list[str]]] = []
    for k, (equal, a, b) in enumerate(raw):
        between_changes = 0 < k < len(raw) - 1 and not raw[k - 1][0] and not raw[k + 1][0]
        if equal and between_changes and all(t.isspace() and "\n" not in t for t in a):
            equal = False
        if merged and not equal and not merged[-1][0]:
            merged[-1] = (False, merged[-1][1] + a, merged[-1][2] + b)
        else:
            merged.append((equal, list(a), list(b)))
    return merged


def _diff_tokens(old: list[str], new: list[str], out: list[str]) -> tuple[int, int]:
    added = removed = 0
    for equal, a, b in _segments(old, new):
        if equal:
            out.append(escape("".join(a)))
            continue
        removed += _words(a)
        added += _words(b)
        # A word added or removed on its own takes its space along: keep
        # the space outside the mark so that the mark covers words only.
        leading: list[str] = []
        trailing: list[str] = []
        one_sided = a if not b else b if not a else None
        if one_sided and all(t.isspace() for t in one_sided):
            one_sided = None  # a change of spacing alone stays marked
        while one_sided and one_sided[-1].isspace():
            trailing.insert(0, one_sided.pop())
        while one_sided and one_sided[0].isspace():
            leading.append(one_sided.pop(0))
        out.append(escape("".join(leading)))
        out.append(_mark("del", a))
        out.append(_mark("ins", b))
        out.append(escape("".join(trailing)))
    return added, removed


# Unchanged lines kept on each side of a change in the brief version of a diff.
CONTEXT_LINES = 2


def _skip(count: int) -> str:
    return (
        '<span class="hd-skip">'
        + escape(_("… %(n)s unchanged lines …") % {"n": count})
        + "</span>\n"
    )


def word_diff(old: str, new: str) -> TextDiff:
    """An HTML word-level diff of two texts: <del> for removed, <ins> for added.

    Lines are matched first, then words within the lines that changed, so a
    long answer diffs fast and an edit in one paragraph stays in that
    paragraph. Every piece of text is HTML-escaped: the result is safe to
    render as is. ``brief`` keeps only the changed lines and
    ``CONTEXT_LINES`` around each, for reading a long answer's edits fast.
    """
    old, new = old or "", new or ""
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    out: list[str] = []
    brief: list[str] = []
    added = removed = skipped = 0
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    opcodes = matcher.get_opcodes()
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            lines = old_lines[i1:i2]
            out.append(escape("".join(lines)))
            head = CONTEXT_LINES if index > 0 else 0
            tail = CONTEXT_LINES if index < len(opcodes) - 1 else 0
            if len(lines) > head + tail + 1:
                brief.append(escape("".join(lines[:head])))
                brief.append(_skip(len(lines) - head - tail))
                brief.append(escape("".join(lines[len(lines) - tail :] if tail else [])))
                skipped += len(lines) - head - tail
            else:
                brief.append(escape("".join(lines)))
            continue
        start = len(out)
        a, r = _diff_tokens(
            _TOKENS.findall("".join(old_lines[i1:i2])),
            _TOKENS.findall("".join(new_lines[j1:j2])),
            out,
        )
        brief.extend(out[start:])
        added += a
        removed += r
    return TextDiff(
        html=mark_safe("".join(out)),
        added=added,
        removed=removed,
        brief=mark_safe("".join(brief)),
        skipped=skipped,
    )


@dataclass
class FieldChange:
    name: str
    label: str
    old: Any
    new: Any
    diff: TextDiff | None = None

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass
class ReferenceChange:
    kind: str  # "added", "removed", "changed", "unchanged"
    old: ReferenceState | None
    new: ReferenceState | None
    fields: list[FieldChange] = field(default_factory=list)

    @property
    def reference(self) -> ReferenceState:
        return self.new or self.old  # type: ignore[return-value]


def diff_references(old: list[ReferenceState], new: list[ReferenceState]) -> list[ReferenceChange]:
    """References added, removed and changed, matched by their identity, in new order."""
    old_by_id = {ref.id: ref for ref in old}
    new_ids = {ref.id for ref in new}
    changes: list[ReferenceChange] = []
    for ref in new:
        before = old_by_id.get(ref.id)
        if before is None:
            changes.append(ReferenceChange("added", None, ref))
            continue
        fields = [
            FieldChange(
                name,
                _reference_label(name),
                getattr(before, name),
                getattr(ref, name),
                word_diff(str(getattr(before, name) or ""), str(getattr(ref, name) or ""))
                if name in ("authors", "title", "journal")
                else None,
            )
            for name in REFERENCE_FIELDS
            if getattr(before, name) != getattr(ref, name)
        ]
        changes.append(ReferenceChange("changed" if fields else "unchanged", before, ref, fields))
    removed = [ref for ref in old if ref.id not in new_ids]
    # A reference deleted and later added again (a restore does that) is the
    # same source under a new row: not worth an "added" and a "removed".
    for ref in list(removed):
        twin = next(
            (c for c in changes if c.kind == "added" and _content(c.new) == _content(ref)),
            None,
        )
        if twin is not None:
            removed.remove(ref)
            twin.old = ref
            twin.kind = "unchanged" if ref.position == twin.new.position else "changed"
            if twin.kind == "changed":
                twin.fields = [
                    FieldChange(
                        "position", _reference_label("position"), ref.position, twin.new.position
                    )
                ]
    changes.extend(ReferenceChange("removed", ref, None) for ref in removed)
    return changes


def _content(reference) -> tuple:
    return tuple(getattr(reference, name) for name in REFERENCE_FIELDS if name != "position")


def _reference_label(name: str) -> str:
    return str(Reference._meta.get_field(name).verbose_name)


def _field_label(name: str) -> str:
    return str(Article._meta.get_field(name).verbose_name)


def _value(row, name: str, topics: dict[int, str]) -> Any:
    if name == "topic":
        return topics.get(row.topic_id, f"#{row.topic_id}")
    if name == "origin":
        return row.get_origin_display()
    return getattr(row, name)


@dataclass
class Comparison:
    article: Article
    old: Revision
    new: Revision
    fields: list[FieldChange]
    references: list[ReferenceChange]

    @property
    def changed_fields(self) -> list[FieldChange]:
        return [f for f in self.fields if f.changed]

    @property
    def unchanged_labels(self) -> list[str]:
        return [f.label for f in self.fields if not f.changed]

    @property
    def reference_changes(self) -> list[ReferenceChange]:
        return [r for r in self.references if r.kind != "unchanged"]

    @property
    def identical(self) -> bool:
        return not self.changed_fields and not self.reference_changes


def compare(article: Article, old_number: int, new_number: int) -> Comparison:
    """Revision ``old_number`` against ``new_number``, field by field. Four queries."""
    listing = revisions(article)
    for number in (old_number, new_number):
        if not 1 <= number <= len(listing):
            raise HistoryError(
                _("This article has no revision %(number)s: it has %(count)s.")
                % {"number": number, "count": len(listing)}
            )
    old_rev, new_rev = listing[old_number - 1], listing[new_number - 1]
    rows = {
        row.history_id: row
        for row in HistoricalArticle.objects.filter(
            history_id__in=[old_rev.history_id, new_rev.history_id]
        )
    }
    old_row, new_row = rows[old_rev.history_id], rows[new_rev.history_id]
    topics = dict(
        Topic.objects.filter(pk__in={old_row.topic_id, new_row.topic_id}).values_list("pk", "name")
    )

    def ends(rev: Revision) -> datetime.datetime | None:
        return listing[rev.number].at if rev.number < len(listing) else None

    old_end, new_end = ends(old_rev), ends(new_rev)
    latest_end = None if old_end is None or new_end is None else max(old_end, new_end)
    reference_rows = _reference_rows(article, latest_end)
    fields = []
    for name in COMPARED_FIELDS:
        old_value, new_value = _value(old_row, name, topics), _value(new_row, name, topics)
        change = FieldChange(name, _field_label(name), old_value, new_value)
        if name in LONG_FIELDS and old_value != new_value:
            change.diff = word_diff(str(old_value), str(new_value))
        fields.append(change)
    return Comparison(
        article=article,
        old=old_rev,
        new=new_rev,
        fields=fields,
        references=diff_references(
            _references_at(reference_rows, old_end), _references_at(reference_rows, new_end)
        ),
    )


def resolve_revision(article: Article, token: str, user: User) -> int:
    """Turn a revision number or keyword of a URL into a revision number.

    ``current``: the latest revision. ``live``: the revision that was
    approved into the version readers see now. ``reviewed``: the revision
    this user last reviewed (a board member's decision records it); for an
    editor or the author without a decision of their own, the revision the
    board last reviewed.
    """
    token = (token or "").strip().lower()
    if token.isdigit():
        number = int(token)
        _check_number(article, number)
        return number
    if token == "current":
        count = HistoricalArticle.objects.filter(id=article.pk).count()
        if not count:
            raise HistoryError(_("This article has no recorded revision yet."))
        return count
    if token == "live":
        if article.live_version_id is None:
            raise HistoryError(
                _("Nothing of this article is public now, so there is no live version to compare.")
            )
        history_id = (
            HistoricalArticle.objects.filter(id=article.pk, live_version_id=article.live_version_id)
            .order_by("history_id")
            .values_list("history_id", flat=True)
            .first()
        )
        number = revision_number(article, history_id) if history_id else None
        if number is None:  # pragma: no cover - approval always saves a revision
            raise HistoryError(_("The revision of the live version was not found."))
        return number
    if token == "reviewed":
        decision = reviewed_decision(article, user)
        if decision is None:
            raise HistoryError(
                _("There is no earlier reviewed version of this article to compare with.")
            )
        return reviewed_revision_number(article, decision)
    raise HistoryError(
        _("“%(token)s” is not a revision: use a revision number, “current”, “live” or “reviewed”.")
        % {"token": token[:40]}
    )


def reviewed_decision(article: Article, user: User):
    """The decision whose revision “the version reviewed” means for this user."""
    from reviewers.models import ReviewDecision

    decisions = ReviewDecision.objects.filter(assignment__article=article).order_by(
        "-recorded_at", "-id"
    )
    own = decisions.filter(recorded_by=user).first()
    if own is not None or not (is_editor(user) or wrote(article, user)):
        return own
    return decisions.first()


def reviewed_revision_number(article: Article, decision) -> int:
    """The revision on screen when ``decision`` was recorded."""
    if decision.reviewed_revision:
        number = revision_number(article, decision.reviewed_revision)
        if number is not None:
            return number
    # Decisions recorded before the revision was stored: the one saved last before them.
    return max(
        HistoricalArticle.objects.filter(
            id=article.pk, history_date__lte=decision.recorded_at
        ).count(),
        1,
    )


def changed_since(article: Article, number: int) -> bool:
    """Whether the working copy's text or references differ from revision ``number``."""
    row = revision_row(article, number)
    attnames = ["topic_id" if name == "topic" else name for name in Article.CONTENT_FIELDS]
    if any(getattr(row, a) != getattr(article, a) for a in attnames):
        return True
    before = next_revision_date(article, row.history_id)
    then = _references_at(_reference_rows(article, before), before)
    return sorted(map(_signature, then)) != sorted(map(_signature, article.references.all()))


# --- Restore --------------------------------------------------------------------------


def may_restore(article: Article, user: User) -> bool:
    return bool(user and user.is_active) and (wrote(article, user) or is_editor(user))


def restore_refusal(article: Article, user: User) -> str | None:
    """Why ``user`` may not restore a revision of the article now, or None."""
    if not may_restore(article, user):
        return _("Only the article's author or an editor can restore an earlier revision.")
    if not article.is_editable:
        if article.state == ArticleState.APPROVED:
            return _(
                "The article is approved: start a revision first, then restore the earlier "
                "text into that draft. Nothing was changed."
            )
        if article.state in (ArticleState.SUBMITTED, ArticleState.UNDER_REVIEW):
            return _(
                "The article is %(state)s, so its text is frozen for the board. Withdraw it "
                "first if you need to restore an earlier revision. Nothing was changed."
            ) % {"state": article.get_state_display().lower()}
        return _(
            "The article is %(state)s: only a draft or an article back for changes can be "
            "restored into. Nothing was changed."
        ) % {"state": article.get_state_display().lower()}
    return None


def restore_reason(number: int) -> str:
    return _("Restored from revision %(number)s") % {"number": number}


def article_restore(*, article: Article | int, number: int, by: User) -> Article:
    """Make an earlier revision's text the working copy again, as a new revision.

    Nothing in the history is changed or removed: the article gets one new
    revision (and its references one new row each where they change) with the
    reason "Restored from revision N". The article stays a draft (or back for
    changes) and must be submitted and reviewed like any edit.
    """
    pk = article.pk if isinstance(article, Article) else article
    with transaction.atomic():
        current = Article.objects.locked(pk)
        refusal = restore_refusal(current, by)
        if refusal:
            raise WorkflowError(refusal)
        row = revision_row(current, number)
        reason = restore_reason(number)
        before = next_revision_date(current, row.history_id)
        wanted = _references_at(_reference_rows(current, before), before)
        existing = list(Reference.objects.select_for_update().filter(article=current))
        same_text = all(
            getattr(current, a) == getattr(row, a)
            for a in ("topic_id" if n == "topic" else n for n in Article.CONTENT_FIELDS)
        )
        same_refs = sorted(map(_signature, existing)) == sorted(map(_signature, wanted))
        if same_text and same_refs:
            raise WorkflowError(
                _(
                    "The current text and references are already those of revision "
                    "%(number)s: nothing to restore."
                )
                % {"number": number}
            )
        for name in Article.CONTENT_FIELDS:
            attname = "topic_id" if name == "topic" else name
            setattr(current, attname, getattr(row, attname))
        if not Topic.objects.filter(pk=current.topic_id).exists():  # pragma: no cover - PROTECT
            raise WorkflowError(_("The topic of that revision no longer exists."))
        try:
            current.full_clean(exclude=["state"])
        except ValidationError as error:
            messages = [f"{f}: {' '.join(errs)}" for f, errs in error.message_dict.items()]
            raise WorkflowError(
                _("Revision %(number)s cannot be restored as it is. Nothing was changed. ")
                % {"number": number}
                + "; ".join(messages)
            ) from error
        restored_refs = sorted(wanted, key=lambda ref: (ref.position, ref.id))
        entry = log_action(
            action="article.restore",
            by=by,
            article=current,
            from_state=current.state,
            to_state=current.state,
            fingerprint=fingerprint(
                {name: getattr(current, name) for name in Article.REVIEWABLE_FIELDS},
                [{name: getattr(ref, name) for name in REFERENCE_FIELDS} for ref in restored_refs],
            ),
            payload={"from_revision": number, "from_history_row": row.history_id},
        )
        current.action_seq = entry.seq
        current._history_user = by
        current._change_reason = reason
        current.save()
        _restore_references(current, wanted, existing, by=by, reason=reason)
    return current


def _signature(reference) -> tuple:
    """A reference's content, whatever its row: equal signatures cite the same thing."""
    return tuple(str(getattr(reference, name) or "") for name in REFERENCE_FIELDS)


def _restore_references(
    article: Article,
    wanted: list[ReferenceState],
    current: list[Reference],
    *,
    by: User,
    reason: str,
) -> None:
    """Bring the article's references back to ``wanted``, one history row per change."""
    wanted_ids = {ref.id for ref in wanted}
    existing = {ref.pk: ref for ref in current}
    for pk, reference in existing.items():
        if pk not in wanted_ids:
            reference._history_user = by
            reference._change_reason = reason
            reference.delete()
    for state in wanted:
        reference = existing.get(state.id)
        if reference is None:
            # A reference deleted since: it comes back as a new row, its old
            # history kept under its old id.
            reference = Reference(article=article)
        elif all(getattr(reference, n) == getattr(state, n) for n in REFERENCE_FIELDS):
            continue
        for name in REFERENCE_FIELDS:
            setattr(reference, name, getattr(state, name))
        reference._history_user = by
        reference._change_reason = reason
        reference.save()


# --- The timeline ----------------------------------------------------------------------


@dataclass
class Event:
    """One line of an article's timeline."""

    at: datetime.datetime
    kind: str  # revision, references, transition, assignment, decision, published, retracted
    title: str
    actor_id: int | None = None
    actor: str = ""
    comment: str = ""
    revision: Revision | None = None
    transition: str = ""
    from_state: str = ""
    to_state: str = ""
    reference_notes: list[str] = field(default_factory=list)
    version: dict | None = None
    decision: dict | None = None
    details: dict = field(default_factory=dict)
    order: int = 0

    @property
    def sort_key(self) -> tuple:
        return (self.at, self.order)

    @property
    def from_state_label(self) -> str:
        return state_label(self.from_state)

    @property
    def to_state_label(self) -> str:
        return state_label(self.to_state)


_STATE_LABELS = dict(ArticleState.choices)


def state_label(state: str) -> str:
    return str(_STATE_LABELS.get(state, state))


def _transition_label(name: str) -> str:
    try:
        return transition_info(name).label
    except WorkflowError:
        return name.replace("_", " ").capitalize()


def confidential_note(decision) -> str:
    for name in CONFIDENTIAL_NOTE_FIELDS:
        value = getattr(decision, name, None)
        if isinstance(value, str) and value.strip():
            return value
    return ""


SAVES_ARTICLE = ("article.create", "article.edit", "article.restore")
# Actions that concern one board member's review: shown as far as the viewer may see it.
ASSIGNMENT_ACTIONS = {
    "assignment.create": "invited",
    "assignment.reinvite": "invited",
    "assignment.accept": "open",
    "assignment.decline": "declined",
    "assignment.cancel": "cancelled",
    "assignment.close": "closed",
}


def action_label(action: str) -> str:
    """A person's words for an action-log verb, e.g. “Request changes”."""
    from articles.actionlog import ACTION_LABELS

    if action.startswith("article.") and action not in ACTION_LABELS:
        return _transition_label(action.split(".", 1)[1])
    label = ACTION_LABELS.get(action)
    return str(label) if label else action.replace(".", " ").replace("_", " ").capitalize()


def _log_rows(article: Article, start: Revision | None = None) -> list[dict]:
    """The article's action-log rows in the order they were written. One query.

    ``start``: only from the action that made this revision on.
    """
    rows = ActionLogEntry.objects.filter(chain=chain_key(article.pk))
    if start is not None:
        rows = (
            rows.filter(seq__gte=start.action_seq)
            if start.action_seq
            else rows.filter(at__gte=start.at)
        )
    return list(
        rows.order_by("seq").values(
            "seq",
            "at",
            "by_id",
            "action",
            "from_state",
            "to_state",
            "fingerprint",
            "payload",
            "backfilled",
            "row_hash",
            "prev_hash",
        )
    )


def build_timeline(
    article: Article,
    viewer: Viewer | None = None,
    *,
    recent: int | None = None,
    listing: list[Revision] | None = None,
) -> list[Event]:
    """Every event of the article, oldest first: one event per action-log row.

    A fixed number of queries. Each revision is attached to the action that
    names it, a reference change to the save it was part of, a published
    version to its approval: by the log's own links, never by the clock.
    ``recent``: only the events since the ``recent``-th last revision was
    saved (the article's page shows these). ``listing``: ``revisions(article)``,
    when the caller has read them already.
    """
    from reviewers.models import BoardMember, ReviewDecision

    viewer = viewer or Viewer()
    if listing is None:
        listing = revisions(article)
    start = listing[-recent] if recent and len(listing) > recent else None
    rows = _log_rows(article, start)
    by_history_id = {rev.history_id: rev for rev in listing}
    # The revision each action made: the first history row naming it.
    made_by: dict[int, Revision] = {}
    unlogged: list[Revision] = []
    logged = {row["seq"] for row in rows}
    for rev in listing:
        if start is not None and rev.number < start.number:
            continue
        if rev.action_seq in logged and rev.action_seq not in made_by:
            made_by[rev.action_seq] = rev
        else:
            unlogged.append(rev)

    # An article has a few dozen decisions and members at most: read them
    # all, so that the number of queries does not depend on the window.
    decisions = {
        d.pk: d
        for d in ReviewDecision.objects.filter(assignment__article=article).select_related(
            "assignment__reviewer__user"
        )
    }
    members = {
        m.pk: m
        for m in BoardMember.objects.filter(assignments__article=article)
        .select_related("user")
        .distinct()
    }
    versions = {
        v["number"]: v
        for v in PublishedVersion.objects.filter(article=article).values(
            "id",
            "number",
            "title",
            "slug",
            "approved_at",
            "approved_by_id",
            "reviewers",
            "change_note",
            "review_round",
            "fingerprint",
        )
    }
    from reviewers.choices import AssignmentStatus

    status_labels = dict(AssignmentStatus.choices)
    # Declines and cancellations, and their reasons, concern the member and
    # the editors; an author sees the reviews that went ahead.
    withdrawn = {AssignmentStatus.DECLINED, AssignmentStatus.CANCELLED}
    final_status = {}
    for row in rows:
        if row["action"] in ASSIGNMENT_ACTIONS:
            final_status[row["payload"].get("assignment")] = ASSIGNMENT_ACTIONS[row["action"]]

    events: list[Event] = []
    by_seq: dict[int, Event] = {}
    for row in rows:
        action, payload = row["action"], row["payload"]
        common = {
            "at": row["at"],
            "actor_id": row["by_id"],
            "order": row["seq"],
        }
        if action in SAVES_ARTICLE or (
            action.startswith("article.") and action != "article.references"
        ):
            rev = made_by.get(row["seq"])
            transition = "" if action in SAVES_ARTICLE else action.split(".", 1)[1]
            if action == "article.create":
                title = _("Created")
            elif transition:
                title = action_label(action)
            else:
                title = (rev.reason if rev else "") or action_label(action)
            event = Event(
                kind="transition" if transition else "revision",
                title=title,
                revision=rev,
                comment=payload.get("comment", "") if transition else "",
                transition=transition,
                from_state=row["from_state"] if transition else "",
                to_state=row["to_state"] if transition else "",
                **common,
            )
            if transition == "retract":
                event.kind = "retracted"
            if transition == "approve" and payload.get("version") in versions:
                event.version = versions[payload["version"]]
        elif action == "article.references":
            target = by_seq.get(payload.get("part_of") or -1)
            if target is not None:
                target.reference_notes.extend(payload.get("notes", []))
                continue
            event = Event(
                kind="references",
                title=_("References changed"),
                reference_notes=list(payload.get("notes", [])),
                **common,
            )
        elif action in ASSIGNMENT_ACTIONS:
            member = members.get(payload.get("member"))
            member_user = member.user_id if member else payload.get("member_user")
            if not viewer.sees_decision(member_user):
                continue
            own = member_user is not None and member_user == getattr(viewer.user, "pk", None)
            if (
                not (viewer.editor or own)
                and final_status.get(payload.get("assignment")) in withdrawn
            ):
                continue
            name = member.name if member else payload.get("member_name") or _("a board member")
            if action in ("assignment.create", "assignment.reinvite"):
                due = payload.get("due_date") or ""
                with contextlib.suppress(ValueError):
                    due = datetime.date.fromisoformat(due).strftime("%-d %b %Y")
                title = _("Asked %(name)s to review round %(round)s, due %(due)s") % {
                    "name": name,
                    "round": payload.get("round"),
                    "due": due,
                }
            else:
                status = ASSIGNMENT_ACTIONS[action]
                title = _("Review by %(name)s: %(status)s") % {
                    "name": name,
                    "status": str(status_labels.get(status, status)).lower(),
                }
            comment = (
                payload.get("reason", "")
                if action
                in (
                    "assignment.decline",
                    "assignment.cancel",
                )
                else ""
            )
            event = Event(kind="assignment", title=title, comment=comment, **common)
            if payload.get("automatic"):
                event.details["automatic"] = payload["automatic"]
        elif action == "decision.record":
            decision = decisions.get(payload.get("decision_id"))
            if decision is None or not viewer.sees_decision(decision.recorded_by_id):
                continue
            confidential = viewer.sees_confidential(decision.recorded_by_id)
            reviewed = by_history_id.get(decision.reviewed_revision or -1)
            info = {
                "decision": decision.decision,
                "decision_label": decision.get_decision_display(),
                "reviewer": decision.assignment.reviewer.name,
                "round": decision.assignment.round,
                "conflict_declared": decision.conflict_declared,
                "conflict_statement": decision.conflict_statement if confidential else None,
                "confidential_note": confidential_note(decision) if confidential else None,
                "reviewed_revision": reviewed.number if reviewed else None,
                "fingerprint": decision.fingerprint,
                "credentials": decision.member_credentials,
                "credentials_valid": decision.credentials_valid,
            }
            event = Event(
                kind="decision",
                title=_("Review decision: %(decision)s") % {"decision": info["decision_label"]},
                comment=decision.comment_to_author,
                decision=info,
                revision=reviewed,
                **common,
            )
        else:
            event = Event(kind="action", title=action_label(action), **common)
        event.details["action"] = action
        event.details["seq"] = row["seq"]
        event.details["fingerprint"] = row["fingerprint"]
        event.details["row_hash"] = row["row_hash"]
        event.details["prev_hash"] = row["prev_hash"]
        if row["backfilled"]:
            event.details["backfilled"] = True
        by_seq[row["seq"]] = event
        events.append(event)

    # Saves the log does not name (written outside the services): shown as
    # they were saved, so that no revision goes missing; verify_audit names them.
    for rev in unlogged:
        if rev.history_type == "+":
            title = _("Created")
        else:
            title = rev.reason or _("Saved (no reason recorded)")
        events.append(
            Event(
                at=rev.at,
                kind="revision",
                title=title,
                actor_id=rev.user_id,
                revision=rev,
                order=-1,
                details={"outside_the_log": True},
            )
        )

    events.sort(key=lambda e: e.sort_key)
    _name_actors(events)
    return events


def _reason_detail(reason: str | None) -> str:
    """The part of a change reason after its label, e.g. a cancellation's reason."""
    if reason and ": " in reason:
        return reason.split(": ", 1)[1]
    return ""


def _revision_before(listing: list[Revision], at: datetime.datetime) -> Revision | None:
    """The last revision saved at or before ``at`` (revisions are in time order)."""
    index = bisect.bisect_right(listing, at, key=lambda rev: rev.at)
    return listing[index - 1] if index else None


def _reference_note(row: dict, previous: dict | None) -> str:
    title = row["title"]
    if len(title) > 80:
        title = title[:77] + "…"
    if row["history_type"] == "+":
        return _("added reference “%(title)s”") % {"title": title}
    if row["history_type"] == "-":
        return _("removed reference “%(title)s”") % {"title": title}
    changed = [
        _reference_label(name)
        for name in REFERENCE_FIELDS
        if previous is not None and previous[name] != row[name]
    ]
    if not changed:
        return _("saved reference “%(title)s” unchanged") % {"title": title}
    return _("changed %(fields)s of reference “%(title)s”") % {
        "fields": ", ".join(changed),
        "title": title,
    }


def _name_actors(events: list[Event]) -> None:
    ids = {e.actor_id for e in events if e.actor_id}
    users = {u.pk: display_name(u) for u in get_user_model().objects.filter(pk__in=ids)}
    for event in events:
        if event.actor_id:
            event.actor = users.get(event.actor_id, "")
        elif event.details.get("action"):
            # A row of the log without a person: the system acted by itself.
            automatic = event.details.get("automatic")
            event.actor = (
                _("the system, automatically (%(why)s)") % {"why": _automatic_reason(automatic)}
                if automatic
                else _("the system")
            )
        else:
            event.actor = _("(not recorded)")


def _automatic_reason(code: str) -> str:
    return str(
        {
            "resubmission": _("on resubmission"),
            "round ended": _("the round ended"),
            "reminder rule": _("a reminder rule"),
        }.get(code, code)
    )


def annotate_changes(article: Article, events: Iterable[Event]) -> None:
    """Add, for the revisions among ``events``, which fields they changed. One query.

    Run on one page of a timeline: it reads the full rows of the revisions
    shown and of the ones just before them.
    """
    shown = [e for e in events if e.revision is not None and e.kind != "decision"]
    if not shown:
        return
    wanted = set()
    numbers = {}
    for event in shown:
        wanted.add(event.revision.number)
        if event.revision.number > 1:
            wanted.add(event.revision.number - 1)
    low, high = min(wanted), max(wanted)
    rows = list(
        HistoricalArticle.objects.filter(id=article.pk).order_by("history_id")[low - 1 : high]
    )
    for offset, row in enumerate(rows):
        numbers[low + offset] = row
    for event in shown:
        row = numbers.get(event.revision.number)
        previous = numbers.get(event.revision.number - 1)
        if row is None or previous is None:
            continue
        changed = []
        for name in COMPARED_FIELDS:
            attname = "topic_id" if name == "topic" else name
            if getattr(row, attname) != getattr(previous, attname):
                label = _field_label(name)
                if name in ("body", "plain_body"):
                    diff = word_diff(getattr(previous, name), getattr(row, name))
                    label = f"{label} (+{diff.added} \u2212{diff.removed} words)"
                changed.append(label)
        event.details["changed"] = changed


# --- Live on a date -------------------------------------------------------------------


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


def live_periods(article: Article, *, viewer: Viewer | None = None) -> list[LivePeriod]:
    """When each published version was live: a query over the action log. Four queries.

    A version goes live with the approval that published it and stays live
    until the next approval replaces it or a retraction takes the article down.
    """
    from reviewers.choices import Decision
    from reviewers.models import ReviewDecision

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
            if version is not None:
                current.ended_by = "replaced"
                current.ended_by_user = display_name(mark.by) if mark.by else _("the system")
                current.end_comment = _("Replaced by version %(n)s.") % {"n": version.number}
            else:
                current.ended_by = "retracted"
                current.ended_by_user = display_name(mark.by) if mark.by else _("the system")
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


# --- Export ------------------------------------------------------------------------------

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


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    return value.isoformat()


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
        record: dict[str, Any] = {
            "article": article.slug,
            "at": _iso(event.at),
            "kind": event.kind,
            "revision": event.revision.number
            if event.revision and event.kind != "decision"
            else None,
            "actor": event.actor,
            "action": str(event.title),
            "from_state": event.from_state or None,
            "to_state": event.to_state
            or (event.revision.state if event.revision and event.kind != "decision" else None),
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
        if event.details.get("action"):
            record["details"]["action"] = event.details["action"]
        if event.details.get("backfilled"):
            record["details"]["backfilled"] = True
        if event.details.get("outside_the_log"):
            record["details"]["outside_the_log"] = True
        if event.transition:
            record["details"]["transition"] = event.transition
        if event.kind in ("revision", "transition", "retracted") and event.revision:
            record["details"]["reason"] = event.revision.reason
            record["details"]["changed"] = event.details.get("changed", [])
        if event.reference_notes:
            record["details"]["references"] = list(event.reference_notes)
        if event.decision:
            record["conflict_declared"] = event.decision["conflict_declared"]
            record["conflict_statement"] = event.decision["conflict_statement"]
            record["details"].update(
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
            record["details"]["published"] = {
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


def audit_document(articles: Iterable[Article], viewer_for=None) -> dict:
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
                "live_periods": [
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
                ],
            }
        )
    return {
        "exported_at": _iso(timezone.now()),
        "hashing": HASHING_NOTE,
        "articles": exported,
    }


HASHING_NOTE = (
    "Each action_log row's row_hash is the SHA-256 of json.dumps({k: row[k] for k in "
    "hashed_fields}, sort_keys=True, separators=(',', ':'), ensure_ascii=False) in UTF-8; "
    "prev_hash is the row_hash of the row before it in the chain (empty for the first). "
    "A redacted row carries its hashes only. See the README, “Checking an export offline”."
)


def action_log_records(article: Article, *, shown: set | None = None, full: bool = True):
    """The article's chain as hashed, for an auditor to recompute offline.

    A row the reader may not see in full (``full`` false and its event not
    ``shown``) keeps its position and hashes but not its content: the chain
    still links from its neighbours.
    """
    from articles.actionlog import HASHED_FIELDS, canonical_content

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


# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
