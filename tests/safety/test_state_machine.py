"""Random sequences of workflow actions by random people, checked against the rules.

Hypothesis drives the real services (and so the real locks, conditions and
permissions) with actions chosen at random: writing, submitting, inviting,
accepting and declining invitations, deciding (with or without an explicit
conflict answer), every transition, by every role. After each step the invariants
must hold:

- the public set is exactly the articles' live versions, each approved;
- every audit entry is an edge of the transition table, taken by someone
  the table allows;
- history and audit account for every change of state and every edit;
- no version was published without its quorum of approvals;
- only the invited member answers an invitation, and a decision needs an
  accepted review and one explicit conflict answer.

Size: SAFETY_HYPOTHESIS_EXAMPLES and SAFETY_HYPOTHESIS_STEPS (defaults keep
the test to about ten seconds; raise them locally to search harder), and
SAFETY_HYPOTHESIS_SHRINK=1 to shrink a failure to its shortest sequence.
"""

from __future__ import annotations

import os

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from articles import services
from articles.exceptions import WorkflowError
from articles.fingerprints import version_fingerprint
from articles.history.audit import verify
from articles.models import Article, AuditEntry, PublishedVersion
from articles.public import selectors
from reviewers.choices import PENDING_STATUSES, AssignmentStatus
from reviewers.models import ReviewAssignment, ReviewDecision
from reviewers.services import (
    assignment_accept,
    assignment_cancel,
    assignment_create,
    assignment_decline,
)
from tests.factories import ArticleFactory, ReferenceFactory, TopicFactory, decision_record
from tests.safety.conftest import ROLES, assert_trail_is_a_chain

pytestmark = pytest.mark.django_db

REQUIRED_APPROVALS = 2
EDITOR_ROLES = {"editor", "superuser"}
MEMBERS = ("member_assigned", "member_unassigned", "member_recused", "member_dissenting")
AUTHORS = ("author", "other_author")

# The design's transition table, written out independently of the code:
# transition -> (sources, target).
TABLE = {
    "submit": ({"draft", "changes_requested"}, "submitted"),
    "withdraw": ({"submitted", "under_review"}, "draft"),
    "start_review": ({"submitted"}, "under_review"),
    "request_changes": ({"under_review"}, "changes_requested"),
    "approve": ({"under_review"}, "approved"),
    "reject": ({"submitted", "under_review"}, "rejected"),
    "reopen": ({"rejected", "retracted"}, "draft"),
    "revise": ({"approved"}, "draft"),
    "start_rereview": ({"approved"}, "submitted"),
    "retract": (
        {"draft", "submitted", "under_review", "changes_requested", "approved", "rejected"},
        "retracted",
    ),
}


def may(role: str, name: str, author_role: str) -> bool:
    """Who the design lets take a transition directly (the permission half only)."""
    if role == "anonymous":
        return False
    if name in {"submit", "withdraw"}:
        return role == author_role
    if name == "revise":
        return role == author_role or role in EDITOR_ROLES
    # Board members move articles only by recording decisions (rule "decide").
    return role in EDITOR_ROLES


