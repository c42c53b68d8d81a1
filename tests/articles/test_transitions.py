"""The transition table, run through the workflow services.

Each transition is tried by the roles the table allows and by those it does
not, from its source states and from a wrong one; a refusal must say why and
leave no trace, a success must leave exactly one audit entry and one history
row.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User

from articles import services
from articles.exceptions import WorkflowError
from articles.models import Article, AuditEntry, PublishedVersion
from reviewers.models import ReviewAssignment
from tests.factories import (
    ArticleFactory,
    BoardMemberFactory,
    ReferenceFactory,
    UserFactory,
    decision_record,
)
from tests.reviewers.helpers import assign_accepted

COMMENT = "The evidence section needs a second look."

LABELS = {
    "submit": "Submit for review",
    "withdraw": "Withdraw",
    "start_review": "Start review",
    "request_changes": "Request changes",
    "approve": "Approve",
    "reject": "Reject",
    "reopen": "Reopen as draft",
    "revise": "Start a revision",
    "retract": "Retract",
}

ONLY_AUTHOR = "Only the article's author can do this."
ONLY_AUTHOR_OR_EDITOR = "Only the article's author or an editor can do this."
ONLY_EDITOR = "Only an editor can do this."
ONLY_OTHER_EDITOR = "Only an editor who did not write this article can do this."
EDITOR_OR_ACCEPTING_MEMBER = "Only an editor who did not write this article, or a board member"
ONLY_CHANGE_REQUESTER_OR_EDITOR = (
    "Only an editor, or a board member who requested changes in this round of review"
)
ONLY_APPROVER_OR_EDITOR = "Only an editor, or a board member who approved this round of review"


def run(name: str, *, article: Article, by: User, comment: str = COMMENT) -> Article:
    """Call the service of transition ``name`` the way the admin's buttons do."""
    if name == "retract":
        return services.article_retract(article=article, by=by, reason=comment)
    service = getattr(services, f"article_{name}")
    return service(article=article, by=by, comment=comment)


def assignment_of(article: Article, member) -> ReviewAssignment:
    return ReviewAssignment.objects.get(
        article=article, reviewer=member, round=article.review_round
    )


def fresh(article: Article) -> Article:
    return Article.objects.get(pk=article.pk)


@pytest.fixture
def article_in(request, settings, editor, member):
    """Build the article fixture in a named state, through the services."""

    def build(state: str) -> Article:
        if state == "draft":
            return request.getfixturevalue("article")
        if state == "submitted":
            return request.getfixturevalue("submitted_article")
        if state == "submitted_with_assignment":
            # A member invited but not yet accepted: an editor may start the
            # review now; the member starts it only by accepting.
            article = request.getfixturevalue("submitted_article")
            ReviewAssignment.objects.create(
                article=article,
                reviewer=member,
                round=article.review_round,
                due_date=request.getfixturevalue("due_date"),
                assigned_by=editor,
            )
            return article
        if state == "under_review":
            return request.getfixturevalue("article_under_review")
        if state == "under_review_with_quorum":
            # ``member`` approved; ``second_member`` is assigned and has not decided.
            article = request.getfixturevalue("article_under_review")
            assign_accepted(
                article=article, reviewer=request.getfixturevalue("second_member"), by=editor
            )
            settings.EDITORIAL_REQUIRED_APPROVALS = 2
            decision_record(
                no_conflict=True,
                assignment=assignment_of(article, member),
                by=member.user,
                decision="approve",
            )
            settings.EDITORIAL_REQUIRED_APPROVALS = 1
            return fresh(article)
        if state == "changes_requested":
            article = request.getfixturevalue("article_under_review")
            decision_record(
                no_conflict=True,
                assignment=assignment_of(article, member),
                by=member.user,
                decision="request_changes",
                comment_to_author="Cite the 2019 trial.",
            )
            return fresh(article)
        if state == "approved":
            return request.getfixturevalue("approved_article")
        if state == "rejected":
            article = request.getfixturevalue("submitted_article")
            return services.article_reject(article=article, by=editor, comment="Out of scope.")
        if state == "retracted":
            article = request.getfixturevalue("approved_article")
            return services.article_retract(article=article, by=editor, reason="Outdated advice.")
        raise AssertionError(f"no recipe for {state}")

    return build


