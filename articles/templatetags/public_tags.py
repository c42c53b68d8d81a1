"""Template helpers of the public site."""

from __future__ import annotations

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import _json_script_escapes
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def jsonld(data) -> str:
    """A ``<script type="application/ld+json">`` block that no text can break out of."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)
    escaped = text.translate(_json_script_escapes)
    return mark_safe(f'<script type="application/ld+json">{escaped}</script>')


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` for a template, or an empty list when absent."""
    try:
        return mapping.get(key, [])
    except AttributeError:
        return []


@register.simple_tag(takes_context=True)
def page_url(context, number) -> str:
    """The current address with another page number, keeping the other parameters."""
    params = context["request"].GET.copy()
    params["page"] = number
    return "?" + params.urlencode()
