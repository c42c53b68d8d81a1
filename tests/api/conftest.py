"""An integration with keys, and a client that sends them."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from api.scopes import Scope
from api.services import api_key_create, integration_create
from tests.factories import TopicFactory

ALL_SCOPES = [s.value for s in Scope]


@pytest.fixture
def integration(db, editor):
    return integration_create(name="Question pipeline", by=editor)


@pytest.fixture
def make_key(integration):
    def make(scopes=None, **kwargs) -> str:
        _key, secret = api_key_create(
            integration=kwargs.pop("integration", integration),
            scopes=scopes or ALL_SCOPES,
            by=None,
            **kwargs,
        )
        return secret

    return make


@pytest.fixture
def client_for():
    def make(key: str | None) -> APIClient:
        client = APIClient()
        if key:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        return client

    return make


@pytest.fixture
def api(make_key, client_for):
    """A client holding a key with every scope."""
    return client_for(make_key())


@pytest.fixture
def topic(db):
    return TopicFactory(slug="skin", name="Skin")


def draft_body(topic, **overrides) -> dict:
    body = {
        "title": "What are the treatment options for milia?",
        "summary": "Most milia clear by themselves.",
        "body": "Milia usually clear without treatment within weeks [1]. "
        "A dermatologist can remove persistent ones [2].",
        "plain_body": "Milk spots mostly go away on their own [1].",
        "topic": topic.slug,
        "references": [
            {
                "authors": "Berk DR, Bayliss SJ",
                "title": "Milia: a review and classification",
                "journal": "J Am Acad Dermatol",
                "year": 2008,
                "pmid": "18571596",
            },
            {
                "title": "Milia",
                "journal": "DermNet",
                "year": 2023,
                "url": "https://example.org/milia",
            },
        ],
        "provenance": {
            "origin": "ai_generated",
            "generator": "Acme drafting pipeline",
            "generator_version": "example-llm 2026-03",
            "source_reference": "question-4711",
        },
    }
    body.update(overrides)
    return body
