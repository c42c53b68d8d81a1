"""An article's timeline: every event in order, with who, when and why.

Every action is one row of the action log (articles.actionlog), written in
the transaction that did it; each revision of the article names the row
that made it (``action_seq``). The timeline is a query over the log with
one small function per kind of event: nothing is matched up by the clock
afterwards. Who may read what is decided by ``articles.viewer.Viewer``.

A timeline costs the same handful of queries for 5 revisions or 5,000:
each source is read once, with only the columns it needs.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from articles.actionlog import ACTION_LABELS, chain_key
from articles.choices import ArticleState
from articles.exceptions import WorkflowError
from articles.history.diff import changed_fields, field_label, word_diff
from articles.history.revisions import HistoricalArticle, Revision, revisions, saves_the_article
from articles.models import ActionLogEntry, Article, PublishedVersion
from articles.roles import display_name
from articles.transitions import transition_info
from articles.viewer import Viewer
from reviewers.choices import AssignmentStatus
from reviewers.models import BoardMember, ReviewDecision

# Actions that save the article row itself and are not workflow transitions.
SAVES_ARTICLE = ("article.create", "article.edit", "article.restore")
# Actions that concern one board member's review, and the status each leaves it in.
ASSIGNMENT_ACTIONS = {
    "assignment.create": "invited",
    "assignment.reinvite": "invited",
    "assignment.accept": "open",
    "assignment.decline": "declined",
    "assignment.cancel": "cancelled",
    "assignment.close": "closed",
}
# Reviews that did not go ahead: they, and their reasons, concern the member
# and the editors, like a decision's confidential parts.
_WITHDRAWN = frozenset({AssignmentStatus.DECLINED, AssignmentStatus.CANCELLED})
_STATUS_LABELS = dict(AssignmentStatus.choices)
_STATE_LABELS = dict(ArticleState.choices)
# Fields whose changes are counted in words on a timeline.
_COUNTED_IN_WORDS = frozenset({"body", "plain_body"})


@dataclass
class Event:
    """One line of an article's timeline."""

    at: datetime.datetime
    kind: str  # revision, references, transition, assignment, decision, retracted, action
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


def state_label(state: str) -> str:
    return str(_STATE_LABELS.get(state, state))


def action_label(action: str) -> str:
    """A person's words for an action-log verb, e.g. “Request changes”."""
    if action.startswith("article.") and action not in ACTION_LABELS:
        name = action.split(".", 1)[1]
        try:
            return transition_info(name).label
        except WorkflowError:
            return name.replace("_", " ").capitalize()
    label = ACTION_LABELS.get(action)
    return str(label) if label else action.replace(".", " ").replace("_", " ").capitalize()


# --- What a timeline is built from ----------------------------------------------------


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


@dataclass
class _Sources:
    """Everything the events of one timeline are made from, each read once."""

    viewer: Viewer
    made_by: dict[int, Revision]  # action-log seq -> the revision that action saved
    by_history_id: dict[int, Revision]
    decisions: dict[int, ReviewDecision]
    members: dict[int, BoardMember]
    versions: dict[int, dict]  # by number
    final_status: dict  # assignment id -> the status its last action left it in


def _sources(
    article: Article,
    viewer: Viewer,
    listing: list[Revision],
    rows: list[dict],
    start: Revision | None,
) -> tuple[_Sources, list[Revision]]:
    """The sources of the events, and the revisions that no action of the log names.

    ``start``: the first revision of a window of recent events, if any.
    """
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
    final_status = {
        row["payload"].get("assignment"): ASSIGNMENT_ACTIONS[row["action"]]
        for row in rows
        if row["action"] in ASSIGNMENT_ACTIONS
    }
    sources = _Sources(
        viewer=viewer,
        made_by=made_by,
        by_history_id={rev.history_id: rev for rev in listing},
        decisions=decisions,
        members=members,
        versions=versions,
        final_status=final_status,
    )
    return sources, unlogged


# --- One function per kind of event -------------------------------------------------------


def _common(row: dict) -> dict:
    return {"at": row["at"], "actor_id": row["by_id"], "order": row["seq"]}


def _article_event(row: dict, sources: _Sources) -> Event:
    """A save of the article: a plain revision, or a workflow transition."""
    action, payload = row["action"], row["payload"]
    rev = sources.made_by.get(row["seq"])
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
        **_common(row),
    )
    if transition == "retract":
        event.kind = "retracted"
    if transition == "approve" and payload.get("version") in sources.versions:
        event.version = sources.versions[payload["version"]]
    return event


def _references_event(row: dict, sources: _Sources) -> Event:
    """References changed on their own, not as part of an article save."""
    return Event(
        kind="references",
        title=_("References changed"),
        reference_notes=list(row["payload"].get("notes", [])),
        **_common(row),
    )


