"""Template helpers of the public site."""

from __future__ import annotations

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.http import QueryDict
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
    import re

    from django.utils.html import escape
    from django.utils.safestring import mark_safe

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
