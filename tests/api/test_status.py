"""The status endpoint: state, round, assignments and decisions' public parts."""

from __future__ import annotations

import pytest

from articles.models import Article
from reviewers.models import ReviewAssignment
from reviewers.services import assignment_accept, assignment_create
from tests.api.conftest import draft_body
from tests.factories import decision_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(api, topic, editor, member, due_date):
    """An integration's draft, submitted, on which ``member`` requested changes."""
    pk = api.post("/api/v1/drafts/", draft_body(topic), format="json").json()["id"]
    api.post(f"/api/v1/drafts/{pk}/submit/", {}, format="json")
    article = Article.objects.get(pk=pk)
    assignment = assignment_create(article=article, reviewer=member, by=editor, due_date=due_date)
    assignment_accept(assignment=assignment, by=member.user)
    decision_record(
        assignment=ReviewAssignment.objects.get(pk=assignment.pk),
        by=member.user,
        decision="request_changes",
        no_conflict=True,
        comment_to_author="Cite the 2023 guideline for the second claim.",
        confidential_note="SECRET-NOTE the author seems rushed",
    )
    return pk


def test_status_shows_state_round_assignments_and_public_decision(api, reviewed, member):
    """The author's view: who reviews, since when, and what they asked the author."""
    data = api.get(f"/api/v1/drafts/{reviewed}/status/").json()
    assert data["state"] == "changes_requested"
    assert data["review_round"] == 1
    assert data["assignments"][0]["reviewer"] == member.name
    assert data["assignments"][0]["status"] == "completed"
    assert data["decisions"][0]["decision"] == "request_changes"
    assert "2023 guideline" in data["decisions"][0]["comment_to_author"]


def test_status_never_shows_confidential_notes(api, reviewed):
    """Neither the confidential note nor any conflict statement leaves through the API."""
    for path in (
        f"/api/v1/drafts/{reviewed}/status/",
        f"/api/v1/drafts/{reviewed}/",
        "/api/v1/drafts/",
    ):
        body = api.get(path).content.decode()
        assert "SECRET-NOTE" not in body
        assert "confidential" not in body
        assert "conflict_statement" not in body


def test_status_needs_status_scope(make_key, client_for, reviewed):
    """A drafts:write-only key cannot read statuses."""
    client = client_for(make_key(["drafts:write"]))
    assert client.get(f"/api/v1/drafts/{reviewed}/status/").status_code == 403