@pytest.fixture
def user_as(request):
    """The user who plays a named role towards the article fixture."""

    def get(role: str) -> User:
        if role in {"member", "second_member", "unassigned_member"}:
            return request.getfixturevalue(role).user
        return request.getfixturevalue(role)

    return get


# (transition, from, role) that the table allows, and the state it leads to.
ALLOWED = [
    ("submit", "draft", "author", "submitted"),
    ("submit", "changes_requested", "author", "submitted"),
    ("withdraw", "submitted", "author", "draft"),
    ("withdraw", "under_review", "author", "draft"),
    ("start_review", "submitted_with_assignment", "editor", "under_review"),
    ("start_review", "submitted_with_assignment", "superuser", "under_review"),
    ("request_changes", "under_review", "editor", "changes_requested"),
    ("request_changes", "under_review", "superuser", "changes_requested"),
    ("approve", "under_review_with_quorum", "editor", "approved"),
    ("approve", "under_review_with_quorum", "member", "approved"),
    ("approve", "under_review_with_quorum", "superuser", "approved"),
    ("reject", "submitted", "editor", "rejected"),
    ("reject", "under_review", "editor", "rejected"),
    ("reopen", "rejected", "editor", "draft"),
    ("reopen", "retracted", "editor", "draft"),
    ("revise", "approved", "author", "draft"),
    ("revise", "approved", "editor", "draft"),
    ("retract", "approved", "editor", "retracted"),
    ("retract", "approved", "superuser", "retracted"),
]
ALLOWED_IDS = [f"{name}-from-{source}-by-{role}" for name, source, role, _ in ALLOWED]

# (transition, from, role) that the table refuses, and the reason given.
REFUSED = [
    ("submit", "draft", "other_author", ONLY_AUTHOR),
    ("submit", "draft", "editor", ONLY_AUTHOR),
    ("submit", "draft", "member", ONLY_AUTHOR),
    ("submit", "draft", "superuser", ONLY_AUTHOR),
    ("withdraw", "submitted", "other_author", ONLY_AUTHOR),
    ("withdraw", "under_review", "editor", ONLY_AUTHOR),
    ("withdraw", "under_review", "member", ONLY_AUTHOR),
    ("start_review", "submitted_with_assignment", "author", EDITOR_OR_ACCEPTING_MEMBER),
    ("start_review", "submitted_with_assignment", "member", EDITOR_OR_ACCEPTING_MEMBER),
    ("request_changes", "under_review", "author", ONLY_CHANGE_REQUESTER_OR_EDITOR),
    ("request_changes", "under_review", "other_author", ONLY_CHANGE_REQUESTER_OR_EDITOR),
    # A member sends the article back by recording a decision, not directly.
    ("request_changes", "under_review", "member", ONLY_CHANGE_REQUESTER_OR_EDITOR),
    ("request_changes", "under_review", "unassigned_member", ONLY_CHANGE_REQUESTER_OR_EDITOR),
    ("approve", "under_review_with_quorum", "author", ONLY_APPROVER_OR_EDITOR),
    ("approve", "under_review_with_quorum", "other_author", ONLY_APPROVER_OR_EDITOR),
    ("approve", "under_review_with_quorum", "second_member", ONLY_APPROVER_OR_EDITOR),
    ("approve", "under_review_with_quorum", "unassigned_member", ONLY_APPROVER_OR_EDITOR),
    ("reject", "under_review", "author", ONLY_OTHER_EDITOR),
    ("reject", "under_review", "member", ONLY_OTHER_EDITOR),
    ("reopen", "rejected", "author", ONLY_OTHER_EDITOR),
    ("reopen", "rejected", "member", ONLY_OTHER_EDITOR),
    ("revise", "approved", "other_author", ONLY_AUTHOR_OR_EDITOR),
    ("revise", "approved", "member", ONLY_AUTHOR_OR_EDITOR),
    ("retract", "approved", "author", ONLY_EDITOR),
    ("retract", "approved", "member", ONLY_EDITOR),
]
REFUSED_IDS = [f"{name}-from-{source}-by-{role}" for name, source, role, _ in REFUSED]

