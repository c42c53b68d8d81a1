"""Reference lookup by DOI (Crossref) and PMID (E-utilities), against a local stub."""

from __future__ import annotations

import socket

import pytest
from django.urls import reverse

from articles.admin import reference_lookup as lookup
from articles.admin.reference_lookup import ReferenceLookupError, reference_lookup
from tests.admin.lookup_stub import StubServer
from tests.factories import UserFactory


@pytest.fixture
def stub(settings):
    server = StubServer().start()
    settings.EDITORIAL_CROSSREF_URL = server.base + "/crossref"
    settings.EDITORIAL_PUBMED_URL = server.base + "/eutils"
    yield server.stub
    server.stop()


def test_lookup_doi_fills_authors_title_journal_year(stub):
    """A DOI gives the record in the reference list's own style (Vancouver authors)."""
    record = reference_lookup("https://doi.org/10.1000/demo.milia.2019")

    assert record.as_dict() == {
        "authors": "Halvorsen I, Ferreira TJ",
        "title": "Milia in newborns: a prospective cohort of 412 infants",
        "journal": "Journal of Paediatric Skin Care",
        "year": 2019,
        "doi": "10.1000/demo.milia.2019",
        "pmid": "",
    }
    assert stub.requests == ["/crossref/works/10.1000/demo.milia.2019"]


def test_lookup_pmid_fills_the_record_and_the_doi(stub):
    """A PMID gives authors (not the group), the title without its full stop, and the DOI."""
    record = reference_lookup("PMID: 31234567")

    assert record.authors == "Okonkwo CE, Lindgren P"
    assert record.title == "Alternating paracetamol and ibuprofen for fever in children"
    assert record.journal == "Arch Dis Child"
    assert record.year == 2020
    assert record.doi == "10.1000/demo.fever.2020"
    assert record.pmid == "31234567"
    assert stub.requests[0].startswith("/eutils/esummary.fcgi?db=pubmed&id=31234567&retmode=json")


def test_lookup_sends_a_polite_user_agent(stub):
    """The services are told who asks and how to reach them."""
    reference_lookup("10.1000/demo.sunscreen.2021")

    assert stub.user_agents[0].startswith("Editorial/")
    assert "mailto:" in stub.user_agents[0]


def test_lookup_is_cached(stub):
    """The same identifier twice asks the service once."""
    reference_lookup("10.1000/demo.sunscreen.2021")
    reference_lookup("doi:10.1000/DEMO.sunscreen.2021")

    assert len(stub.requests) == 1


@pytest.mark.parametrize("text", ["", "not an id", "10.12/x", "1234567890"])
def test_lookup_malformed_identifier_is_refused_without_asking(stub, text):
    """Neither a DOI nor a PMID: a clear message, no request."""
    with pytest.raises(ReferenceLookupError) as caught:
        reference_lookup(text)

    assert caught.value.kind == ReferenceLookupError.MALFORMED
    assert "neither a DOI" in caught.value.message
    assert stub.requests == []


def test_lookup_unknown_doi_is_not_found(stub):
    """Crossref's 404 reads as "no record has this DOI"."""
    with pytest.raises(ReferenceLookupError) as caught:
        reference_lookup("10.1000/no.such.work")

    assert caught.value.kind == ReferenceLookupError.NOT_FOUND
    assert "10.1000/no.such.work" in caught.value.message


def test_lookup_unknown_pmid_is_not_found(stub):
    """E-utilities' error entry reads as "no record has this PubMed ID"."""
    with pytest.raises(ReferenceLookupError) as caught:
        reference_lookup("99999999")

    assert caught.value.kind == ReferenceLookupError.NOT_FOUND


def test_lookup_server_error_is_unreachable(stub):
    """A 5xx from the service says so, and that it may work later."""
    stub.status = 503
    with pytest.raises(ReferenceLookupError) as caught:
        reference_lookup("10.1000/demo.milia.2019")

    assert caught.value.kind == ReferenceLookupError.UNREACHABLE
    assert "503" in caught.value.message


def test_lookup_unreadable_answer_is_unreachable(stub):
    """An answer that is not JSON is reported, not raised as a crash."""
    stub.body = b"<html>maintenance</html>"
    with pytest.raises(ReferenceLookupError) as caught:
        reference_lookup("31234567")

    assert caught.value.kind == ReferenceLookupError.UNREACHABLE


def test_lookup_slow_service_times_out(stub, monkeypatch):
    """A service slower than the timeout gives a timeout, not a hung page."""
    monkeypatch.setattr(lookup, "TIMEOUT_SECONDS", 0.3)
    stub.delay = 1.0
    with pytest.raises(ReferenceLookupError) as caught:
        reference_lookup("10.1000/demo.milia.2019")

    assert caught.value.kind == ReferenceLookupError.TIMEOUT


def test_lookup_closed_port_is_unreachable(settings):
    """Nothing listening at the configured address: unreachable."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.EDITORIAL_CROSSREF_URL = f"http://127.0.0.1:{port}"

    with pytest.raises(ReferenceLookupError) as caught:
        reference_lookup("10.1000/demo.milia.2019")

    assert caught.value.kind == ReferenceLookupError.UNREACHABLE


# --- The endpoint -----------------------------------------------------------------------

URL = "/admin/articles/reference-lookup/"


def test_lookup_endpoint_address_is_the_documented_one():
    """The design's URL contract names this address."""
    assert reverse("admin:articles_reference_lookup") == URL


def test_lookup_endpoint_answers_the_record_to_an_author(client, author, stub):
    """An author gets the six fields as JSON."""
    client.force_login(author)
    response = client.get(URL, {"q": "10.1000/demo.milia.2019"})

    assert response.status_code == 200
    assert set(response.json()) == {"authors", "title", "journal", "year", "doi", "pmid"}
    assert response.json()["year"] == 2019


@pytest.mark.parametrize(
    ("query", "status"),
    [("garbage", 400), ("10.1000/no.such.work", 404), ("99999999", 404)],
)
def test_lookup_endpoint_errors_have_their_status(client, author, stub, query, status):
    """Malformed 400, unknown 404, each with a message."""
    client.force_login(author)
    response = client.get(URL, {"q": query})

    assert response.status_code == status
    assert response.json()["error"]


def test_lookup_endpoint_unreachable_is_502_and_slow_is_504(client, author, stub, monkeypatch):
    """The service's failure is a gateway error, never a 500."""
    client.force_login(author)
    stub.status = 500
    assert client.get(URL, {"q": "10.1000/demo.milia.2019"}).status_code == 502
    stub.status = None
    stub.delay = 1.0
    monkeypatch.setattr(lookup, "TIMEOUT_SECONDS", 0.3)
    assert client.get(URL, {"q": "31234567"}).status_code == 504


def test_lookup_endpoint_refuses_anonymous(client, stub):
    """Nobody signed out can use the services through us."""
    response = client.get(URL, {"q": "31234567"})

    assert response.status_code == 401
    assert stub.requests == []


def test_lookup_endpoint_refuses_non_staff_and_board_members(client, member, stub):
    """A reader account and a board member (who writes nothing) are refused."""
    reader = UserFactory(username="reader", is_staff=False)
    for user in (reader, member.user):
        client.force_login(user)
        assert client.get(URL, {"q": "31234567"}).status_code == 403
    assert stub.requests == []


def test_lookup_endpoint_refuses_post(client, author):
    """The lookup is a read: other methods are not allowed."""
    client.force_login(author)
    assert client.post(URL, {"q": "31234567"}).status_code == 405