class WorkflowMachine(RuleBasedStateMachine):
    cast = None  # set by the test

    def __init__(self) -> None:
        super().__init__()
        # Each run happens in a savepoint rolled back at teardown, so runs
        # do not see each other's articles.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.author_of: dict[int, str] = {}
        self.edits: dict[int, int] = {}
        self.expected_live: dict[int, int | None] = {}
        self.seen_versions: set[int] = set()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- helpers --------------------------------------------------------------------

    def _footprint(self, pk: int) -> tuple:
        article = Article.objects.get(pk=pk)
        return (
            {f.attname: getattr(article, f.attname) for f in Article._meta.concrete_fields},
            AuditEntry.objects.filter(article_id=pk).count(),
            article.history.count(),
            PublishedVersion.objects.filter(article_id=pk).count(),
            sorted(ReviewAssignment.objects.filter(article_id=pk).values_list("id", "status")),
            ReviewDecision.objects.filter(assignment__article_id=pk).count(),
        )

    def _attempt(self, pk: int, action, *, role: str, name: str | None = None) -> bool:
        """Run ``action``; refused means nothing changed, done means a legal move."""
        before = self._footprint(pk)
        state_before = before[0]["state"]
        audit_before = before[1]
        try:
            action()
        except WorkflowError as error:
            assert str(error).strip(), "a refusal must say why"
            assert self._footprint(pk) == before, "a refused action changed something"
            return False
        article = Article.objects.get(pk=pk)
        new_entries = list(AuditEntry.objects.filter(article_id=pk).order_by("id")[audit_before:])
        assert len(new_entries) <= 1, "one action, at most one transition"
        for entry in new_entries:
            event(f"took {entry.transition}")
            print("TOOK", entry.transition)
            sources, target = TABLE[entry.transition]
            assert entry.from_state in sources and entry.to_state == target, entry
            assert entry.from_state == state_before
            if name is not None:
                assert entry.transition == name
                assert may(role, name, self.author_of[pk]), (role, name)
            if entry.transition == "approve":
                assert article.live_version_id not in self.seen_versions
                self.seen_versions.add(article.live_version_id)
            if entry.transition in {"approve", "retract"}:
                self.expected_live[pk] = article.live_version_id
        if not new_entries:
            assert article.state == state_before
        return True

    def _pick(self, data, states: set[str] | None = None) -> int | None:
        pks = [
            pk
            for pk, state in Article.objects.filter(pk__in=self.author_of).values_list(
                "pk", "state"
            )
            if states is None or state in states
        ]
        return data.draw(st.sampled_from(sorted(pks))) if pks else None

    # --- rules ------------------------------------------------------------------------

    @initialize(author=st.sampled_from(AUTHORS))
    def first_articles(self, author):
        """Start from a draft, an article under review and a published one."""
        other = AUTHORS[1 - AUTHORS.index(author)]
        self._write(author)
        cast = self.cast
        in_review = self._write(other)
        services.article_submit(article=in_review, by=cast[other])
        # member_assigned accepts, which starts the review; member_dissenting
        # has not answered yet.
        for member in ("member_assigned", "member_dissenting"):
            invitation = assignment_create(
                article=in_review, reviewer=cast[member].board_member, by=cast.editor
            )
            if member == "member_assigned":
                assignment_accept(assignment=invitation, by=cast[member])
        published = self._write(author)
        services.article_submit(article=published, by=cast[author])
        for member in ("member_assigned", "member_recused"):
            invitation = assignment_create(
                article=published, reviewer=cast[member].board_member, by=cast.editor
            )
            assignment = assignment_accept(assignment=invitation, by=cast[member])
            decision_record(
                assignment=assignment, by=cast[member], decision="approve", no_conflict=True
            )
        article = Article.objects.get(pk=published)
        assert article.state == "approved"
        self.expected_live[published] = article.live_version_id
        self.seen_versions.add(article.live_version_id)

    @precondition(lambda self: len(self.author_of) < 4)
    @rule(author=st.sampled_from(AUTHORS))
    def write_article(self, author) -> None:
        self._write(author)

    def _write(self, author: str) -> int:
        # Written through the service, as in the admin: its creation is in the log.
        article = services.article_save_content(
            article=ArticleFactory.build(
                author=self.cast[author],
                topic=TopicFactory(),
                body="Rest helps [1]. Fluids help too [2].",
            ),
            by=self.cast[author],
        )
        ReferenceFactory(article=article, position=1)
        ReferenceFactory(article=article, position=2)
        self.author_of[article.pk] = author
        self.edits[article.pk] = 0
        self.expected_live[article.pk] = None
        return article.pk

    def _role(self, data, pk: int, name: str) -> str:
        """Half the time someone the table allows, otherwise anyone at all."""
        if data.draw(st.booleans()):
            return data.draw(st.sampled_from(ROLES))
        if name in {"submit", "withdraw", "edit"}:
            return self.author_of[pk]
        if name == "revise":
            return data.draw(st.sampled_from([self.author_of[pk], *sorted(EDITOR_ROLES)]))
        return data.draw(st.sampled_from(sorted(EDITOR_ROLES)))

    @precondition(lambda self: self.author_of)
    @rule(data=st.data(), name=st.sampled_from(sorted(TABLE)))
    def take_transition(self, data, name):
        pk = self._pick(data, TABLE[name][0] if data.draw(st.booleans()) else None)
        if pk is None:
            return
        role = self._role(data, pk, name)
        self._attempt(
            pk,
            lambda: services.article_transition(
                article=pk, name=name, by=self.cast[role], comment="Because."
            ),
            role=role,
            name=name,
        )

    @precondition(lambda self: self.author_of)
    @rule(data=st.data())
    def edit(self, data):
        pk = self._pick(data)
        if pk is None:
            return
        role = self._role(data, pk, "edit")
        if role == "anonymous":
            return
        article = Article.objects.get(pk=pk)
        article.summary = f"Edited by {role}."

        def save():
            services.article_save_content(article=article, by=self.cast[role])

        if self._attempt(pk, save, role=role):
            assert role == self.author_of[pk] or role in EDITOR_ROLES
            assert Article.objects.get(pk=pk).is_editable
            self.edits[pk] += 1

    @precondition(lambda self: self._in_review())
    @rule(data=st.data(), member=st.sampled_from(MEMBERS))
    def assign(self, data, member):
        pk = self._pick(data, {"submitted", "under_review"})
        if pk is None:
            return
        role = self._role(data, pk, "assign")
        reviewer = self.cast[member].board_member
        if self._attempt(
            pk,
            lambda: assignment_create(article=pk, reviewer=reviewer, by=self.cast[role]),
            role=role,
        ):
            assert role in EDITOR_ROLES

    def _open_assignments(self):
        return ReviewAssignment.objects.filter(
            article_id__in=self.author_of, status=AssignmentStatus.OPEN
        )

    def _in_review(self) -> bool:
        return Article.objects.filter(
            pk__in=self.author_of, state__in=["submitted", "under_review"]
        ).exists()

    def _invitations(self):
        return ReviewAssignment.objects.filter(
            article_id__in=self.author_of, status=AssignmentStatus.INVITED
        )

    def _answer(self, data, impostor, answer) -> None:
        """The invited member (or an impostor) accepts or declines an invitation."""
        invitations = list(self._invitations().select_related("reviewer__user").order_by("id"))
        if not invitations:
            return
        invitation = data.draw(st.sampled_from(invitations))
        owner = invitation.reviewer.user
        by = owner if impostor is None else self.cast[impostor]
        started = AuditEntry.objects.filter(transition="start_review").count()

        def action():
            if answer == "accept":
                return assignment_accept(assignment=invitation, by=by)
            return assignment_decline(assignment=invitation, by=by, reason="Away.")

        if self._attempt(invitation.article_id, action, role="member"):
            assert by.pk == owner.pk, "only the invited member answers"
            new_status = ReviewAssignment.objects.get(pk=invitation.pk).status
            if answer == "decline":
                assert new_status == AssignmentStatus.DECLINED
                assert AuditEntry.objects.filter(transition="start_review").count() == started
            else:
                assert new_status == AssignmentStatus.OPEN
                assert Article.objects.get(pk=invitation.article_id).state == "under_review"
                for entry in AuditEntry.objects.filter(transition="start_review")[started:]:
                    assert entry.by_id == owner.pk, "the review starts with its first acceptance"

    @precondition(lambda self: self._invitations().exists())
    @rule(data=st.data(), impostor=st.sampled_from([None] * 6 + list(ROLES)))
    def accept(self, data, impostor):
        self._answer(data, impostor, "accept")

    @precondition(lambda self: self._invitations().exists())
    @rule(data=st.data(), impostor=st.sampled_from([None] * 6 + list(ROLES)))
    def decline(self, data, impostor):
        self._answer(data, impostor, "decline")

    @precondition(lambda self: self._open_assignments().exists() or self._invitations().exists())
    @rule(
        data=st.data(),
        decision=st.sampled_from(["approve", "approve", "request_changes", "reject"]),
        conflict=st.sampled_from(["none", "none", "none", "declared", "missing", "both"]),
        impostor=st.sampled_from([None] * 8 + list(ROLES)),
    )
    def decide(self, data, decision, conflict, impostor):
        # Mostly accepted reviews; now and then an invitation not yet accepted.
        statuses = [AssignmentStatus.OPEN] * 4 + [AssignmentStatus.INVITED]
        candidates = list(
            ReviewAssignment.objects.filter(
                article_id__in=self.author_of, status=data.draw(st.sampled_from(statuses))
            )
            .select_related("reviewer__user")
            .order_by("id")
        )
        if not candidates:
            return
        assignment = data.draw(st.sampled_from(candidates))
        owner = assignment.reviewer.user
        by = owner if impostor is None else self.cast[impostor]
        answers = {
            "none": {"no_conflict": True},
            "declared": {"conflict_declared": True, "conflict_statement": "I consult for it."},
            "missing": {},
            "both": {"no_conflict": True, "conflict_declared": True, "conflict_statement": "x"},
        }[conflict]
        if self._attempt(
            assignment.article_id,
            lambda: decision_record(
                assignment=assignment,
                by=by,
                decision=decision,
                comment_to_author="" if decision == "approve" else "Needs work.",
                **answers,
            ),
            role="member",
        ):
            assert by.pk == owner.pk, "only the assigned member decides"
            assert assignment.status == AssignmentStatus.OPEN, "only on an accepted review"
            assert conflict in ("none", "declared"), "only with one explicit conflict answer"

    @precondition(lambda self: self._open_assignments().exists() or self._invitations().exists())
    @rule(data=st.data())
    def cancel(self, data):
        open_ones = list(
            ReviewAssignment.objects.filter(
                article_id__in=self.author_of, status__in=PENDING_STATUSES
            ).order_by("id")
        )
        if not open_ones:
            return
        assignment = data.draw(st.sampled_from(open_ones))
        role = self._role(data, assignment.article_id, "cancel")
        if self._attempt(
            assignment.article_id,
            lambda: assignment_cancel(assignment=assignment, by=self.cast[role], reason="Away."),
            role=role,
        ):
            assert role in EDITOR_ROLES

    # --- invariants -------------------------------------------------------------------

    @invariant()
    def public_set_is_the_live_approved_versions(self):
        live = set(selectors.live_versions().values_list("pk", flat=True))
        pointed = {
            version
            for version in Article.objects.filter(pk__in=self.author_of).values_list(
                "live_version_id", flat=True
            )
            if version is not None
        }
        assert live == pointed
        assert pointed == {v for v in self.expected_live.values() if v is not None}
        for article in Article.objects.filter(pk__in=self.author_of):
            if article.state == "approved":
                assert article.live_version_id is not None
            if article.state == "retracted":
                assert article.live_version_id is None
        listed = {v.pk for v in selectors.live_version_listing()}
        assert listed == live
        for version in PublishedVersion.objects.filter(article_id__in=self.author_of):
            # Every version came from an approval by the board's rule.
            assert (
                AuditEntry.objects.filter(
                    article_id=version.article_id, transition="approve"
                ).count()
                >= version.number
            )

    @invariant()
    def only_table_edges_and_a_complete_trail(self):
        for pk in self.author_of:
            article = Article.objects.get(pk=pk)
            entries = AuditEntry.objects.filter(article_id=pk)
            for entry in entries:
                sources, target = TABLE[entry.transition]
                assert entry.from_state in sources and entry.to_state == target
                assert entry.by_id is not None
            assert_trail_is_a_chain(article)
            # One history row at creation, one per transition, one per edit.
            assert article.history.count() == 1 + entries.count() + self.edits[pk]

    @invariant()
    def nothing_published_without_its_quorum(self):
        for version in PublishedVersion.objects.filter(article_id__in=self.author_of):
            approvers = set(
                ReviewDecision.objects.filter(
                    assignment__article_id=version.article_id,
                    assignment__round=version.review_round,
                    decision="approve",
                    conflict_declared=False,
                )
                .exclude(assignment__reviewer__user=version.article.author)
                .values_list("assignment__reviewer_id", flat=True)
            )
            assert len(approvers) >= REQUIRED_APPROVALS, (version, approvers)

    @invariant()
    def live_text_is_the_text_its_approvers_signed(self):
        """Every live version's fingerprint is its own text's, and each counted approval
        names it, made under credentials valid on the day."""
        for version in PublishedVersion.objects.filter(
            article_id__in=self.author_of, live_for__isnull=False
        ):
            assert version.fingerprint == version_fingerprint(version), version
            counted = {m["member_id"] for m in version.reviewers}
            for decision in ReviewDecision.objects.filter(
                assignment__article_id=version.article_id,
                assignment__round=version.review_round,
                assignment__reviewer_id__in=counted,
                decision="approve",
            ):
                assert decision.fingerprint == version.fingerprint, (version, decision)
                assert decision.credentials_valid, (version, decision)
        assert verify() == []


def test_random_workflows_keep_every_rule(cast, settings):
    """Random actions by random roles never break the workflow's invariants."""
    settings.EDITORIAL_REQUIRED_APPROVALS = REQUIRED_APPROVALS
    WorkflowMachine.cast = cast
    WorkflowMachine.TestCase.settings = settings_for_run()
    WorkflowMachine.TestCase().runTest()


def settings_for_run():
    return settings(
        max_examples=int(os.environ.get("SAFETY_HYPOTHESIS_EXAMPLES", "15")),
        stateful_step_count=int(os.environ.get("SAFETY_HYPOTHESIS_STEPS", "20")),
        deadline=None,
        # Shrinking a failing run of this machine takes minutes; set
        # SAFETY_HYPOTHESIS_SHRINK=1 to get the smallest failing sequence.
        phases=[Phase.explicit, Phase.reuse, Phase.generate]
        + ([Phase.shrink] if os.environ.get("SAFETY_HYPOTHESIS_SHRINK") else []),
        derandomize=os.environ.get("CI") == "true",
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
