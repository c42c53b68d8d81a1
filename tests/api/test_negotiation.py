"""What a client asks for in Accept (or ?format=) decides the answer, as DRF would decide it."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request

from api.negotiation import PlainFirstNegotiation

pytestmark = pytest.mark.django_db

ACCEPTS = [
    None,
    "*/*",
    " */* ",
    "application/json",
    "application/json; indent=4",
    "application/*",
    "text/html",
    "text/html;q=0.9, */*;q=0.8",
    "application/xml",
    "",
]
QUERIES = ["", "format=json", "format=api", "format=xml", "page=2"]
RENDERER_SETS = [[JSONRenderer()], [JSONRenderer(), BrowsableAPIRenderer()]]


def outcome(negotiation, accept, query, renderers):
    extra = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(RequestFactory().get(f"/api/v1/published/?{query}", **extra))
    try:
        renderer, media_type = negotiation.select_renderer(request, renderers)
    except NotAcceptable:
        return "406"
    except Exception as error:  # Http404 for an unknown ?format=
        return type(error).__name__
    return type(renderer).__name__, media_type


@pytest.mark.parametrize("renderers", RENDERER_SETS)
@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("accept", ACCEPTS)
def test_the_short_answer_is_the_one_drf_gives(accept, query, renderers):
    """Whatever the header and the query, the short path picks what DRF's negotiation picks."""
    assert outcome(PlainFirstNegotiation(), accept, query, renderers) == outcome(
        DefaultContentNegotiation(), accept, query, renderers
    )


@given(
    accept=st.one_of(
        st.none(),
        st.text(alphabet="abcdefjlnopstx*/;=,. q0123456789", max_size=40),
        st.sampled_from([a for a in ACCEPTS if a is not None]),
    ),
    query=st.sampled_from(QUERIES),
)
def test_any_accept_header_gets_drfs_answer(accept, query):
    for renderers in RENDERER_SETS:
        assert outcome(PlainFirstNegotiation(), accept, query, renderers) == outcome(
            DefaultContentNegotiation(), accept, query, renderers
        )


def test_a_client_that_accepts_no_json_is_told_so(client_for, settings, approved_article):
    """A headless site asking for HTML gets a JSON 406 naming what the API speaks."""
    settings.API_ANONYMOUS_PUBLISHED_READ = True
    client = client_for(None)
    path = f"/api/v1/published/{approved_article.slug}/"

    refused = client.get(path, HTTP_ACCEPT="text/html")
    assert refused.status_code == 406
    assert refused.json()["error"]["status"] == 406

    for accept in ("*/*", "application/json", "text/html, application/json;q=0.5"):
        answered = client.get(path, HTTP_ACCEPT=accept)
        assert answered.status_code == 200, accept
        assert answered["Content-Type"] == "application/json"
        assert answered.json()["slug"] == approved_article.slug
    assert client.get(path, {"format": "xml"}).status_code == 404