# (transition, state it is not possible from, role that could take it elsewhere).
WRONG_STATE = [
    ("submit", "submitted", "author", "submitted"),
    ("submit", "approved", "author", "approved"),
    ("withdraw", "draft", "author", "draft"),
    ("withdraw", "approved", "author", "approved"),
    ("start_review", "draft", "editor", "draft"),
    ("start_review", "under_review", "editor", "under review"),
    ("request_changes", "submitted", "editor", "submitted"),
    ("request_changes", "changes_requested", "editor", "changes requested"),
    ("approve", "submitted", "editor", "submitted"),
    ("approve", "approved", "editor", "approved"),
    ("reject", "draft", "editor", "draft"),
    ("reject", "approved", "editor", "approved"),
    ("reopen", "draft", "editor", "draft"),
    ("reopen", "approved", "editor", "approved"),
    ("revise", "draft", "author", "draft"),
    ("revise", "under_review", "author", "under review"),
    ("retract", "retracted", "editor", "retracted"),
]
WRONG_STATE_IDS = [f"{name}-from-{source}" for name, source, _, _ in WRONG_STATE]


# --- Allowed ---------------------------------------------------------------------


@pytest.mark.parametrize(("name", "source", "role", "target"), ALLOWED, ids=ALLOWED_IDS)
def test_transition_by_allowed_role_reaches_target_state(
    article_in, user_as, name, source, role, target
):
    """The role the table names moves the article to the transition's target state."""
    article = article_in(source)

    run(name, article=article, by=user_as(role))

    assert fresh(article).state == target


@pytest.mark.parametrize(("name", "source", "role", "target"), ALLOWED, ids=ALLOWED_IDS)
def test_transition_writes_one_audit_entry(article_in, user_as, name, source, role, target):
    """A transition leaves exactly one audit entry: what, from, to, by whom, why."""
    article = article_in(source)
    from_state = fresh(article).state
    before = set(AuditEntry.objects.filter(article=article).values_list("pk", flat=True))
    user = user_as(role)

    run(name, article=article, by=user)

    new = AuditEntry.objects.filter(article=article).exclude(pk__in=before)
    assert [(e.transition, e.from_state, e.to_state, e.by, e.comment) for e in new] == [
        (name, from_state, target, user, COMMENT)
    ]


@pytest.mark.parametrize(("name", "source", "role", "target"), ALLOWED, ids=ALLOWED_IDS)
def test_transition_writes_one_history_row_with_user_and_reason(
    article_in, user_as, name, source, role, target
):
    """A transition adds one history row naming the acting user and the action."""
    article = article_in(source)
    before = article.history.count()
    user = user_as(role)

    run(name, article=article, by=user)

    assert article.history.count() == before + 1
    row = article.history.order_by("-history_id").first()
    assert (row.state, row.history_user, row.history_change_reason) == (
        target,
        user,
        f"{LABELS[name]}: {COMMENT}",
    )


def test_transition_without_comment_uses_label_as_history_reason(article, author):
    """An optional comment left empty makes the action's label the change reason."""
    services.article_submit(article=article, by=author)

    assert article.history.order_by("-history_id").first().history_change_reason == (
        "Submit for review"
    )


# --- Refused ---------------------------------------------------------------------


@pytest.mark.parametrize(("name", "source", "role", "reason"), REFUSED, ids=REFUSED_IDS)
def test_transition_by_other_role_is_refused_and_changes_nothing(
    article_in, user_as, footprint, name, source, role, reason
):
    """A role the table does not name is told why, and nothing is recorded."""
    article = article_in(source)
    before = footprint(article)

    with pytest.raises(WorkflowError, match=re.escape(reason)):
        run(name, article=article, by=user_as(role))

    assert footprint(article) == before


@pytest.mark.parametrize(("name", "source", "role", "shown_as"), WRONG_STATE, ids=WRONG_STATE_IDS)
def test_transition_from_wrong_state_is_refused_and_changes_nothing(
    article_in, user_as, footprint, name, source, role, shown_as
):
    """A transition outside its source states names the current state and records nothing."""
    article = article_in(source)
    before = footprint(article)

    with pytest.raises(WorkflowError) as refused:
        run(name, article=article, by=user_as(role))

    assert f"“{LABELS[name]}” is not possible while the article is {shown_as}." in str(
        refused.value
    )
    assert footprint(article) == before


