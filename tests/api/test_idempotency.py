"""Idempotency-Key: a retry returns the first answer and creates nothing."""

from __future__ import annotations

import pytest

from api.models import IdempotencyRecord
from api.services import integration_create
from articles.models import Article, AuditEntry
from tests.api.conftest import draft_body

pytestmark = pytest.mark.django_db


def test_idempotent_retry_returns_the_first_response(api, topic):
    """The same key and body a second time: the first 201 again, one article in all."""
    body = draft_body(topic)
    first = api.post("/api/v1/drafts/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post("/api/v1/drafts/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Article.objects.count() == 1


def test_idempotency_key_with_another_body_is_refused(api, topic):
    """The same key with a different body is refused with 422 and a clear message."""
    api.post("/api/v1/drafts/", draft_body(topic), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    other = draft_body(topic, title="Another question?")
    response = api.post("/api/v1/drafts/", other, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Article.objects.count() == 1


def test_idempotent_submit_runs_once(api, topic):
    """A retried submit replays its answer instead of failing on the new state."""
    pk = api.post("/api/v1/drafts/", draft_body(topic), format="json").json()["id"]
    for _ in range(2):
        response = api.post(
            f"/api/v1/drafts/{pk}/submit/", {}, format="json", HTTP_IDEMPOTENCY_KEY="submit-1"
        )
        assert response.status_code == 200
    assert AuditEntry.objects.filter(article_id=pk, transition="submit").count() == 1


def test_refused_request_does_not_use_up_its_key(api, topic):
    """A request refused for its content stores nothing: fixed, it may reuse the key."""
    bad = draft_body(topic, provenance={"origin": "ai_generated"})
    assert (
        api.post("/api/v1/drafts/", bad, format="json", HTTP_IDEMPOTENCY_KEY="k-3").status_code
        == 400
    )
    good = draft_body(topic)
    assert (
        api.post("/api/v1/drafts/", good, format="json", HTTP_IDEMPOTENCY_KEY="k-3").status_code
        == 201
    )


def test_idempotency_keys_are_per_integration(api, topic, make_key, client_for, editor):
    """Another integration's equal key is its own: it creates its own draft."""
    other = integration_create(name="Other pipeline", by=editor)
    other_client = client_for(make_key(integration=other))
    body = draft_body(topic)
    api.post("/api/v1/drafts/", body, format="json", HTTP_IDEMPOTENCY_KEY="same")
    body["slug"] = "another-address"
    response = other_client.post(
        "/api/v1/drafts/", body, format="json", HTTP_IDEMPOTENCY_KEY="same"
    )
    assert response.status_code == 201
    assert IdempotencyRecord.objects.count() == 2


def test_overlong_idempotency_key_is_refused(api, topic):
    """A key longer than 200 characters is refused with a message naming the header."""
    response = api.post(
        "/api/v1/drafts/", draft_body(topic), format="json", HTTP_IDEMPOTENCY_KEY="x" * 201
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["fields"]
    assert not Article.objects.exists()
