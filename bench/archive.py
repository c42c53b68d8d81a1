"""A synthetic archive that looks like years of real use, written in bulk.

Each article is taken through a simulated life of the review workflow
(created, edited, submitted, reviewed over one or more rounds, approved,
revised, re-reviewed, rejected or retracted) and leaves what the workflow
services would have left: history rows for the article, its references and
its assignments with the acting user and the services' change reasons,
audit entries, assignments with decisions, and numbered published versions
whose rendered HTML is what ``render_markdown`` makes of their source.

Rows are built in memory with their primary keys chosen here and written
with ``bulk_create``; the services are not called, which is what makes
100,000 articles a matter of minutes. django-simple-history writes nothing
on bulk paths, so the builder writes every history row itself.
"""

from __future__ import annotations

import datetime
import html
import random
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import import_module

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import slugify

from articles.actionlog import chain_key, plain_json, row_hash
from articles.choices import ArticleState as S
from articles.choices import TextOrigin
from articles.fingerprints import fingerprint
from articles.models import (
    ActionLogChain,
    ActionLogEntry,
    Article,
    AuditEntry,
    LiveSetGeneration,
    PublishedVersion,
    Reference,
    Topic,
    bulk_load,
)
from articles.rendering import render_markdown
from bench import corpus
from reviewers.choices import AssignmentStatus, Decision
from reviewers.models import BoardMember, ReviewAssignment, ReviewDecision

PASSWORD = "editorial-bench"
# Every account the builder makes starts with this, so a reset finds them.
USER_PREFIX = "bench-"
# The article the admin's change page is measured on: 30 references, 200 revisions.
HEAVY_SLUG = "bench-heavy-article-30-references-200-revisions"
HEAVY_REFERENCES = 30
HEAVY_REVISIONS = 200
# Articles the benchmark writes to time an approval; they stay, approved.
APPROVAL_PREFIX = "bench-approval-"

# How the articles of an archive end up, as weights.
ENDINGS = [
    ("approved", 52),
    ("revision_draft", 4),
    ("revision_review", 3),
    ("draft", 11),
    ("withdrawn", 2),
    ("submitted", 6),
    ("under_review", 8),
    ("changes_requested", 6),
    ("rejected", 4),
    ("retracted", 4),
]

HistoricalArticle = Article.history.model
HistoricalReference = Reference.history.model
HistoricalAssignment = ReviewAssignment.history.model
HistoricalMember = BoardMember.history.model
HistoricalTopic = Topic.history.model

# Tables the archive fills, children first: a reset empties them in this order.
RESET_MODELS = [
    ActionLogEntry,
    ActionLogChain,
    HistoricalArticle,
    HistoricalReference,
    HistoricalAssignment,
    HistoricalMember,
    HistoricalTopic,
    ReviewDecision,
    ReviewAssignment,
    AuditEntry,
    "articles.ProblemReport",
    Reference,
    "live_version",  # Article.live_version is cleared before versions go
    PublishedVersion,
    Article,
    BoardMember,
    Topic,
]


@dataclass
class Report:
    articles: int = 0
    states: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, table: str, count: int) -> None:
        self.rows[table] = self.rows.get(table, 0) + count


class Ids:
    """Primary keys handed out here, after whatever the tables already hold."""

    def __init__(self) -> None:
        self.next: dict[type, int] = {}

    def __call__(self, model) -> int:
        if model not in self.next:
            last = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
            self.next[model] = (last or 0) + 1
        value = self.next[model]
        self.next[model] += 1
        return value


