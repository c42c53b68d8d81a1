"""What changed between two revisions: fields, references and the words of long texts.

Which fields changed is simple-history's ``diff_against`` between the two
history rows; the words within a long text are diffed here on ``difflib``,
as Wagtail's ``compare`` does. Every piece of text in a diff is HTML-escaped,
so a diff is safe to render as it is.
"""

from __future__ import annotations

import datetime
import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from articles.history.revisions import (
    REFERENCE_FIELDS,
    HistoricalArticle,
    HistoryError,
    ReferenceState,
    Revision,
    references_before,
    revisions,
)
from articles.models import Article, Reference, Topic

# The content fields in the order of the article's form, which puts the topic
# beside the title and address: a comparison lists them so. The state is shown
# elsewhere, never compared as content.
_FORM_FIRST = ("title", "slug", "topic")
COMPARED_FIELDS = _FORM_FIRST + tuple(
    name for name in Article.CONTENT_FIELDS if name not in _FORM_FIRST
)
# Long text: compared word by word rather than as a whole value.
LONG_FIELDS = frozenset({"summary", "body", "plain_body", "urgent_help", "change_note", "title"})
# Reference fields whose words are worth a diff of their own.
_WORDY_REFERENCE_FIELDS = frozenset({"authors", "title", "journal"})


def field_label(name: str) -> str:
    """The article field's name as its form shows it."""
    return str(Article._meta.get_field(name).verbose_name)


def reference_label(name: str) -> str:
    return str(Reference._meta.get_field(name).verbose_name)


def changed_fields(new_row, old_row) -> list[str]:
    """The content fields that differ between two history rows, in the form's order."""
    delta = new_row.diff_against(old_row, included_fields=COMPARED_FIELDS)
    changed = set(delta.changed_fields)
    return [name for name in COMPARED_FIELDS if name in changed]


# --- Words -------------------------------------------------------------------------

_TOKENS = re.compile(r"\s+|[^\W_]+(?:['\u2019-][^\W_]+)*|.", re.UNICODE)
# Unchanged lines kept on each side of a change in the brief version of a diff.
CONTEXT_LINES = 2


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
    paragraph. ``brief`` keeps only the changed lines and ``CONTEXT_LINES``
    around each, for reading a long answer's edits fast.
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


# --- Fields and references ------------------------------------------------------------


@dataclass
class FieldChange:
    name: str
    label: str
    old: Any
    new: Any
    diff: TextDiff | None = None
    changed: bool = True


@dataclass
class ReferenceChange:
    kind: str  # "added", "removed", "changed", "unchanged"
    old: ReferenceState | None
    new: ReferenceState | None
    fields: list[FieldChange] = field(default_factory=list)

    @property
    def reference(self) -> ReferenceState:
        return self.new or self.old  # type: ignore[return-value]


def _content(reference) -> tuple:
    return tuple(getattr(reference, name) for name in REFERENCE_FIELDS if name != "position")


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
                reference_label(name),
                getattr(before, name),
                getattr(ref, name),
                word_diff(str(getattr(before, name) or ""), str(getattr(ref, name) or ""))
                if name in _WORDY_REFERENCE_FIELDS
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
                        "position", reference_label("position"), ref.position, twin.new.position
                    )
                ]
    changes.extend(ReferenceChange("removed", ref, None) for ref in removed)
    return changes


# --- Two revisions compared -------------------------------------------------------------


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
    """Revision ``old_number`` against ``new_number``, field by field. Five queries."""
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

    def end(rev: Revision) -> datetime.datetime | None:
        """When the revision after ``rev`` was saved: its references are those until then."""
        return listing[rev.number].at if rev.number < len(listing) else None

    changed = set(changed_fields(new_row, old_row))
    fields = []
    for name in COMPARED_FIELDS:
        old_value, new_value = _value(old_row, name, topics), _value(new_row, name, topics)
        change = FieldChange(name, field_label(name), old_value, new_value, changed=name in changed)
        if name in LONG_FIELDS and change.changed:
            change.diff = word_diff(str(old_value), str(new_value))
        fields.append(change)
    return Comparison(
        article=article,
        old=old_rev,
        new=new_rev,
        fields=fields,
        references=diff_references(
            references_before(article, end(old_rev)), references_before(article, end(new_rev))
        ),
    )
