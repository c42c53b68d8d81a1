"""Markdown to safe HTML, once, at approval (and for previews)."""

from __future__ import annotations

import re

import markdown
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h2", "h3",
    "h4", "hr", "i", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id", "class"},
    "sup": {"id", "class"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}

# [1], [1, 2] or a range [1-3] (hyphen or en dash) in running text; not inside code.
MARKER = re.compile(r"\[(\d{1,3}(?:\s*[,\u2013-]\s*\d{1,3})*)\]")
TAG_OR_TEXT = re.compile(r"(<[^>]*>)")


def cited_numbers(marker_text: str) -> list[int]:
    """Expand "1, 3-5" into [1, 3, 4, 5]."""
    numbers: list[int] = []
    for part in re.split(r"\s*,\s*", marker_text):
        bounds = re.split(r"\s*[\u2013-]\s*", part)
        if len(bounds) == 2:
            low, high = int(bounds[0]), int(bounds[1])
            if low <= high and high - low < 50:
                numbers.extend(range(low, high + 1))
                continue
        numbers.extend(int(b) for b in bounds)
    return numbers


def _link_markers(html: str, reference_count: int) -> str:
    """Turn citation markers into links to the reference list."""
    out: list[str] = []
    in_code = 0
    for chunk in TAG_OR_TEXT.split(html):
        if chunk.startswith("<"):
            name = chunk.strip("</ >").split()[0].lower() if chunk.strip("</ >") else ""
            if name in {"code", "pre"}:
                in_code += -1 if chunk.startswith("</") else 1
            out.append(chunk)
        elif in_code:
            out.append(chunk)
        else:

            def replace(match: re.Match) -> str:
                numbers = cited_numbers(match.group(1))
                if not numbers or any(not 1 <= n <= reference_count for n in numbers):
                    return match.group(0)
                first = numbers[0]
                return (
                    f'<sup class="cite"><a href="#ref-{first}" class="cite-link">'
                    f"[{match.group(1)}]</a></sup>"
                )

            out.append(MARKER.sub(replace, chunk))
    return "".join(out)


def render_markdown(source: str, *, reference_count: int = 0) -> str:
    """Render the article body to sanitised HTML with linked citation markers."""
    html = markdown.markdown(source or "", extensions=["extra", "sane_lists"], output_format="html")
    html = _link_markers(html, reference_count)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
