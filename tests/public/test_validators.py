"""References are checked as data: identifiers in their formats, links on the web."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from articles.models import Reference

pytestmark = pytest.mark.django_db


def check(article, **fields):
    Reference(article=article, title="A source", **fields).full_clean()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("url", "ftp://example.org/paper.pdf"),
        ("url", "javascript:alert(1)"),
        ("url", "example.org/no-scheme"),
        ("pmid", "PMID 123"),
        ("pmid", "12a45"),
        ("doi", "doi.org/10.1000/x"),
        ("doi", "11.1000/xyz"),
    ],
)
def test_malformed_reference_fields_are_refused(article, field, value):
    with pytest.raises(ValidationError) as error:
        check(article, **{field: value})

    assert field in error.value.message_dict


def test_web_link_error_says_what_to_write(article):
    with pytest.raises(ValidationError) as error:
        check(article, url="ftp://example.org/paper.pdf")

    assert "starts with https://" in error.value.message_dict["url"][0]


@pytest.mark.parametrize(
    "fields",
    [
        {"url": "https://example.org/guideline"},
        {"url": "http://example.org/old"},
        {"pmid": "20598394"},
        {"doi": "10.1016/j.jaad.2008.03.002"},
    ],
)
def test_well_formed_reference_fields_pass(article, fields):
    check(article, **fields)
