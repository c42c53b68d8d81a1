"""Contract: generated requests against the OpenAPI schema, with a key holding every scope.

A bounded, seeded number of examples per operation: no answer is a server
error, and every answer matches the schema (status, content type, body).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _load_schema():
    """The schema the running API serves at /api/v1/schema/, generated in-process."""
    loaded = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    loaded.app = get_wsgi_application()
    return loaded


schema = _load_schema()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Requests go through the WSGI handler, whose end closes database connections
    (as Django's test client prevents): the test's transaction must stay open."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def contract_key(make_key, settings, approved_article, topic):
    """A key with every scope, a published article and a topic to aim at; no rate limit."""
    settings.API_RATE_LIMIT = "100000/min"
    return make_key()


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_contract_holds(case, contract_key):
    """No 5xx, and every response conforms to the schema."""
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {contract_key}"}
    case.call_and_validate(checks=CHECKS)
