"""Markdown to safe HTML, once, at approval (and for previews)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import markdown
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h2", "h3",
    "h4", "hr", "i", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}  # fmt: skip
# No id or class from authors: the citation anchors and their styling are
# added after sanitising, so an author cannot fake or hijack them.
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
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


def _link_marker(match: re.Match, reference_count: int) -> str:
    text = match.group(1)
    if any(not 1 <= n <= reference_count for n in cited_numbers(text)):
        return match.group(0)
    linked = re.sub(
        r"\d+", lambda number: f'<a href="#ref-{number.group(0)}">{number.group(0)}</a>', text
    )
    return f'<sup class="cite">[{linked}]</sup>'


# Inside these elements a marker is left as the author wrote it.
NO_MARKERS = {"a", "code", "pre"}


def _running_text(html: str):
    """Yield (chunk, is_running_text) for each tag and text run of the HTML."""
    depth = dict.fromkeys(NO_MARKERS, 0)
    for chunk in TAG_OR_TEXT.split(html):
        if chunk.startswith("<"):
            name = re.match(r"</?\s*([a-zA-Z0-9]+)", chunk)
            tag = name.group(1).lower() if name else ""
            if tag in depth and not chunk.endswith("/>"):
                closing = chunk.startswith("</")
                depth[tag] = max(0, depth[tag] + (-1 if closing else 1))
            yield chunk, False
        else:
            yield chunk, not any(depth.values())


def _link_markers(html: str, reference_count: int) -> str:
    """Turn citation markers in running text into links to the reference list.

    Runs on sanitised HTML and inserts only fixed markup and digits.
    """
    return "".join(
        MARKER.sub(lambda m: _link_marker(m, reference_count), chunk) if text else chunk
        for chunk, text in _running_text(html)
    )


# Sources already rendered inside ``rendering_once``; None outside it.
_rendered: ContextVar[dict[str, str] | None] = ContextVar("rendered", default=None)


@contextmanager
def rendering_once() -> Iterator[None]:
    """Render and sanitise each distinct source at most once inside the block.

    An approval checks the citations of the text it then publishes: both
    need the same sanitised HTML. The memory lasts for the block only, so
    nothing is kept between requests. Nested blocks share the outer one's.
    """
    if _rendered.get() is not None:
        yield
        return
    token = _rendered.set({})
    try:
        yield
    finally:
        _rendered.reset(token)


_converters = threading.local()


def _markdown(source: str) -> str:
    """Markdown to HTML through this thread's parser.

    Building a parser with its extensions costs more than converting most
    answers, so each thread keeps one and resets it before every text, as
    Python-Markdown documents for converting several documents.
    """
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = markdown.Markdown(extensions=["extra", "sane_lists"], output_format="html")
        _converters.markdown = converter
    try:
        return converter.reset().convert(source)
    except BaseException:
        # A conversion that stopped halfway (too deep a nesting) may leave
        # state behind: the next text gets a new parser.
        _converters.markdown = None
        raise


def _sanitised(source: str) -> str:
    if not source:
        return ""
    rendered = _rendered.get()
    if rendered is not None and source in rendered:
        return rendered[source]
    html = _markdown(source)
    html = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    if rendered is not None:
        rendered[source] = html
    return html


def unresolved_markers(source: str, reference_count: int) -> list[str]:
    """The citation markers of the body that cite a reference that does not exist."""
    try:
        html = _sanitised(source)
    except RecursionError:
        return []
    return [
        match.group(0)
        for chunk, text in _running_text(html)
        if text
        for match in MARKER.finditer(chunk)
        if any(not 1 <= n <= reference_count for n in cited_numbers(match.group(1)))
    ]


def render_markdown(source: str, *, reference_count: int = 0) -> str:
    """Render the article body to sanitised HTML with linked citation markers."""
    try:
        return _link_markers(_sanitised(source), reference_count)
    except RecursionError:
        # Saved bodies are validated against this; older or hand-made data
        # still never takes a page down.
        return "<p>This text is nested too deeply to display.</p>"


def cited_reference_numbers(source: str) -> set[int]:
    """Every reference number the body's markers cite, in running text only."""
    try:
        html = _sanitised(source)
    except RecursionError:
        return set()
    return {
        number
        for chunk, text in _running_text(html)
        if text
        for match in MARKER.finditer(chunk)
        for number in cited_numbers(match.group(1))
    }


def uncited_references(source: str, reference_count: int, *more_sources: str) -> list[int]:
    """Numbers of the references (1..count) that no marker of the texts cites.

    Pass the plain-language answer as a further source: a reference cited
    only there is cited. Not an error, a warning: a reference may be listed as
    further reading, but most often the author forgot a marker.
    """
    cited: set[int] = set()
    for text in (source, *more_sources):
        cited |= cited_reference_numbers(text)
    return [number for number in range(1, reference_count + 1) if number not in cited]


# The exact markup ``_link_marker`` writes for a cited number. Authors cannot
# produce a class attribute (the sanitiser drops it), so this never matches
# a link an author wrote.
_CITE = re.compile(r'<sup class="cite">\[(.*?)\]</sup>')
_CITE_LINK = re.compile(r'<a href="#ref-(\d+)">')


def with_backlinks(body_html: str) -> tuple[str, dict[int, list[str]]]:
    """Give each citation link in stored body HTML an id the reference list can link back to.

    Returns the HTML and, for each reference number, the ids of the places
    that cite it, in reading order. Done when the page is shown, so versions
    approved before back links existed get them too.
    """
    places: dict[int, list[str]] = {}

    def mark(link: re.Match) -> str:
        number = int(link.group(1))
        anchors = places.setdefault(number, [])
        anchor = f"cite-{number}-{len(anchors) + 1}"
        anchors.append(anchor)
        return f'<a href="#ref-{number}" id="{anchor}">'

    html = _CITE.sub(
        lambda sup: f'<sup class="cite">[{_CITE_LINK.sub(mark, sup.group(1))}]</sup>', body_html
    )
    # A marker stays on the line of the word it supports.
    html = re.sub(r' (?=<sup class="cite">)', "\u00a0", html)
    return html, places
