"""The references table's inputs, written in Python, match Django's widget templates."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.forms.utils import ErrorList
from django.urls import reverse
from django.utils.translation import gettext_lazy

from articles.admin.forms import ReferenceForm
from articles.admin.inputs import InputRenderer, references_renderer


class EveryInput(forms.Form):
    text = forms.CharField(
        widget=forms.TextInput(
            attrs={"size": 14, "data-x": 'a"<b>', "placeholder": gettext_lazy("e.g. “Doe J”")}
        )
    )
    number = forms.IntegerField(widget=forms.NumberInput(attrs={"style": "width: 3.5em"}))
    url = forms.URLField(assume_scheme="https")
    email = forms.EmailField()
    hidden = forms.CharField(widget=forms.HiddenInput)
    flag = forms.BooleanField(required=False)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True))
    disabled = forms.CharField(disabled=True, required=False)


def rendered(form_class, renderer, **kwargs) -> str:
    return str(form_class(renderer=renderer, **kwargs))


@pytest.mark.parametrize(
    "data",
    [
        None,
        {
            "text": 'Doe J & "Roe" <R>',
            "number": "12",
            "url": "https://example.org/?a=1&b=<2>",
            "email": "not an email",
            "hidden": "'quoted'",
            "flag": "on",
            "day": "2024-02-30",
            "secret": "s3&cret",
        },
    ],
)
def test_input_renderer_writes_what_the_widget_templates_write(data):
    """Every input widget, bound or not, with and without errors, renders byte for byte."""
    assert rendered(EveryInput, InputRenderer(), data=data) == rendered(
        EveryInput, DjangoTemplates(), data=data
    )


def test_input_renderer_writes_a_reference_row_as_django_does(db):
    """A reference row, with its initial values, renders as with Django's own renderer."""
    initial = {
        "position": 3,
        "authors": "Berk DR, Bayliss SJ",
        "title": "Milia: a review & <update>",
        "year": 2008,
        "pmid": "20598394",
        "doi": "10.1000/xyz123",
        "url": "https://example.org/a?b=1&c=2",
    }
    assert rendered(ReferenceForm, InputRenderer(), initial=initial) == rendered(
        ReferenceForm, DjangoTemplates(), initial=initial
    )


def test_input_renderer_leaves_an_empty_error_list_empty_and_renders_errors():
    """No errors write nothing; errors still go through Django's template."""
    renderer = InputRenderer()
    assert ErrorList([], renderer=renderer).as_ul() == ""
    errors = ErrorList(["A DOI starts with “10.”"], renderer=renderer)
    assert errors.as_ul() == ErrorList(["A DOI starts with “10.”"]).as_ul()


def test_the_references_table_uses_djangos_renderer_when_the_trick_is_off(settings):
    """With ``input_renderer`` in EDITORIAL_SPEED_TRICKS_OFF the stock renderer is used."""
    settings.EDITORIAL_SPEED_TRICKS_OFF = frozenset()
    assert isinstance(references_renderer(), InputRenderer)
    settings.EDITORIAL_SPEED_TRICKS_OFF = frozenset({"input_renderer"})
    assert references_renderer() is get_default_renderer()


def _page_without_tokens(client, url) -> str:
    html = client.get(url).content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'nonce="[^"]+"', "", html)


def test_the_change_page_is_the_same_with_and_without_the_input_renderer(
    client, author, article, settings
):
    """The trick changes the time a long article's page takes, never its HTML."""
    client.force_login(author)
    url = reverse("admin:articles_article_change", args=[article.pk])
    settings.EDITORIAL_SPEED_TRICKS_OFF = frozenset()
    with_trick = _page_without_tokens(client, url)
    settings.EDITORIAL_SPEED_TRICKS_OFF = frozenset({"input_renderer"})
    assert _page_without_tokens(client, url) == with_trick