def test_transition_unknown_name_is_refused(article, editor):
    """article_transition refuses a name that is not a workflow action."""
    with pytest.raises(WorkflowError, match="is not a workflow action"):
        services.article_transition(article=article, name="delete", by=editor)


# --- What approval records ---------------------------------------------------------


def test_approve_publishes_one_version_with_rendered_html(approved_article):
    """Approval freezes one version whose HTML is the rendered body with linked markers."""
    version = PublishedVersion.objects.get(article=approved_article)

    assert version.number == 1
    assert version.body_source == approved_article.body
    assert '<a href="#ref-1">1</a>' in version.body_html
    assert '<a href="#ref-2">2</a>' in version.body_html


def test_approve_points_live_version_at_the_new_version(approved_article):
    """The article's live_version is the version approval created."""
    assert approved_article.live_version == PublishedVersion.objects.get(article=approved_article)


def test_approve_snapshots_references_in_order(approved_article):
    """The version keeps the references, numbered as the markers cite them."""
    version = approved_article.live_version
    expected = [
        {
            "number": n,
            "authors": ref.authors,
            "title": ref.title,
            "journal": ref.journal,
            "year": ref.year,
            "pmid": ref.pmid,
            "doi": ref.doi,
            "url": ref.url,
        }
        for n, ref in enumerate(approved_article.references.all(), start=1)
    ]

    assert version.references == expected


def test_approve_snapshot_survives_later_reference_edits(approved_article):
    """Editing a reference after approval does not change what was published."""
    reference = approved_article.references.first()
    reference.title = "A different study"
    reference.save()

    assert approved_article.live_version.references[0]["title"] != "A different study"


def test_approve_snapshots_approving_reviewers_with_credentials(approved_article, member):
    """The version names the member whose approval counted, with credentials and specialties."""
    assert approved_article.live_version.reviewers == [
        {
            "member_id": member.pk,
            "name": member.name,
            "credentials": "MD, FAAD",
            "specialties": ["Dermatology"],
        }
    ]


def test_approve_records_who_completed_it_and_when(approved_article, member):
    """The version names the user whose action completed the approval and keeps the dates."""
    version = approved_article.live_version

    assert version.approved_by == member.user
    assert version.submitted_at == approved_article.submitted_at
    assert version.review_started_at == approved_article.review_started_at
    assert version.approved_at >= version.review_started_at >= version.submitted_at


def test_approve_closes_the_rounds_open_assignments(
    article_under_review, editor, member, second_member
):
    """Once approved, a member still assigned to the round can no longer decide."""
    assign_accepted(article=article_under_review, reviewer=second_member, by=editor)
    decision_record(
        no_conflict=True,
        assignment=assignment_of(article_under_review, member),
        by=member.user,
        decision="approve",
    )

    assert assignment_of(article_under_review, second_member).status == "closed"


# --- Conditions ----------------------------------------------------------------------


@pytest.mark.parametrize("body", ["", "   \n  "], ids=["empty", "blank"])
def test_submit_without_body_is_refused_naming_it(author, footprint, body):
    """Submitting an article with no answer says the body is missing and changes nothing."""
    article = ArticleFactory(author=author, body=body)
    ReferenceFactory(article=article)
    before = footprint(article)

    with pytest.raises(WorkflowError, match="no body"):
        services.article_submit(article=article, by=author)

    assert footprint(article) == before


def test_submit_without_references_is_refused_naming_them(author, footprint):
    """Submitting an article that cites no source asks for a reference and changes nothing."""
    article = ArticleFactory(author=author)
    before = footprint(article)

    with pytest.raises(WorkflowError, match="add at least one reference"):
        services.article_submit(article=article, by=author)

    assert footprint(article) == before


def test_submit_starts_a_new_review_round(article, author):
    """Each submission starts the next review round and stamps its time."""
    submitted = services.article_submit(article=article, by=author)

    assert (submitted.review_round, submitted.submitted_at is not None) == (1, True)


def test_start_review_without_assigned_reviewer_is_refused(submitted_article, editor, footprint):
    """An editor cannot start a review nobody has been assigned to."""
    before = footprint(submitted_article)

    with pytest.raises(WorkflowError, match="No board member has been assigned"):
        services.article_start_review(article=submitted_article, by=editor)

    assert footprint(submitted_article) == before