def _assignment_event(row: dict, sources: _Sources) -> Event | None:
    """An invitation, acceptance, decline, cancellation or closing, if the viewer may see it."""
    action, payload = row["action"], row["payload"]
    member = sources.members.get(payload.get("member"))
    member_user = member.user_id if member else payload.get("member_user")
    viewer = sources.viewer
    if not viewer.sees_decision(member_user):
        return None
    withdrawn = sources.final_status.get(payload.get("assignment")) in _WITHDRAWN
    if withdrawn and not viewer.sees_confidential(member_user):
        return None
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
            "status": str(_STATUS_LABELS.get(status, status)).lower(),
        }
    comment = (
        payload.get("reason", "") if action in ("assignment.decline", "assignment.cancel") else ""
    )
    event = Event(kind="assignment", title=title, comment=comment, **_common(row))
    if payload.get("automatic"):
        event.details["automatic"] = payload["automatic"]
    return event


def _decision_event(row: dict, sources: _Sources) -> Event | None:
    """A board member's decision, with its confidential parts only for those who may read them."""
    decision = sources.decisions.get(row["payload"].get("decision_id"))
    if decision is None or not sources.viewer.sees_decision(decision.recorded_by_id):
        return None
    confidential = sources.viewer.sees_confidential(decision.recorded_by_id)
    reviewed = sources.by_history_id.get(decision.reviewed_revision or -1)
    # A note of nothing but spaces says nothing.
    note = decision.confidential_note if decision.confidential_note.strip() else ""
    info = {
        "decision": decision.decision,
        "decision_label": decision.get_decision_display(),
        "reviewer": decision.assignment.reviewer.name,
        "round": decision.assignment.round,
        "conflict_declared": decision.conflict_declared,
        "conflict_statement": decision.conflict_statement if confidential else None,
        "confidential_note": note if confidential else None,
        "reviewed_revision": reviewed.number if reviewed else None,
        "fingerprint": decision.fingerprint,
        "credentials": decision.member_credentials,
        "credentials_valid": decision.credentials_valid,
    }
    return Event(
        kind="decision",
        title=_("Review decision: %(decision)s") % {"decision": info["decision_label"]},
        comment=decision.comment_to_author,
        decision=info,
        revision=reviewed,
        **_common(row),
    )


def _other_event(row: dict, sources: _Sources) -> Event:
    """Any other action on the article, by its label."""
    return Event(kind="action", title=action_label(row["action"]), **_common(row))


def _builder(action: str) -> Callable[[dict, _Sources], Event | None]:
    if saves_the_article(action):
        return _article_event
    if action == "article.references":
        return _references_event
    if action in ASSIGNMENT_ACTIONS:
        return _assignment_event
    if action == "decision.record":
        return _decision_event
    return _other_event


def _unlogged_event(rev: Revision) -> Event:
    """A save the log does not name (written outside the services).

    Shown as it was saved, so that no revision goes missing; verify_audit names it.
    """
    if rev.history_type == "+":
        title = _("Created")
    else:
        title = rev.reason or _("Saved (no reason recorded)")
    return Event(
        at=rev.at,
        kind="revision",
        title=title,
        actor_id=rev.user_id,
        revision=rev,
        order=-1,
        details={"outside_the_log": True},
    )


# --- The timeline ---------------------------------------------------------------------------


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
    viewer = viewer or Viewer()
    if listing is None:
        listing = revisions(article)
    start = listing[-recent] if recent and len(listing) > recent else None
    rows = _log_rows(article, start)
    sources, unlogged = _sources(article, viewer, listing, rows, start)

    events: list[Event] = []
    by_seq: dict[int, Event] = {}
    for row in rows:
        if row["action"] == "article.references":
            # Part of an article save: told on that save's line.
            target = by_seq.get(row["payload"].get("part_of") or -1)
            if target is not None:
                target.reference_notes.extend(row["payload"].get("notes", []))
                continue
        event = _builder(row["action"])(row, sources)
        if event is None:
            continue
        event.details["action"] = row["action"]
        event.details["seq"] = row["seq"]
        event.details["fingerprint"] = row["fingerprint"]
        event.details["row_hash"] = row["row_hash"]
        event.details["prev_hash"] = row["prev_hash"]
        if row["backfilled"]:
            event.details["backfilled"] = True
        by_seq[row["seq"]] = event
        events.append(event)
    events.extend(_unlogged_event(rev) for rev in unlogged)

    events.sort(key=lambda e: e.sort_key)
    _name_actors(events)
    return events


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
    for event in shown:
        wanted.add(event.revision.number)
        if event.revision.number > 1:
            wanted.add(event.revision.number - 1)
    low, high = min(wanted), max(wanted)
    rows = HistoricalArticle.objects.filter(id=article.pk).order_by("history_id")[low - 1 : high]
    numbers = {low + offset: row for offset, row in enumerate(rows)}
    for event in shown:
        row = numbers.get(event.revision.number)
        previous = numbers.get(event.revision.number - 1)
        if row is None or previous is None:
            continue
        changed = []
        for name in changed_fields(row, previous):
            label = field_label(name)
            if name in _COUNTED_IN_WORDS:
                diff = word_diff(getattr(previous, name), getattr(row, name))
                label = f"{label} (+{diff.added} \u2212{diff.removed} words)"
            changed.append(label)
        event.details["changed"] = changed
