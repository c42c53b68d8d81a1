"""Drafts through the API: created, changed, submitted and withdrawn by the services."""

from __future__ import annotations

import pytest

from api.models import ApiKey
from articles.models import ActionLogEntry, Article, AuditEntry
from tests.api.conftest import draft_body

pytestmark = pytest.mark.django_db


def test_draft_create_belongs_to_the_integration_account(api, integration, topic):
    """A posted draft is the integration's author's, with references in order and provenance."""
    response = api.post("/api/v1/drafts/", draft_body(topic), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    article = Article.objects.get(pk=data["id"])
    assert article.author == integration.account
    assert article.state == "draft"
    assert [r.title for r in article.references.all()] == [
        "Milia: a review and classification",
        "Milia",
    ]
    assert article.origin == "ai_generated"
    assert article.generator == "Acme drafting pipeline"
    assert article.generator_version == "example-llm 2026-03"
    assert article.source_reference == "question-4711"
    assert data["provenance"]["origin"] == "ai_generated"
    assert data["slug"] == "what-are-the-treatment-options-for-milia"
    assert article.history.first().history_user == integration.account


def test_draft_create_without_provenance_is_refused(api, topic):
    """Provenance is required: a draft without it is refused with a field message."""
    body = draft_body(topic)
    del body["provenance"]
    response = api.post("/api/v1/drafts/", body, format="json")
    assert response.status_code == 400
    assert "provenance" in response.json()["error"]["fields"]
    assert not Article.objects.exists()


def test_draft_create_machine_text_needs_its_system(api, topic):
    """Machine-involved text must name its generating system and model version."""
    body = draft_body(topic, provenance={"origin": "ai_assisted"})
    response = api.post("/api/v1/drafts/", body, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "provenance.generator" in fields
    assert "provenance.generator_version" in fields


def test_draft_create_human_text_needs_no_system(api, topic):
    """Text written by a person needs no generating system."""
    body = draft_body(topic, provenance={"origin": "human"})
    assert api.post("/api/v1/drafts/", body, format="json").status_code == 201


def test_draft_create_with_a_bad_reference_saves_nothing(api, topic):
    """A reference the model refuses (a malformed DOI) leaves neither article nor reference."""
    body = draft_body(topic)
    body["references"][1]["doi"] = "not-a-doi"
    response = api.post("/api/v1/drafts/", body, format="json")
    assert response.status_code == 400
    assert "references.1.doi" in response.json()["error"]["fields"]
    assert not Article.objects.exists()


def test_draft_create_with_unrenderable_body_is_refused(api, topic):
    """The same Markdown checks as the admin apply: runaway brackets are refused."""
    body = draft_body(topic, body="[" * 50 + " [1]")
    response = api.post("/api/v1/drafts/", body, format="json")
    assert response.status_code == 400, response.json()
    assert "body" in response.json()["error"]["fields"]


def test_draft_update_changes_content_while_a_draft(api, topic):
    """PATCH changes the given fields and replaces the references when given."""
    pk = api.post("/api/v1/drafts/", draft_body(topic), format="json").json()["id"]
    response = api.patch(
        f"/api/v1/drafts/{pk}/",
        {"summary": "Shorter.", "references": [{"title": "One source"}], "body": "Text [1]."},
        format="json",
    )
    assert response.status_code == 200, response.json()
    article = Article.objects.get(pk=pk)
    assert article.summary == "Shorter."
    assert [r.title for r in article.references.all()] == ["One source"]


def test_draft_submit_and_withdraw_go_through_the_workflow(api, topic, integration):
    """Submit and withdraw are the workflow's transitions, with audit entries by the account."""
    pk = api.post("/api/v1/drafts/", draft_body(topic), format="json").json()["id"]
    response = api.post(f"/api/v1/drafts/{pk}/submit/", {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "submitted"
    response = api.post(f"/api/v1/drafts/{pk}/withdraw/", {"comment": "Wrong topic"}, format="json")
    assert response.json()["state"] == "draft"
    trail = list(AuditEntry.objects.filter(article_id=pk).values_list("transition", "by"))
    assert trail == [("submit", integration.account.pk), ("withdraw", integration.account.pk)]


def test_draft_update_after_submission_is_refused(api, topic):
    """Submitted text is frozen: an update answers 409 with the reason and changes nothing."""
    pk = api.post("/api/v1/drafts/", draft_body(topic), format="json").json()["id"]
    api.post(f"/api/v1/drafts/{pk}/submit/", {}, format="json")
    response = api.patch(f"/api/v1/drafts/{pk}/", {"summary": "Sneaky"}, format="json")
    assert response.status_code == 409
    assert "submitted" in response.json()["error"]["message"]
    assert Article.objects.get(pk=pk).summary != "Sneaky"


def test_draft_submit_without_citations_names_the_reason(api, topic):
    """A refused transition says why in plain words, as the admin does."""
    body = draft_body(topic, body="No markers here.", references=[])
    pk = api.post("/api/v1/drafts/", body, format="json").json()["id"]
    response = api.post(f"/api/v1/drafts/{pk}/submit/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["message"]


def test_draft_of_another_author_is_not_found(api, article):
    """An integration sees only its own articles: another author's answers 404."""
    assert api.get(f"/api/v1/drafts/{article.pk}/").status_code == 404
    assert api.post(f"/api/v1/drafts/{article.pk}/submit/", {}, format="json").status_code == 404
    assert api.get(f"/api/v1/drafts/{article.pk}/status/").status_code == 404


def test_draft_list_shows_only_own_articles(api, topic, article):
    """The list holds the integration's articles and nobody else's."""
    api.post("/api/v1/drafts/", draft_body(topic), format="json")
    titles = [a["title"] for a in api.get("/api/v1/drafts/").json()]
    assert titles == ["What are the treatment options for milia?"]


def test_draft_actions_are_logged_with_the_key(api, topic, integration):
    """The action log names the integration's account and the key's prefix for each action."""
    pk = api.post("/api/v1/drafts/", draft_body(topic), format="json").json()["id"]
    api.post(f"/api/v1/drafts/{pk}/submit/", {}, format="json")
    prefix = ApiKey.objects.get().prefix
    rows = ActionLogEntry.objects.filter(article_id=pk, action__startswith="api.")
    assert [(r.action, r.by_id, r.payload["via"]) for r in rows.order_by("seq")] == [
        ("api.draft_create", integration.account.pk, f"api key {prefix}"),
        ("api.draft_submit", integration.account.pk, f"api key {prefix}"),
    ]


def test_draft_update_with_partial_provenance_is_refused(api, topic):
    """Provenance is replaced whole: without its origin it is refused, not half-applied."""
    pk = api.post("/api/v1/drafts/", draft_body(topic), format="json").json()["id"]
    response = api.patch(
        f"/api/v1/drafts/{pk}/", {"provenance": {"generator": "Other"}}, format="json"
    )
    assert response.status_code == 400
    assert "provenance.origin" in response.json()["error"]["fields"]
    assert Article.objects.get(pk=pk).generator == "Acme drafting pipeline"


def test_draft_update_may_resend_its_own_address(api, topic):
    """Sending the draft's own slug back with a change is not a clash with itself."""
    created = api.post("/api/v1/drafts/", draft_body(topic), format="json").json()
    response = api.patch(
        f"/api/v1/drafts/{created['id']}/",
        {"slug": created["slug"], "summary": "Changed."},
        format="json",
    )
    assert response.status_code == 200, response.json()