def test_assignment_on_submitted_article_starts_its_review(submitted_article, editor, member):
    """Assigning the first board member moves a submitted article under review."""
    assign_accepted(article=submitted_article, reviewer=member, by=editor)

    assert fresh(submitted_article).state == "under_review"


@pytest.mark.parametrize("role", ["editor", "superuser"])
def test_approve_without_quorum_is_refused(article_under_review, user_as, footprint, role):
    """Nobody, not even an editor, approves before the required reviews are in."""
    before = footprint(article_under_review)

    with pytest.raises(WorkflowError, match="approval rule does not hold"):
        services.article_approve(article=article_under_review, by=user_as(role))

    assert footprint(article_under_review) == before


def test_approve_by_approving_member_without_quorum_is_refused(
    article_under_review, member, settings, footprint
):
    """A member whose approval is one of two required cannot complete the approval alone."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    decision_record(
        no_conflict=True,
        assignment=assignment_of(article_under_review, member),
        by=member.user,
        decision="approve",
    )
    before = footprint(article_under_review)

    with pytest.raises(WorkflowError, match="approval rule does not hold"):
        services.article_approve(article=article_under_review, by=member.user)

    assert footprint(article_under_review) == before


def test_approve_with_only_a_recused_approval_is_refused(
    article_under_review, editor, member, footprint
):
    """An approval recorded with a declared conflict does not let an editor approve."""
    decision_record(
        assignment=assignment_of(article_under_review, member),
        by=member.user,
        decision="approve",
        conflict_declared=True,
        conflict_statement="I advise the maker of the cream.",
    )
    before = footprint(article_under_review)

    with pytest.raises(WorkflowError, match="approval rule does not hold"):
        services.article_approve(article=article_under_review, by=editor)

    assert footprint(article_under_review) == before


@pytest.mark.parametrize("state", ["draft", "submitted", "rejected"])
def test_retract_without_live_version_is_refused(article_in, editor, footprint, state):
    """Retracting an article that was never public says there is nothing to retract."""
    article = article_in(state)
    before = footprint(article)

    with pytest.raises(WorkflowError, match="Nothing from this article is public"):
        services.article_retract(article=article, by=editor, reason="Outdated.")

    assert footprint(article) == before


def test_retract_during_review_closes_the_rounds_open_assignments(
    approved_article, author, editor, second_member
):
    """Retracting a revision under review ends its round: nobody is left waiting to review."""
    services.article_revise(article=approved_article, by=author)
    services.article_submit(article=approved_article, by=author)
    assign_accepted(article=approved_article, reviewer=second_member, by=editor)

    services.article_retract(article=approved_article, by=editor, reason="Unsafe.")

    assert assignment_of(fresh(approved_article), second_member).status == "closed"


def test_submit_with_slug_of_another_live_article_is_refused(
    approved_article, author, other_author, footprint
):
    """A draft cannot be submitted at an address another article's live version already uses."""
    taken = approved_article.slug
    services.article_revise(article=approved_article, by=author)
    revised = fresh(approved_article)
    revised.slug = "renamed-question"
    services.article_save_content(article=revised, by=author)
    rival = ArticleFactory(author=other_author, slug=taken)
    ReferenceFactory(article=rival)
    before = footprint(rival)

    with pytest.raises(WorkflowError, match="Another article is published at this address"):
        services.article_submit(article=rival, by=other_author)

    assert footprint(rival) == before


def test_retract_during_revision_takes_the_live_version_down(approved_article, author, editor):
    """An editor can take down what readers see while a revision is being written."""
    services.article_revise(article=approved_article, by=author)

    retracted = services.article_retract(article=approved_article, by=editor, reason="Unsafe.")

    assert (retracted.state, retracted.live_version) == ("retracted", None)


@pytest.mark.parametrize(
    ("name", "source"),
    [("reject", "submitted"), ("request_changes", "under_review"), ("retract", "approved")],
)
@pytest.mark.parametrize("comment", ["", "   "], ids=["empty", "blank"])
def test_transition_without_required_comment_is_refused(
    article_in, editor, footprint, name, source, comment
):
    """Reject, request changes and retract need a comment that explains why."""
    article = article_in(source)
    before = footprint(article)

    with pytest.raises(WorkflowError, match=f"“{LABELS[name]}” needs a comment"):
        run(name, article=article, by=editor, comment=comment)

    assert footprint(article) == before


