"""Checks on an article's Markdown that keep rendering it cheap and safe."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, URLValidator
from django.utils.translation import gettext_lazy as _

# A long answer runs to a few thousand words; this is several times that.
BODY_MAX_LENGTH = 30_000
# Python-Markdown's link parser slows down quadratically on brackets that
# never close; real text has a handful at most.
MAX_UNCLOSED = 40
# Lists or quotes nested this deep overflow the renderer's recursion.
MAX_INDENT = 120
MAX_QUOTE_DEPTH = 20

body_length = MaxLengthValidator(
    BODY_MAX_LENGTH,
    _("The answer is too long: at most %(limit_value)s characters (it has %(show_value)s)."),
)


def _unclosed(text: str, opening: str, closing: str) -> int:
    """How many ``opening`` characters of the text are never closed."""
    depth = 0
    for char in text:
        if char == opening:
            depth += 1
        elif char == closing and depth:
            depth -= 1
    return depth


def body_is_renderable(value: str) -> None:
    """Refuse Markdown that would take the renderer minutes, or crash it."""
    lines = value.splitlines()
    unclosed = sum(_unclosed(line, "[", "]") + _unclosed(line, "(", ")") for line in lines)
    if unclosed > MAX_UNCLOSED:
        raise ValidationError(
            _(
                "The answer has %(count)s square or round brackets that are never closed. "
                "Close them, or write them as \\[ and \\( if you mean the character."
            ),
            params={"count": unclosed},
        )
    for number, line in enumerate(lines, start=1):
        indent = len(line) - len(line.lstrip(" \t"))
        quotes = len(re.match(r"[>\s]*", line).group(0).replace(" ", "").replace("\t", ""))
        if indent > MAX_INDENT or quotes > MAX_QUOTE_DEPTH:
            raise ValidationError(
                _("Line %(line)s is nested too deeply to display: flatten its list or quote."),
                params={"line": number},
            )


# A reference's link is for readers to click: web addresses only (the URL
# field alone would also take ftp:// and ftps://).
web_address = URLValidator(
    schemes=["http", "https"],
    message=_("Enter a web address that starts with https:// (or http://)."),
)