@contextmanager
def set_based_triggers():
    """On PostgreSQL, do once at the end what two row triggers would do per row.

    Each new published version adds its words to the vocabulary of the
    suggestions (migration 0012) and each article with a live version raises
    the live set's generation (0007), both by updating the same few rows. In
    one transaction of 100,000 articles those rows' versions pile up, and
    every further update walks the pile: the load slows down quadratically.
    So the two triggers are off while the builder writes (in its own
    transaction: they are back the moment it ends, whatever happens) and the
    same counts are written once, set-based, before it commits.
    """
    if connection.vendor != "postgresql":
        yield
        return
    words = import_module("articles.migrations.0012_reader_search_synonyms_urgent_help")
    versions = PublishedVersion._meta.db_table
    articles = Article._meta.db_table
    before = PublishedVersion.objects.aggregate(last=Max("pk"))["last"] or 0
    triggers = [(versions, f"{words.PG_WORDS}_add"), (articles, "articles_live_set_insert")]
    with connection.cursor() as cursor:

        def switch(action: str) -> None:
            # A table with foreign-key checks still pending (rows this
            # transaction wrote or deleted) cannot be altered: run them now,
            # as a commit would, then defer again as Django declares them.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, trigger in triggers:
                cursor.execute(f"ALTER TABLE {table} {action} TRIGGER {trigger}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

        switch("DISABLE")
        yield
        lexemes = words.PG_LEXEMES.format(document=words.PG_DOCUMENT.format(row="v."))
        cursor.execute(
            f"""INSERT INTO {words.PG_WORDS} (word, documents)
            SELECT w.lexeme, count(*) FROM {versions} AS v, LATERAL ({lexemes}) AS w
            WHERE v.id > %s GROUP BY w.lexeme
            ON CONFLICT (word) DO UPDATE
            SET documents = {words.PG_WORDS}.documents + excluded.documents""",
            [before],
        )
        switch("ENABLE")
    bumped = LiveSetGeneration.objects.filter(pk=1).update(
        value=F("value") + 1, changed_at=timezone.now()
    )
    if not bumped:
        LiveSetGeneration.objects.create(pk=1, value=1, changed_at=timezone.now())


@contextmanager
def dates_as_given():
    """Let bulk_create keep the created_at/updated_at the simulation chose."""
    fields = [f for f in Article._meta.concrete_fields if f.name in ("created_at", "updated_at")]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


class Bodies:
    """Answer texts per (variant, references), rendered once by the real pipeline."""

    TOKEN = "CONDX"
    # The condition's name where it opens a sentence, capitalised.
    CAPITAL = "CAPCONDX"

    def __init__(self) -> None:
        self.cache: dict[tuple, tuple[str, str]] = {}

    def _markdown(self, variant: int, references: int, plain: bool) -> str:
        rng = random.Random(variant * 1000 + references * 7 + plain)
        if plain:
            sentences = corpus.PLAIN_SENTENCES[:]
            rng.shuffle(sentences)
            cites = iter(range(1, references + 1))
            text = "\n\n".join(
                f"{s} [{next(cites, 1)}]" if i % 2 == 0 else s for i, s in enumerate(sentences)
            )
            return text.replace("\n\nCONDX", "\n\nCAPCONDX").replace("CONDX is", "CAPCONDX is")
        headings = corpus.HEADINGS[:]
        rng.shuffle(headings)
        markers = list(range(1, references + 1))
        parts = []
        for h, heading in enumerate(headings[: 4 + variant % 3]):
            parts.append(f"## {heading}")
            sentences = rng.sample(corpus.SENTENCES, 4 + (variant + h) % 3)
            cited = []
            for sentence in sentences:
                if markers and rng.random() < 0.8:
                    take = [markers.pop(0) for _ in range(min(len(markers), rng.choice([1, 1, 2])))]
                    marker = ", ".join(str(n) for n in take)
                    cited.append(f"{sentence[:-1]} [{marker}].")
                else:
                    cited.append(sentence)
            parts.append(" ".join(cited))
            if h == 1:
                parts.append("\n".join(f"- {s}" for s in rng.sample(corpus.SENTENCES, 3)))
        if markers:  # every source is cited somewhere
            parts.append("Further reading on CONDX: " + ", ".join(f"[{n}]" for n in markers) + ".")
        text = "\n\n".join(parts)
        for before in (". ", "\n\n", "- "):
            text = text.replace(before + "CONDX", before + "CAPCONDX")
        return text

    def get(self, variant: int, references: int, condition: str, plain: bool = False):
        key = (variant, references, plain)
        if key not in self.cache:
            source = self._markdown(variant, references, plain)
            self.cache[key] = (source, render_markdown(source, reference_count=references))
        source, rendered = self.cache[key]
        capital = condition[:1].upper() + condition[1:]
        for token, name in ((self.CAPITAL, capital), (self.TOKEN, condition)):
            source = source.replace(token, name)
            rendered = rendered.replace(token, html.escape(name))
        return source, rendered


class Cast:
    """The people of the archive."""

    def __init__(self, authors, editors, members) -> None:
        self.authors = authors
        self.editors = editors
        self.members = members  # BoardMember rows with .user


class Life:
    """One article's simulated life: collects the rows the workflow would have written."""

    def __init__(self, builder: Builder, index: int, references: int, topic, author) -> None:
        self.b = builder
        rng = self.rng = builder.rng
        self.topic = topic
        self.author = author
        self.pk = builder.ids(Article)
        condition = rng.choice(corpus.CONDITIONS)
        question = rng.choice(corpus.QUESTIONS)
        qualifier = corpus.QUALIFIERS[index % len(corpus.QUALIFIERS)]
        title = question.format(c=condition, q=qualifier)
        title = title[:1].upper() + title[1:]
        self.condition = condition
        self.variant = rng.randrange(12)
        self.plain = rng.random() < 0.3
        self.t = builder.start_time()
        body, _html = builder.bodies.get(self.variant, references, condition)
        plain = builder.bodies.get(self.variant, references, condition, plain=True)[0]
        self.a = {
            "id": self.pk,
            "title": title,
            "slug": f"{slugify(title)[:180]}-{index}",
            "summary": f"What a reader should know about {condition}{qualifier}, in brief.",
            "body": body,
            "plain_body": plain if self.plain else "",
            "origin": rng.choices(
                [TextOrigin.HUMAN, TextOrigin.AI_ASSISTED, TextOrigin.AI_GENERATED], [85, 12, 3]
            )[0],
            "change_note": "",
            "state": S.DRAFT,
            "review_round": 0,
            "submitted_at": None,
            "review_started_at": None,
            "created_at": self.t,
            "updated_at": self.t,
            "topic_id": topic.pk,
            "author_id": author.pk,
            "live_version_id": None,
        }
        self.refs = []
        for position in range(1, references + 1):
            kind = rng.choice(corpus.STUDY_KINDS).replace("CONDX", condition)
            year = rng.randint(1998, 2025)
            pmid = str(rng.randint(10_000_000, 39_999_999)) if rng.random() < 0.8 else ""
            self.refs.append(
                {
                    "id": builder.ids(Reference),
                    "article_id": self.pk,
                    "position": position,
                    "authors": f"{rng.choice(corpus.LAST_NAMES)} {rng.choice('ABCDEFGHJKLMNPRST')}"
                    f", {rng.choice(corpus.LAST_NAMES)} {rng.choice('ABCDEFGHJKLMNPRST')}",
                    "title": f"{kind} ({year})",
                    "journal": rng.choice(corpus.JOURNALS),
                    "year": year,
                    "pmid": pmid,
                    "doi": f"10.{rng.randint(1000, 9999)}/ed.{self.pk}.{position}"
                    if rng.random() < 0.6
                    else "",
                    "url": "",
                }
            )
        self.assignments: list[dict] = []
        self.versions: list[dict] = []
        self.audits: list[dict] = []
        self.decisions: list[dict] = []
        self.history: list[dict] = []
        self.ref_history: list[dict] = []
        self.assignment_history: list[dict] = []
        self.actions: list[dict] = []
        self.required = topic.required_approvals or settings.EDITORIAL_REQUIRED_APPROVALS
        self.required = max(self.required, 1)

    # --- time and records -------------------------------------------------------

    def later_share(self, low: float, high: float) -> datetime.datetime:
        """Move on by a share of the time left until now: a later version, months on."""
        left = self.b.now - self.t
        return self.later(left.total_seconds() / 3600 * low, left.total_seconds() / 3600 * high)

    def later(self, low_hours: float, high_hours: float) -> datetime.datetime:
        """Move on by a few hours or days; never past now, never backwards."""
        step = datetime.timedelta(hours=self.rng.uniform(low_hours, high_hours))
        ceiling = self.b.now - datetime.timedelta(minutes=5)
        if self.t + step > ceiling:
            step = max((ceiling - self.t) / 10, datetime.timedelta(0))
        self.t += step + datetime.timedelta(microseconds=self.rng.randrange(1, 999))
        return self.t

    def fingerprint(self) -> str:
        return fingerprint(
            {name: self.a.get(name, "") for name in Article.REVIEWABLE_FIELDS},
            [
                {k: r[k] for k in ("authors", "title", "journal", "year", "pmid", "doi", "url")}
                for r in self.refs
            ],
        )

    def act(self, action: str, by: int | None, *, fingerprint: str = "", **payload) -> int:
        """The action-log row the service would write now; returns its position."""
        self.actions.append(
            {
                "at": self.t,
                "by": by,
                "action": action,
                "article": self.pk,
                "from_state": payload.pop("from_state", self.a["state"]),
                "to_state": self.a["state"],
                "fingerprint": fingerprint,
                "payload": payload,
            }
        )
        return len(self.actions)

    def snapshot(self, reason: str, by: int, kind: str = "~") -> None:
        self.a["updated_at"] = self.t
        self.history.append(
            {
                **self.a,
                "history_id": self.b.ids(HistoricalArticle),
                "history_date": self.t,
                "history_change_reason": reason,
                "history_type": kind,
                "history_user_id": by,
            }
        )

    def ref_snapshot(self, ref: dict, reason: str, by: int, kind: str) -> None:
        self.ref_history.append(
            {
                **ref,
                "history_id": self.b.ids(HistoricalReference),
                "history_date": self.t,
                "history_change_reason": reason,
                "history_type": kind,
                "history_user_id": by,
            }
        )

    def assignment_snapshot(self, assignment: dict, reason: str, by: int, kind="~") -> None:
        self.assignment_history.append(
            {
                **assignment,
                "history_id": self.b.ids(HistoricalAssignment),
                "history_date": self.t,
                "history_change_reason": reason,
                "history_type": kind,
                "history_user_id": by,
            }
        )

    def audit(self, name: str, from_state: str, by: int, comment: str = "") -> None:
        self.audits.append(
            {
                "id": self.b.ids(AuditEntry),
                "article_id": self.pk,
                "transition": name,
                "from_state": from_state,
                "to_state": self.a["state"],
                "by_id": by,
                "at": self.t,
                "comment": comment,
            }
        )

    def move(self, name: str, label: str, to: str, by: int, comment: str = "") -> None:
        from_state = self.a["state"]
        self.a["state"] = to
        extra = {}
        value = self.fingerprint()
        if name == "approve":
            extra["version"] = self.versions[-1]["number"]
            value = self.versions[-1]["fingerprint"]
        self.a["action_seq"] = self.act(
            f"article.{name}",
            by,
            fingerprint=value,
            from_state=from_state,
            comment=comment,
            **extra,
        )
        self.snapshot(f"{label}: {comment}" if comment else label, by)
        self.audit(name, from_state, by, comment)

    # --- the workflow, as the services run it -------------------------------------

    def create(self) -> None:
        refs, self.refs = self.refs, []
        self.a["action_seq"] = self.act(
            "article.create", self.author.pk, fingerprint=self.fingerprint(), title=self.a["title"]
        )
        self.refs = refs
        self.snapshot("Created", self.author.pk, "+")
        for ref in self.refs:
            self.ref_snapshot(ref, "Edited in admin", self.author.pk, "+")
        self.act(
            "article.references",
            self.author.pk,
            fingerprint=self.fingerprint(),
            part_of=self.a["action_seq"],
            notes=[f"added reference “{ref['title']}”" for ref in self.refs],
        )

    def edit(self, by: int | None = None) -> None:
        by = by or self.author.pk
        self.later(0.2, 72)
        if self.rng.random() < 0.5:
            self.variant = (self.variant + 1) % 12
            self.a["body"] = self.b.bodies.get(self.variant, len(self.refs), self.condition)[0]
            if self.plain:
                self.a["plain_body"] = self.b.bodies.get(
                    self.variant, len(self.refs), self.condition, plain=True
                )[0]
        self.a["action_seq"] = self.act(
            "article.edit", by, fingerprint=self.fingerprint(), changed=["body"]
        )
        self.snapshot("Edited in admin", by)
        if self.refs and self.rng.random() < 0.4:
            ref = self.rng.choice(self.refs)
            ref["title"] = ref["title"].replace(" (", ", updated (", 1)[:480]
            self.ref_snapshot(ref, "Edited in admin", by, "~")
            self.act(
                "article.references",
                by,
                fingerprint=self.fingerprint(),
                part_of=self.a["action_seq"],
                notes=[f"changed title of reference “{ref['title']}”"],
            )

    def submit(self) -> None:
        self.later(1, 96)
        self.a["review_round"] += 1
        self.a["submitted_at"] = self.t
        self.a["review_started_at"] = None
        self.move("submit", "Submit for review", S.SUBMITTED, self.author.pk)

    def rereview(self, editor: int) -> None:
        self.later_share(0.2, 0.5)
        self.a["review_round"] += 1
        self.a["submitted_at"] = self.t
        self.a["review_started_at"] = None
        self.move("start_rereview", "Start a re-review", S.SUBMITTED, editor)

    def assign(self, member, editor: int) -> dict:
        self.later(2, 120)
        assignment = {
            "id": self.b.ids(ReviewAssignment),
            "article_id": self.pk,
            "reviewer_id": member.pk,
            "round": self.a["review_round"],
            "status": AssignmentStatus.OPEN,
            "due_date": timezone.localdate(self.t) + datetime.timedelta(days=14),
            "assigned_by_id": editor,
            "assigned_at": self.t,
        }
        self.assignments.append(assignment)
        self.assignment_snapshot(assignment, "Assigned", editor, "+")
        self.act(
            "assignment.create",
            editor,
            assignment=assignment["id"],
            member=member.pk,
            member_user=member.user.pk,
            member_name=member.user.get_full_name(),
            round=assignment["round"],
            status=assignment["status"],
            due_date=assignment["due_date"],
        )
        if self.a["state"] == S.SUBMITTED:
            self.a["review_started_at"] = self.t
            note = f"Assigned {member.user.get_full_name()}."
            self.move("start_review", "Start review", S.UNDER_REVIEW, editor, note)
        return assignment

    def decide(self, assignment: dict, member, decision: str, comment: str = "") -> None:
        self.later(4, 24 * 10)
        latest = self.history[-1]["history_id"]
        value = self.fingerprint()
        self.decisions.append(
            {
                "fingerprint": value,
                "member_credentials": member.credentials,
                "licence_number": member.licence_number,
                "licence_region": member.licence_region,
                "licence_expires_on": member.licence_expires_on,
                "id": self.b.ids(ReviewDecision),
                "assignment_id": assignment["id"],
                "decision": decision,
                "comment_to_author": comment,
                "conflict_declared": False,
                "conflict_statement": "",
                "reviewed_revision": latest,
                "recorded_by_id": member.user.pk,
                "recorded_at": self.t,
            }
        )
        self.act(
            "decision.record",
            member.user.pk,
            fingerprint=value,
            decision_id=self.decisions[-1]["id"],
            assignment=assignment["id"],
            member=member.pk,
            decision=decision,
            revision=latest,
            round=assignment["round"],
            conflict_declared=False,
        )
        assignment["status"] = AssignmentStatus.COMPLETED
        label = dict(Decision.choices)[decision]
        self.assignment_snapshot(assignment, f"Decision recorded: {label}", member.user.pk)

    def close_round(self, by: int) -> None:
        for assignment in self.assignments:
            if (
                assignment["round"] == self.a["review_round"]
                and assignment["status"] == AssignmentStatus.OPEN
            ):
                assignment["status"] = AssignmentStatus.CLOSED
                self.assignment_snapshot(assignment, "Round ended", by)
                self.act(
                    "assignment.close",
                    None,
                    assignment=assignment["id"],
                    round=assignment["round"],
                    status=assignment["status"],
                    automatic="round ended",
                )

    def review(self, outcome: str, editors, members) -> None:
        """Assign members and record their decisions until ``outcome`` happens."""
        editor = self.rng.choice(editors).pk
        needed = self.required if outcome == "approve" else 1
        chosen = self.rng.sample(members, min(len(members), needed + (self.rng.random() < 0.2)))
        open_ones = [(self.assign(m, editor), m) for m in chosen]
        if outcome == "open":
            return
        if outcome == "approve":
            approvers = []
            for assignment, member in open_ones[:needed]:
                self.decide(assignment, member, Decision.APPROVE)
                approvers.append(member)
            self.publish(approvers, by=approvers[-1].user.pk)
            self.move("approve", "Approve", S.APPROVED, approvers[-1].user.pk)
            self.close_round(approvers[-1].user.pk)
        elif outcome == "request_changes":
            assignment, member = open_ones[0]
            comment = self.rng.choice(corpus.REQUEST_COMMENTS)
            self.decide(assignment, member, Decision.REQUEST_CHANGES, comment)
            self.move(
                "request_changes", "Request changes", S.CHANGES_REQUESTED, member.user.pk, comment
            )
            self.close_round(member.user.pk)
        elif outcome == "reject":
            assignment, member = open_ones[0]
            comment = self.rng.choice(corpus.REJECT_COMMENTS)
            self.decide(assignment, member, Decision.REJECT, comment)
            self.later(2, 72)
            self.move("reject", "Reject", S.REJECTED, editor, comment)
            self.close_round(editor)

    def publish(self, approvers, *, by: int) -> None:
        self.later(0.01, 0.1)
        previous = self.versions[-1] if self.versions else None
        source, rendered = self.b.bodies.get(self.variant, len(self.refs), self.condition)
        plain_source, plain_html = ("", "")
        if self.plain:
            plain_source, plain_html = self.b.bodies.get(
                self.variant, len(self.refs), self.condition, plain=True
            )
        refs = [
            {k: r[k] for k in ("authors", "title", "journal", "year", "pmid", "doi", "url")}
            | {"number": n}
            for n, r in enumerate(self.refs, start=1)
        ]
        if previous is None:
            note = "First published."
        elif previous["body_source"] == source and previous["references"] == refs:
            note = "Re-reviewed by the board; the text did not change."
        else:
            note = self.a["change_note"] or "Updated and approved by the board."
        last_reviewed = timezone.localdate(self.t)
        months = self.topic.review_interval_months or settings.EDITORIAL_REVIEW_INTERVAL_MONTHS
        version = {
            "id": self.b.ids(PublishedVersion),
            "article_id": self.pk,
            "number": len(self.versions) + 1,
            "review_round": self.a["review_round"],
            "title": self.a["title"],
            "slug": self.a["slug"],
            "summary": self.a["summary"],
            "topic_name": self.topic.name,
            "topic_slug": self.topic.slug,
            "body_source": source,
            "body_html": rendered,
            "plain_body_source": plain_source,
            "plain_body_html": plain_html,
            "origin": self.a["origin"],
            "change_note": note,
            "references": refs,
            "reviewers": [m.as_snapshot() for m in approvers],
            "author_name": self.author.get_full_name(),
            "submitted_at": self.a["submitted_at"],
            "review_started_at": self.a["review_started_at"],
            "approved_at": self.t,
            "last_reviewed": last_reviewed,
            "next_review_due": last_reviewed + relativedelta(months=months),
            "approved_by_id": by,
        }
        version["fingerprint"] = fingerprint(
            {"title": version["title"], "body": source, "plain_body": plain_source},
            refs,
        )
        self.versions.append(version)
        self.a["live_version_id"] = version["id"]
        self.a["change_note"] = ""

    def revise(self, by: int | None = None) -> None:
        self.later_share(0.1, 0.5)
        self.move("revise", "Start a revision", S.DRAFT, by or self.author.pk)
        self.a["change_note"] = self.rng.choice(corpus.EDIT_REASONS)

    # --- whole lives ------------------------------------------------------------

    def approved_life(self, versions: int, editors, members) -> None:
        for number in range(versions):
            if number:
                if self.rng.random() < 0.3:
                    self.rereview(self.rng.choice(editors).pk)
                    self.review("approve", editors, members)
                    continue
                self.revise()
                for _ in range(self.rng.randint(1, 3)):
                    self.edit()
            self.submit()
            if self.rng.random() < 0.25:
                self.review("request_changes", editors, members)
                self.edit()
                self.submit()
            self.review("approve", editors, members)

    def live(self, ending: str, editors, members) -> None:
        rng = self.rng
        self.create()
        for _ in range(rng.randint(0, 3)):
            self.edit()
        if ending in ("draft",):
            return
        if ending == "withdrawn":
            self.submit()
            self.later(1, 48)
            self.move("withdraw", "Withdraw", S.DRAFT, self.author.pk)
            self.close_round(self.author.pk)
            return
        if ending in ("approved", "revision_draft", "revision_review", "retracted"):
            versions = rng.choices([1, 2, 3, 4], [50, 30, 15, 5])[0]
            self.approved_life(versions, editors, members)
            if ending == "revision_draft":
                self.revise()
                self.edit()
            elif ending == "revision_review":
                self.revise()
                self.edit()
                self.submit()
                self.review("open", editors, members)
            elif ending == "retracted":
                self.later_share(0.1, 0.6)
                editor = rng.choice(editors).pk
                self.a["live_version_id"] = None
                self.move(
                    "retract", "Retract", S.RETRACTED, editor, rng.choice(corpus.RETRACT_REASONS)
                )
            return
        self.submit()
        if ending == "submitted":
            return
        outcome = {
            "under_review": "open",
            "changes_requested": "request_changes",
            "rejected": "reject",
        }[ending]
        self.review(outcome, editors, members)

    def heavy_life(self, editors, members) -> None:
        """An article revised for years: many versions, 200 revisions, now a new draft."""
        self.a["slug"] = HEAVY_SLUG
        self.required = 1
        self.create()
        while True:
            # A cycle writes a revision, its edits, submit, start review and approve;
            # two rows stay for the final revision and its first edit.
            budget = HEAVY_REVISIONS - len(self.history) - 2 - 4
            if budget < 4:
                break
            if self.versions:
                self.revise()
            for _ in range(min(self.rng.randint(4, 12), budget)):
                self.edit()
            self.submit()
            self.review("approve", editors, members)
        self.revise()
        while len(self.history) < HEAVY_REVISIONS:
            self.edit()


class Builder:
    def __init__(self, *, articles: int, seed: int = 7, out=None) -> None:
        self.count = articles
        self.rng = random.Random(seed)
        self.ids = Ids()
        self.bodies = Bodies()
        self.now = timezone.now()
        self.report = Report(articles=articles)
        self.out = out or (lambda message: None)

    def start_time(self) -> datetime.datetime:
        days = self.rng.uniform(30, 6 * 365)
        return self.now - datetime.timedelta(days=days, seconds=self.rng.randrange(86400))

    # --- people and topics --------------------------------------------------------

    def people(self) -> Cast:
        """The archive's accounts: made on the first build, reused when it grows."""
        User = get_user_model()
        existing = User.objects.filter(username__startswith=USER_PREFIX)
        if existing.exists():
            return Cast(
                list(existing.filter(username__startswith=f"{USER_PREFIX}author-")),
                list(existing.filter(username__startswith=f"{USER_PREFIX}editor-")),
                list(
                    BoardMember.objects.select_related("user").filter(
                        user__username__startswith=f"{USER_PREFIX}member-"
                    )
                ),
            )
        groups = {
            g.name: g
            for g in Group.objects.filter(name__in=["Authors", "Editors", "Advisory Board"])
        }
        if len(groups) < 3:
            raise RuntimeError("The role groups are missing: run “manage.py migrate” first.")
        n = self.count
        sizes = {
            "author": min(max(n // 100, 4), 400),
            "editor": min(max(n // 5000, 3), 20),
            "member": min(max(n // 500, 6), 150),
        }
        password = make_password(PASSWORD)
        users = {}
        joined = self.now - datetime.timedelta(days=7 * 365)
        for role, size in sizes.items():
            users[role] = []
            for i in range(1, size + 1):
                users[role].append(
                    User(
                        id=self.ids(User),
                        username=f"{USER_PREFIX}{role}-{i:03d}",
                        first_name=self.rng.choice(corpus.FIRST_NAMES),
                        last_name=self.rng.choice(corpus.LAST_NAMES),
                        email=f"{USER_PREFIX}{role}-{i:03d}@example.org",
                        is_staff=True,
                        password=password,
                        date_joined=joined,
                    )
                )
        User.objects.bulk_create([u for role in users.values() for u in role])
        through = User.groups.through
        group_of = {"author": "Authors", "editor": "Editors", "member": "Advisory Board"}
        through.objects.bulk_create(
            through(user_id=u.pk, group_id=groups[group_of[role]].pk)
            for role, role_users in users.items()
            for u in role_users
        )
        self.report.add("users", sum(len(v) for v in users.values()))
        chair = users["editor"][0]
        members, member_history = [], []
        for user in users["member"]:
            topic = self.rng.choice(corpus.TOPICS)
            member = BoardMember(
                id=self.ids(BoardMember),
                user=user,
                credentials=self.rng.choice(corpus.CREDENTIALS),
                specialties=f"{topic[2]}, General practice",
                bio=f"Practises {topic[2].lower()} and reviews articles on {topic[0].lower()}.",
                active=True,
                joined_on=timezone.localdate(joined),
            )
            members.append(member)
            member_history.append(
                HistoricalMember(
                    **_fields(member),
                    history_id=self.ids(HistoricalMember),
                    history_date=joined,
                    history_change_reason="Joined the board",
                    history_type="+",
                    history_user_id=chair.pk,
                )
            )
        BoardMember.objects.bulk_create(members)
        HistoricalMember.objects.bulk_create(member_history)
        self.report.add("board members", len(members))
        return Cast(users["author"], users["editor"], members)

    def topics(self, chair) -> list[Topic]:
        existing = {t.slug: t for t in Topic.objects.all()}
        created, history = [], []
        for name, slug, specialty, approvals, months in corpus.TOPICS:
            if slug in existing:
                continue
            topic = Topic(
                id=self.ids(Topic),
                name=name,
                slug=slug,
                description=f"Answers about {name.lower()}, reviewed by our physicians.",
                specialty=specialty,
                required_approvals=approvals,
                review_interval_months=months,
            )
            created.append(topic)
            history.append(
                HistoricalTopic(
                    **_fields(topic),
                    history_id=self.ids(HistoricalTopic),
                    history_date=self.now - datetime.timedelta(days=7 * 365),
                    history_change_reason="Topic created",
                    history_type="+",
                    history_user_id=chair.pk,
                )
            )
        Topic.objects.bulk_create(created)
        HistoricalTopic.objects.bulk_create(history)
        self.report.add("topics", len(created))
        return list(Topic.objects.filter(slug__in=[t[1] for t in corpus.TOPICS]))

    # --- articles -------------------------------------------------------------------

    def build(self, batch: int = 500) -> Report:
        started = time.monotonic()
        with transaction.atomic(), dates_as_given(), bulk_load(), set_based_triggers():
            cast = self.people()
            topics = self.topics(cast.editors[0])
            lives: list[Life] = []
            endings = [e for e, _ in ENDINGS]
            weights = [w for _, w in ENDINGS]
            # Numbers continue after the articles already there: slugs stay unique.
            first = Article.objects.count()
            heavy = not Article.objects.filter(slug=HEAVY_SLUG).exists()
            for index in range(first, first + self.count):
                references = round(self.rng.triangular(3, 30, 8))
                author = self.rng.choice(cast.authors)
                topic = self.rng.choice(topics)
                if heavy and index == first:
                    life = Life(self, index, HEAVY_REFERENCES, topic, author)
                    life.heavy_life(cast.editors, cast.members)
                else:
                    life = Life(self, index, references, topic, author)
                    # The first few take every path once, so even a tiny archive has them all.
                    if index - first < len(endings):
                        ending = endings[index - first]
                    else:
                        ending = self.rng.choices(endings, weights)[0]
                    life.live(ending, cast.editors, cast.members)
                self.report.states[life.a["state"]] = self.report.states.get(life.a["state"], 0) + 1
                lives.append(life)
                if len(lives) >= batch:
                    self.write(lives)
                    lives = []
                    self.out(f"  {index + 1 - first:,} articles written")
            self.write(lives)
            self.reset_sequences()
        # VACUUM cannot run inside a transaction (as in tests): skipped there.
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # What autovacuum would do after such a load, some time later: planner
            # statistics, and the visibility map that lets counts scan an index only.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE)")
        self.report.seconds = time.monotonic() - started
        return self.report

    def write(self, lives: list[Life]) -> None:
        if not lives:
            return

        def put(model, rows, label):
            model.objects.bulk_create([model(**row) for row in rows], batch_size=1000)
            self.report.add(label, len(rows))

        # The log first: the database accepts an article beyond a draft only
        # when the row its action_seq names records its state.
        entries, chains = [], []
        for life in lives:
            previous = ""
            key = chain_key(life.pk)
            for seq, action in enumerate(life.actions, start=1):
                row = {
                    **action,
                    "chain": key,
                    "seq": seq,
                    "payload": plain_json(action["payload"]),
                    "backfilled": False,
                    "prev_hash": previous,
                }
                row["row_hash"] = previous = row_hash(row)
                entries.append(
                    {
                        **{k: v for k, v in row.items() if k not in ("by", "article")},
                        "by_id": row["by"],
                        "article_id": row["article"],
                    }
                )
            chains.append({"key": key, "length": len(life.actions), "head_hash": previous})
        put(ActionLogEntry, entries, "action-log rows")
        put(ActionLogChain, chains, "action-log chains")

        # Versions point at articles and articles at their live version;
        # Django declares foreign keys deferred (PostgreSQL and SQLite), so
        # both hold by the end of the transaction.
        put(Article, [life.a for life in lives], "articles")
        put(Reference, [r for life in lives for r in life.refs], "references")
        put(PublishedVersion, [v for life in lives for v in life.versions], "published versions")
        put(ReviewAssignment, [a for life in lives for a in life.assignments], "assignments")
        put(ReviewDecision, [d for life in lives for d in life.decisions], "decisions")
        put(AuditEntry, [e for life in lives for e in life.audits], "audit entries")
        put(HistoricalArticle, [h for life in lives for h in life.history], "article history")
        put(
            HistoricalReference,
            [h for life in lives for h in life.ref_history],
            "reference history",
        )
        put(
            HistoricalAssignment,
            [h for life in lives for h in life.assignment_history],
            "assignment history",
        )

    def reset_sequences(self) -> None:
        models = [
            *(m for m in RESET_MODELS if not isinstance(m, str)),
            get_user_model(),
        ]
        statements = connection.ops.sequence_reset_sql(no_style(), models)
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def archive_size() -> int:
    """Articles of the archive, not counting those the benchmark's approvals added."""
    return Article.objects.exclude(slug__startswith=APPROVAL_PREFIX).count()


def reset() -> dict[str, int]:
    """Empty every table the archive fills, and remove its accounts.

    Raw deletes on purpose: published versions and audit entries refuse
    deletion through the ORM, which is right for the product and wrong for
    throwing away a benchmark archive.
    """
    removed = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for item in RESET_MODELS:
            if item == "live_version":
                cursor.execute(f"UPDATE {Article._meta.db_table} SET live_version_id = NULL")
                continue
            model = apps.get_model(item) if isinstance(item, str) else item
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
            removed[model._meta.db_table] = cursor.rowcount
        User = get_user_model()
        bench_users = User.objects.filter(username__startswith=USER_PREFIX)
        removed["bench users"] = bench_users.count()
        User.groups.through.objects.filter(user__in=bench_users).delete()
        bench_users.delete()
    return removed


def is_bench_archive() -> bool:
    """The articles here were made by this builder (its heavy article is one of them)."""
    return Article.objects.filter(slug=HEAVY_SLUG).exists()