# --- Four eyes ------------------------------------------------------------------------


def author_with(roles: str) -> User:
    """An author who also holds the given roles; a board member has a member profile."""
    if roles == "superuser":
        user = User.objects.create_superuser("boss", "boss@example.org", "correct horse battery")
        BoardMemberFactory(user=user)
        return user
    groups = ["Authors"]
    if "editor" in roles:
        groups.append("Editors")
    if "board" in roles:
        groups.append("Advisory Board")
    user = UserFactory(username="double_hat", groups=groups)
    if "board" in roles:
        BoardMemberFactory(user=user)
    return user


ROLE_COMBINATIONS = ["editor", "board", "editor+board", "superuser"]


@pytest.fixture
def own_article(request, settings, editor, member):
    """An article by an author with extra roles, under review with quorum reached."""
    writer = author_with(request.param)
    article = ArticleFactory(author=writer)
    ReferenceFactory(article=article)
    services.article_submit(article=article, by=writer)
    assign_accepted(article=article, reviewer=member, by=editor)
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    decision_record(
        no_conflict=True,
        assignment=assignment_of(fresh(article), member),
        by=member.user,
        decision="approve",
    )
    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    return fresh(article)


@pytest.mark.parametrize("own_article", ROLE_COMBINATIONS, indirect=True)
def test_approve_own_article_is_refused_whatever_other_roles(own_article, footprint):
    """An author who is also an editor, board member or superuser never approves their article."""
    before = footprint(own_article)

    with pytest.raises(WorkflowError, match="never the article's author"):
        services.article_approve(article=own_article, by=own_article.author)

    assert footprint(own_article) == before


@pytest.mark.parametrize("own_article", ROLE_COMBINATIONS, indirect=True)
def test_request_changes_on_own_article_is_refused_whatever_other_roles(own_article, footprint):
    """An author with other roles cannot act as reviewer of their own article either."""
    before = footprint(own_article)

    with pytest.raises(WorkflowError, match="never the article's author"):
        services.article_request_changes(article=own_article, by=own_article.author, comment="x")

    assert footprint(own_article) == before


@pytest.mark.parametrize("roles", ["board", "editor+board", "superuser"])
def test_assignment_of_author_to_own_article_is_refused(roles, editor):
    """A board member who wrote the article cannot be assigned to review it."""
    writer = author_with(roles)
    article = ArticleFactory(author=writer)
    ReferenceFactory(article=article)
    services.article_submit(article=article, by=writer)

    with pytest.raises(WorkflowError, match="wrote this article and cannot review it"):
        assign_accepted(article=article, reviewer=writer.board_member, by=editor)

    assert not ReviewAssignment.objects.filter(article=article).exists()


def test_approve_by_recused_member_is_refused(
    article_under_review, member, second_member, editor, settings, footprint
):
    """A member who approved with a declared conflict cannot complete the approval."""
    assign_accepted(article=article_under_review, reviewer=second_member, by=editor)
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    decision_record(
        no_conflict=True,
        assignment=assignment_of(article_under_review, second_member),
        by=second_member.user,
        decision="approve",
    )
    decision_record(
        assignment=assignment_of(article_under_review, member),
        by=member.user,
        decision="approve",
        conflict_declared=True,
        conflict_statement="I co-wrote the cited trial.",
    )
    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    before = footprint(article_under_review)

    with pytest.raises(WorkflowError, match=ONLY_APPROVER_OR_EDITOR):
        services.article_approve(article=article_under_review, by=member.user)

    assert footprint(article_under_review) == before


def test_approve_by_member_made_inactive_is_refused(article_in, member, footprint):
    """A member whose board membership was made inactive can no longer complete an approval."""
    article = article_in("under_review_with_quorum")
    member.active = False
    member.save()
    before = footprint(article)

    with pytest.raises(WorkflowError, match=ONLY_APPROVER_OR_EDITOR):
        services.article_approve(article=article, by=member.user)

    assert footprint(article) == before
