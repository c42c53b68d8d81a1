"""Provenance: shown to reviewers beside the text, frozen and disclosed once approved."""

from __future__ import annotations

import pytest

from articles.models import Article
from reviewers.models import ReviewAssignment
from reviewers.services import assignment_accept, assignment_create
from tests.api.conftest import draft_body
from tests.factories import decision_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def machine_draft(api, topic, editor, member, due_date):
    """A machine-generated draft sent through the API, submitted and accepted for review."""
    pk = api.post("/api/v1/drafts/", draft_body(topic), format="json").json()["id"]
    api.post(f"/api/v1/drafts/{pk}/submit/", {}, format="json")
    assignment = assignment_create(
        article=Article.objects.get(pk=pk), reviewer=member, by=editor, due_date=due_date
    )
    assignment_accept(assignment=assignment, by=member.user)
    return Article.objects.get(pk=pk)


def test_provenance_shown_to_the_reviewer_beside_the_text(client, machine_draft, member):
    """The reviewer's panel names how the text was made, the system and the model version."""
    client.force_login(member.user)
    page = client.get(f"/admin/articles/article/{machine_draft.pk}/change/").content.decode()
    assert "Drafted by AI, edited by a person" in page
    assert "Acme drafting pipeline" in page
    assert "example-llm 2026-03" in page


def test_provenance_frozen_and_disclosed_on_the_public_page(
    client, machine_draft, member, settings
):
    """Approval freezes provenance on the version; the public page discloses the system."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    decision_record(
        assignment=ReviewAssignment.objects.get(article=machine_draft, reviewer=member),
        by=member.user,
        decision="approve",
        no_conflict=True,
    )
    version = Article.objects.get(pk=machine_draft.pk).live_version
    assert (version.origin, version.generator, version.generator_version) == (
        "ai_generated",
        "Acme drafting pipeline",
        "example-llm 2026-03",
    )
    page = client.get(f"/articles/{version.slug}/").content.decode()
    assert "An AI tool produced the first draft" in page
    assert "AI system used: Acme drafting pipeline (example-llm 2026-03)." in page


def test_provenance_recorded_in_history(machine_draft):
    """The article's history keeps the provenance with each revision."""
    first = machine_draft.history.earliest()
    assert first.generator == "Acme drafting pipeline"
    assert first.source_reference == "question-4711"
