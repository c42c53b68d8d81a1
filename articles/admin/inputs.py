"""Rendering the references table of the article admin without the template engine.

A long article's change page holds some 350 inputs in its references table
(eight per reference, the row's hidden ids and its delete box). Each one
went through Django's widget templates, ``input.html`` including
``attrs.html``, and each field's empty error list through ``ul.html``:
together about half of the page's time. ``InputRenderer`` writes those
same few templates in Python, byte for byte as Django's own templates
would (tests/admin/test_inputs.py compares the two); every other
template still goes through the engine, so a widget that needs more than
an ``<input>`` renders as usual.

It is a speed trick, and measured as one: with ``input_renderer`` in the
setting ``EDITORIAL_SPEED_TRICKS_OFF`` the references table goes through
Django's default form renderer, so the benchmark can time the change page
with and without it.
"""

from __future__ import annotations

import html

from django.conf import settings
from django.forms.renderers import BaseRenderer, DjangoTemplates, get_default_renderer
from django.utils.functional import Promise
from django.utils.safestring import mark_safe

# The widget templates that are Django's input.html and nothing else.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input",
        "text",
        "number",
        "url",
        "email",
        "hidden",
        "checkbox",
        "date",
        "time",
        "password",
    )
)
ERROR_LIST_TEMPLATE = "django/forms/errors/list/ul.html"


def _text(value) -> str:
    # The templates write values through ``stringformat:'s'`` then autoescape:
    # conditional_escape, without its lazy-string wrapper, which costs more
    # than the escaping on a page of 350 inputs.
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def render_input(widget: dict) -> str:
    """What django/forms/widgets/input.html writes for this widget context."""
    parts = [f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"']
    if widget["value"] is not None:
        parts.append(f' value="{_text(widget["value"])}"')
    for name, value in widget["attrs"].items():
        if value is False:
            continue
        parts.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_text(value)}"')
    parts.append(">")
    return mark_safe("".join(parts))


class InputRenderer(DjangoTemplates):
    """Django's form renderer, with plain inputs and empty error lists written directly."""

    def render(self, template_name, context, request=None):
        if template_name in INPUT_TEMPLATES:
            return render_input(context["widget"])
        if template_name == ERROR_LIST_TEMPLATE and not context["errors"]:
            return ""
        return super().render(template_name, context, request=request)


input_renderer = InputRenderer()


def references_renderer() -> BaseRenderer:
    """The renderer of the article admin's references table, as the settings choose."""
    if "input_renderer" in settings.EDITORIAL_SPEED_TRICKS_OFF:
        return get_default_renderer()
    return input_renderer
