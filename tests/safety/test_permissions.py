"""Who may do what: every role against every transition and admin action.

Each case is run twice, through the service functions and through the
admin's HTTP endpoints, and the buttons on the article's page must match.
To add a transition or an action, add a row to TRANSITIONS or ACTIONS.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.admin.forms import ArticleForm
from articles.exceptions import WorkflowError
from articles.models import Article, AuditEntry, PublishedVersion
from reviewers.choices import AssignmentStatus
from reviewers.models import ReviewAssignment, ReviewDecision
from reviewers.services import (
    assignment_accept,
    assignment_cancel,
    assignment_create,
    assignment_decline,
)
from tests.factories import BoardMemberFactory, UserFactory, decision_record, on_screen
from tests.safety.conftest import ROLES, Stage

pytestmark = pytest.mark.django_db

EDITORS = frozenset({"editor", "superuser"})

# transition -> (state it starts from, roles allowed, state it leads to)
TRANSITIONS = {
    "submit": ("draft", frozenset({"author"}), "submitted"),
    "withdraw": ("submitted", frozenset({"author"}), "draft"),
    # Nobody starts a review by hand before a board member is assigned.
    "start_review": ("submitted", frozenset(), "under_review"),
    "request_changes": ("under_review", EDITORS, "changes_requested"),
    # The rule holds but a member recommended rejection: only editors decide.
    "approve": ("approvable", EDITORS, "approved"),
    "reject": ("under_review", EDITORS, "rejected"),
    "reopen": ("rejected", EDITORS, "draft"),
    "revise": ("approved", frozenset({"author", *EDITORS}), "draft"),
    "start_rereview": ("approved", EDITORS, "submitted"),
    "retract": ("approved", EDITORS, "retracted"),
}

# Roles who see the article's admin page at all (in any state used here).
SEES = frozenset({"author", "member_assigned", "member_recused", *EDITORS})


def footprint(article: Article) -> dict:
    fresh = Article.objects.get(pk=article.pk)
    return {
        "row": {f.attname: getattr(fresh, f.attname) for f in Article._meta.concrete_fields},
        "audit": AuditEntry.objects.filter(article=fresh).count(),
        "history": fresh.history.count(),
        "versions": PublishedVersion.objects.filter(article=fresh).count(),
        "assignments": sorted(
            ReviewAssignment.objects.filter(article=fresh).values_list("id", "status")
        ),
        "decisions": ReviewDecision.objects.filter(assignment__article=fresh).count(),
    }


def sees(cast, role: str, article: Article) -> bool:
    """Whether the role gets the article's admin page: its author, editors, its reviewers."""
    if role in {"author", *EDITORS}:
        return True
    if role == "anonymous":
        return False
    return (
        ReviewAssignment.objects.filter(article=article, reviewer__user=cast[role])
        .exclude(status=AssignmentStatus.CANCELLED)
        .exists()
    )


