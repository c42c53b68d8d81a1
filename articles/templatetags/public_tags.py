"""Template helpers of the public site."""

from __future__ import annotations

import json
import re

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.http import QueryDict
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

# What Django's json_script escapes so that no string in the data can close
# the <script> element or open a comment in it (its table is private).
_SCRIPT_ESCAPES = {
    ord(">"): "\\u003E",
    ord("<"): "\\u003C",
    ord("&"): "\\u0026",
}


@register.filter
def jsonld(data) -> str:
    """A ``<script type="application/ld+json">`` block that no text can break out of."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)
    escaped = text.translate(_SCRIPT_ESCAPES)
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
    """The current address with another page number, keeping the search words.

    Nothing else of the address is kept: the page is cached under its words
    and number only, so it must not carry whatever else its first reader's
    address held.
    """
    params = QueryDict(mutable=True)
    query = context.get("query")
    if query:
        params["q"] = query
    params["page"] = number
    return "?" + params.urlencode()


@register.filter
def highlight(text, pattern: str):
    """The text, escaped, with the parts matching ``pattern`` marked for the reader's eye."""
    text = str(text or "")
    if not pattern:
        return escape(text)
    parts = re.split(f"({pattern})", text, flags=re.IGNORECASE)
    # re.split with one group alternates: text, match, text, ...
    return mark_safe(
        "".join(
            f"<mark>{escape(part)}</mark>" if index % 2 else escape(part)
            for index, part in enumerate(parts)
        )
    )
