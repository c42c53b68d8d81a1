"""The references table's inputs, written in Python, match Django's widget templates."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.forms.utils import ErrorList
from django.utils.translation import gettext_lazy

from articles.admin.forms import ReferenceForm
from articles.admin.inputs import InputRenderer


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