def _change_url(article: Article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def _messages_after(client: Client, response) -> str:
    """The page the user lands on after an admin action, with its messages."""
    assert response.status_code == 302, response.status_code
    return client.get(response["Location"]).content.decode()


# --- Transitions --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", TRANSITIONS)
def test_transition_service_allows_only_its_roles(stage, cast, name, role):
    """The service lets exactly the allowed roles through and refuses the rest, changing nothing."""
    start, allowed, target = TRANSITIONS[name]
    article = stage.make(start)
    before = footprint(article)
    if role in allowed:
        services.article_transition(
            article=article.pk, name=name, by=cast[role], comment="Reason for the record."
        )
        assert Article.objects.get(pk=article.pk).state == target
        assert AuditEntry.objects.filter(article=article).count() == before["audit"] + 1
    else:
        with pytest.raises(WorkflowError) as refused:
            services.article_transition(
                article=article.pk, name=name, by=cast[role], comment="Reason for the record."
            )
        assert str(refused.value).strip()
        assert footprint(article) == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", TRANSITIONS)
def test_transition_endpoint_allows_only_its_roles(stage, cast, name, role):
    """A crafted POST to the admin's button URL works only for allowed roles, never a 5xx."""
    start, allowed, target = TRANSITIONS[name]
    article = stage.make(start)
    before = footprint(article)
    client = cast.client(role)
    response = client.post(
        reverse("admin:articles_article_transition", args=[article.pk, name]),
        {"state": article.state, "comment": "Reason for the record."},
    )
    assert response.status_code < 500
    if role in allowed:
        assert response.status_code == 302
        assert Article.objects.get(pk=article.pk).state == target
        return
    assert footprint(article) == before
    if role == "anonymous":
        assert "/admin/login/" in response["Location"]
    elif sees(cast, role, article):
        page = _messages_after(client, response)
        assert 'class="error"' in page  # the refusal is said, in the messages list
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("role", sorted(SEES))
@pytest.mark.parametrize("name", TRANSITIONS)
def test_buttons_are_shown_only_to_those_who_may_use_them(stage, cast, name, role):
    """The article's page has a working button for a transition only for the roles allowed it."""
    start, allowed, _target = TRANSITIONS[name]
    article = stage.make(start)
    page = cast.client(role).get(_change_url(article)).content.decode()
    button = reverse("admin:articles_article_transition", args=[article.pk, name])
    assert (f'action="{button}"' in page) == (role in allowed)


def test_blocked_transitions_are_greyed_out_with_their_reason(stage, cast):
    """An editor sees why "Approve" cannot be used yet, as a disabled button."""
    article = stage.make("under_review")
    page = cast.client("editor").get(_change_url(article)).content.decode()
    assert "wf-blocked" in page
    assert "The approval rule does not hold yet" in page


# --- Review actions ---------------------------------------------------------------------


def _due() -> str:
    return (timezone.localdate() + datetime.timedelta(days=10)).isoformat()


def _respond_by() -> str:
    return (timezone.localdate() + datetime.timedelta(days=3)).isoformat()


def _assign(stage: Stage, cast, role):
    article = stage.make("submitted")
    member = cast.member_unassigned.board_member
    return article, (
        lambda: assignment_create(article=article.pk, reviewer=member, by=cast[role]),
        reverse("admin:articles_article_assign", args=[article.pk]),
        {"reviewer": member.pk, "respond_by": _respond_by(), "due_date": _due()},
    )


def _cancel(stage: Stage, cast, role):
    article = stage.make("under_review")
    assignment = stage.assignment(article, cast.member_assigned)
    return article, (
        lambda: assignment_cancel(assignment=assignment, by=cast[role], reason="On leave."),
        reverse("admin:articles_article_cancel_assignment", args=[article.pk]),
        {"assignment": assignment.pk, "reason": "On leave."},
    )


def _decide(stage: Stage, cast, role):
    article = stage.make("under_review")
    assignment = stage.assignment(article, cast.member_assigned)
    return article, (
        lambda: decision_record(
            assignment=assignment,
            by=cast[role],
            decision="request_changes",
            comment_to_author="Add the dose for children.",
            no_conflict=True,
        ),
        reverse("admin:articles_article_decide", args=[article.pk]),
        {
            "decision": "request_changes",
            "comment_to_author": "Add the dose for children.",
            "conflict": "none",
            **on_screen(article),
        },
    )


def _accept(stage: Stage, cast, role):
    article = stage.make("invited")
    invitation = stage.assignment(article, cast.member_assigned)
    return article, (
        lambda: assignment_accept(assignment=invitation, by=cast[role]),
        reverse("admin:articles_article_accept", args=[article.pk]),
        {"no_conflict": "on"},
    )


def _decline(stage: Stage, cast, role):
    article = stage.make("invited")
    invitation = stage.assignment(article, cast.member_assigned)
    return article, (
        lambda: assignment_decline(assignment=invitation, by=cast[role], reason="Away until May."),
        reverse("admin:articles_article_decline", args=[article.pk]),
        {"reason": "Away until May."},
    )


# action -> (set-up returning the article and (service call, URL, POST data), roles allowed)
ACTIONS = {
    "assign": (_assign, EDITORS),
    "cancel_assignment": (_cancel, EDITORS),
    "decide": (_decide, frozenset({"member_assigned"})),
    # Only the member invited answers the invitation, whatever roles others hold.
    "accept": (_accept, frozenset({"member_assigned"})),
    "decline": (_decline, frozenset({"member_assigned"})),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_review_action_service_allows_only_its_roles(stage, cast, action, role):
    """Assigning, cancelling and deciding through the services: only the allowed roles."""
    setup, allowed = ACTIONS[action]
    article, (call, _url, _data) = setup(stage, cast, role)
    before = footprint(article)
    if role in allowed:
        call()
        assert footprint(article) != before
    else:
        with pytest.raises(WorkflowError) as refused:
            call()
        assert str(refused.value).strip()
        assert footprint(article) == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_review_action_endpoint_allows_only_its_roles(stage, cast, action, role):
    """The same through the admin's endpoints: refusals are messages or 404s, never 5xx."""
    setup, allowed = ACTIONS[action]
    article, (_call, url, data) = setup(stage, cast, role)
    before = footprint(article)
    client = cast.client(role)
    response = client.post(url, data)
    assert response.status_code < 500
    if role in allowed:
        assert response.status_code == 302
        assert footprint(article) != before
        return
    assert footprint(article) == before
    if role == "anonymous":
        assert "/admin/login/" in response["Location"]
    elif sees(cast, role, article):
        page = _messages_after(client, response)
        assert 'class="error"' in page
    else:
        assert response.status_code == 404


def test_decision_form_is_shown_only_to_the_assigned_member(stage, cast):
    """Only the member with an open assignment gets the decision form."""
    article = stage.make("under_review")
    decide = reverse("admin:articles_article_decide", args=[article.pk])
    for role in SEES:
        page = cast.client(role).get(_change_url(article)).content.decode()
        assert (f'action="{decide}"' in page) == (role == "member_assigned"), role


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_invitation_buttons_are_shown_only_to_the_invited_member(stage, cast, answer):
    """Accept and decline appear for the member invited, and for nobody else who sees the page."""
    article = stage.make("invited")
    url = reverse(f"admin:articles_article_{answer}", args=[article.pk])
    for role in ("author", "member_assigned", *EDITORS):
        page = cast.client(role).get(_change_url(article)).content.decode()
        assert (f'action="{url}"' in page) == (role == "member_assigned"), role


def test_a_decision_needs_an_accepted_invitation(stage, cast):
    """The invited member who has not accepted yet gets no decision form and records nothing."""
    article = stage.make("invited")
    invitation = stage.assignment(article, cast.member_assigned)
    before = footprint(article)
    with pytest.raises(WorkflowError, match="Accept the invitation first"):
        decision_record(
            assignment=invitation, by=cast.member_assigned, decision="approve", no_conflict=True
        )
    assert footprint(article) == before
    client = cast.client("member_assigned")
    decide = reverse("admin:articles_article_decide", args=[article.pk])
    assert f'action="{decide}"' not in client.get(_change_url(article)).content.decode()
    response = client.post(
        decide, {"decision": "approve", "conflict": "none", **on_screen(article)}
    )
    assert "nothing was recorded" in _messages_after(client, response)
    assert footprint(article) == before


CONFLICT_ANSWERS = {
    "no_answer": {},
    "both_answers": {"no_conflict": True, "conflict_declared": True, "conflict_statement": "x"},
    "declared_without_a_statement": {"conflict_declared": True, "conflict_statement": "  "},
}


@pytest.mark.parametrize("answer", CONFLICT_ANSWERS)
@pytest.mark.parametrize("decision", ["approve", "request_changes"])
def test_a_decision_needs_one_explicit_conflict_answer(stage, cast, answer, decision):
    """No conflict ticked, or a conflict described: anything else records nothing."""
    article = stage.make("under_review")
    before = footprint(article)
    with pytest.raises(WorkflowError, match="conflict"):
        decision_record(
            assignment=stage.assignment(article, cast.member_assigned),
            by=cast.member_assigned,
            decision=decision,
            comment_to_author="Add the dose for children.",
            **CONFLICT_ANSWERS[answer],
        )
    assert footprint(article) == before
    form = {
        "no_answer": {},
        "both_answers": {"conflict": "none,declared", "conflict_statement": "x"},
        "declared_without_a_statement": {"conflict": "declared", "conflict_statement": " "},
    }[answer]
    client = cast.client("member_assigned")
    response = client.post(
        reverse("admin:articles_article_decide", args=[article.pk]),
        {
            "decision": decision,
            "comment_to_author": "Add the dose for children.",
            **form,
            **on_screen(article),
        },
    )
    assert response.status_code == 302
    assert 'class="error"' in _messages_after(client, response)
    assert footprint(article) == before


def test_the_first_acceptance_starts_the_review_once(stage, cast):
    """The first member to accept moves the article to under review; the next ones do not."""
    article = stage.make("invited")
    second = stage.invite(article, cast.member_unassigned)
    stage.assign(article, cast.member_assigned)
    assert Article.objects.get(pk=article.pk).state == "under_review"
    started = AuditEntry.objects.get(article=article, transition="start_review")
    assert started.by == cast.member_assigned
    assignment_accept(assignment=second, by=cast.member_unassigned)
    assert AuditEntry.objects.filter(article=article, transition="start_review").count() == 1
    assert Article.objects.get(pk=article.pk).state == "under_review"


def test_a_declined_invitation_cannot_be_accepted_or_decided(stage, cast):
    """Once declined, the invitation is closed: no acceptance, no decision, no review started."""
    article = stage.make("invited")
    invitation = stage.assignment(article, cast.member_assigned)
    assignment_decline(assignment=invitation, by=cast.member_assigned, reason="Outside my field.")
    before = footprint(article)
    with pytest.raises(WorkflowError):
        assignment_accept(assignment=invitation, by=cast.member_assigned)
    with pytest.raises(WorkflowError):
        decision_record(
            assignment=invitation, by=cast.member_assigned, decision="approve", no_conflict=True
        )
    assert footprint(article) == before
    assert Article.objects.get(pk=article.pk).state == "submitted"


# --- Four eyes ----------------------------------------------------------------------------


@pytest.fixture
def power_author(roles):
    """Someone who holds every role at once: author, editor, board member and superuser."""
    user = UserFactory(username="power", groups=["Authors", "Editors", "Advisory Board"])
    user.is_superuser = True
    user.save()
    BoardMemberFactory(user=user)
    return user


@pytest.mark.parametrize("name", ["approve", "reject", "start_review", "start_rereview"])
def test_nobody_runs_the_review_of_their_own_article(stage, cast, power_author, name):
    """Whatever roles they hold, the author cannot approve or decide on their own article."""
    start = {"approve": "approvable", "reject": "under_review"}.get(name, "submitted")
    if name == "start_rereview":
        start = "approved"
    article = stage.make(start, author=power_author)
    before = footprint(article)
    with pytest.raises(WorkflowError):
        services.article_transition(article=article.pk, name=name, by=power_author, comment="x")
    client = Client()
    client.force_login(power_author)
    response = client.post(
        reverse("admin:articles_article_transition", args=[article.pk, name]),
        {"state": article.state, "comment": "x"},
    )
    assert response.status_code == 302
    assert footprint(article) == before
    page = client.get(_change_url(article)).content.decode()
    button = reverse("admin:articles_article_transition", args=[article.pk, name])
    assert f'action="{button}"' not in page


def test_author_cannot_be_assigned_to_review_their_own_article(stage, cast, power_author):
    """Assigning the author as reviewer is refused, even when they are a board member."""
    article = stage.make("submitted", author=power_author)
    with pytest.raises(WorkflowError, match="wrote this article"):
        assignment_create(article=article.pk, reviewer=power_author.board_member, by=cast.editor)
    page = cast.client("editor").get(_change_url(article)).content.decode()
    assert f'value="{power_author.board_member.pk}"' not in page


# --- The state field -----------------------------------------------------------------------


def test_state_is_not_a_field_of_the_article_form():
    """No form in the admin carries the state, the round or the live version."""
    for field in ("state", "review_round", "live_version", "submitted_at"):
        assert field not in ArticleForm.base_fields


def _change_post(article: Article, **overrides) -> dict:
    data = {
        "title": article.title,
        "slug": article.slug,
        "topic": article.topic_id,
        "summary": article.summary,
        "body": article.body,
        "plain_body": article.plain_body,
        "origin": article.origin,
        "change_note": "",
        "references-TOTAL_FORMS": "0",
        "references-INITIAL_FORMS": "0",
        "references-MIN_NUM_FORMS": "0",
        "references-MAX_NUM_FORMS": "1000",
        "state": "approved",
        "review_round": "9",
        "live_version": "1",
        "_save": "Save",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ["author", "editor", "superuser"])
def test_admin_change_post_cannot_write_the_state(stage, cast, role):
    """A crafted change POST with state=approved saves the content but not the state."""
    article = stage.make("draft")
    response = cast.client(role).post(
        _change_url(article), _change_post(article, summary="A new summary.")
    )
    assert response.status_code == 302
    fresh = Article.objects.get(pk=article.pk)
    assert fresh.summary == "A new summary."
    assert (fresh.state, fresh.review_round, fresh.live_version_id) == ("draft", 0, None)


def test_admin_add_post_cannot_create_an_approved_article(stage, cast):
    """Adding an article with state=approved in the POST makes a draft."""
    article = stage.make("draft")
    data = _change_post(article, title="A new question?", slug="a-new-question")
    response = cast.client("author").post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 302
    created = Article.objects.get(slug="a-new-question")
    assert (created.state, created.live_version_id, created.author) == ("draft", None, cast.author)


@pytest.mark.parametrize("role", ["editor", "superuser"])
def test_no_bulk_action_changes_state(stage, cast, role):
    """Every bulk action on the article list leaves states alone (there is no delete either)."""
    articles = [stage.make("draft"), stage.make("under_review")]
    before = {a.pk: footprint(a) for a in articles}
    request = RequestFactory().get(reverse("admin:articles_article_changelist"))
    request.user = cast[role]
    available = admin.site._registry[Article].get_actions(request)
    assert "delete_selected" not in available
    client = cast.client(role)
    for name in [*available, "delete_selected"]:
        response = client.post(
            reverse("admin:articles_article_changelist"),
            {"action": name, "_selected_action": [a.pk for a in articles], "post": "yes"},
        )
        assert response.status_code < 500
    assert {a.pk: footprint(a) for a in articles} == before


def test_group_permissions_do_not_include_writing_audit_or_versions(db):
    """No role's group may add, change or delete audit entries or published versions."""
    for group in Group.objects.all():
        codenames = set(group.permissions.values_list("codename", flat=True))
        for model in ("auditentry", "publishedversion", "reviewdecision"):
            assert not codenames & {f"change_{model}", f"delete_{model}"}, group.name


@pytest.mark.parametrize(
    "url_name",
    ["admin:articles_auditentry_changelist", "admin:articles_publishedversion_changelist"],
)
def test_superuser_cannot_edit_audit_entries_or_versions(stage, cast, url_name):
    """Even the superuser reads audit entries and versions, never edits or deletes them."""
    article = stage.make("approved")
    client = cast.client("superuser")
    model = url_name.split("_")[1]
    obj_id = (
        AuditEntry.objects.filter(article=article).first().pk
        if model == "auditentry"
        else article.live_version_id
    )
    change = reverse(f"admin:articles_{model}_change", args=[obj_id])
    delete = reverse(f"admin:articles_{model}_delete", args=[obj_id])
    before = footprint(article)
    assert client.post(change, {"comment": "rewritten", "title": "rewritten"}).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert footprint(article) == before


# --- Editing the content --------------------------------------------------------------------

# state -> roles who may change the article's text through its admin form
EDITS = {
    "draft": frozenset({"author", *EDITORS}),
    "changes_requested": frozenset({"author", *EDITORS}),
    "under_review": frozenset(),
    "approved": frozenset(),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", EDITS)
def test_content_edits_only_by_author_or_editor_while_editable(stage, cast, state, role):
    """The text changes only for its author or an editor, and only while it is a draft."""
    article = stage.make(state)
    before = footprint(article)
    client = cast.client(role)
    response = client.post(
        _change_url(article), _change_post(article, summary="Rewritten summary.", state=state)
    )
    assert response.status_code < 500
    fresh = Article.objects.get(pk=article.pk)
    if role in EDITS[state]:
        assert response.status_code == 302
        assert fresh.summary == "Rewritten summary."
        assert fresh.state == state
        return
    assert fresh.summary != "Rewritten summary."
    assert footprint(article) == before
    if role == "anonymous":
        assert "/admin/login/" in response["Location"]
    elif response.status_code == 200:
        # A save that raced a transition: the form comes back with its text
        # and the reason, so nothing typed is lost.
        assert "errornote" in response.content.decode()
        assert "Rewritten summary." in response.content.decode()
    elif response.status_code == 302 and sees(cast, role, article):
        assert 'class="error"' in _messages_after(client, response)
    else:
        assert response.status_code in (302, 403, 404)
