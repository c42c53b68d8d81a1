"""Markdown to the HTML readers get: linked citation markers, nothing executable."""

from __future__ import annotations

import re

import pytest

from articles.rendering import render_markdown, uncited_references, with_backlinks


def cite_targets(html: str) -> list[str]:
    """The targets of the citation links, in order."""
    return re.findall(r'<a href="(#ref-\d+)">\d+</a>', html)


# --- Citation markers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "marker"),
    [
        ("Milia clear on their own [1].", '[<a href="#ref-1">1</a>]'),
        ("Milia clear on their own [3].", '[<a href="#ref-3">3</a>]'),
        ("Two studies agree [1, 2].", '[<a href="#ref-1">1</a>, <a href="#ref-2">2</a>]'),
        ("Two studies agree [1,2].", '[<a href="#ref-1">1</a>,<a href="#ref-2">2</a>]'),
        ("Several studies agree [1-3].", '[<a href="#ref-1">1</a>-<a href="#ref-3">3</a>]'),
        (
            "Several studies agree [1\u20133].",
            '[<a href="#ref-1">1</a>\u2013<a href="#ref-3">3</a>]',
        ),
    ],
    ids=["single", "single-last", "list", "list-no-space", "range", "range-en-dash"],
)
def test_render_marker_becomes_link_to_reference(source, marker):
    """Each number of a marker within the reference count links to its own reference."""
    html = render_markdown(source, reference_count=3)

    assert f'<sup class="cite">{marker}</sup>' in html


def test_render_each_marker_links_to_its_own_reference():
    """Several markers in a paragraph each link to the reference they cite."""
    html = render_markdown("First [2], then [1], then [3].", reference_count=3)

    assert cite_targets(html) == ["#ref-2", "#ref-1", "#ref-3"]


@pytest.mark.parametrize(
    "source",
    ["Beyond the list [4].", "Partly beyond [2, 4].", "Range beyond [2-4].", "Zero [0]."],
    ids=["single", "list", "range", "zero"],
)
def test_render_marker_beyond_reference_count_stays_text(source):
    """A marker citing a reference that does not exist is left as plain text."""
    html = render_markdown(source, reference_count=3)

    assert cite_targets(html) == []
    assert source[source.index("[") : source.index("]") + 1] in html


def test_render_marker_without_references_stays_text():
    """An article with no references links no marker."""
    assert cite_targets(render_markdown("Claimed [1].", reference_count=0)) == []


@pytest.mark.parametrize(
    "source",
    ["Write `[1]` to cite.", "    see [1] here\n", "```\nsee [1]\n```", "<pre>see [1]</pre>"],
    ids=["inline-code", "indented-block", "fenced-block", "raw-pre"],
)
def test_render_marker_in_code_stays_text(source):
    """Markers inside code are examples, not citations."""
    html = render_markdown(source, reference_count=3)

    assert cite_targets(html) == []
    assert "[1]" in html


def test_render_marker_after_code_is_linked():
    """Leaving a code span resumes linking markers."""
    html = render_markdown("Write `[1]` to cite, like this [2].", reference_count=3)

    assert cite_targets(html) == ["#ref-2"]


def test_render_marker_in_heading_and_table_is_linked():
    """Markers are linked wherever running text appears, not only in paragraphs."""
    source = "## Treatment [1]\n\n| Option | Evidence |\n|---|---|\n| Watchful waiting | [2] |\n"

    assert cite_targets(render_markdown(source, reference_count=2)) == ["#ref-1", "#ref-2"]


def test_render_marker_after_stray_closing_code_tag_is_linked():
    """A closing code tag without an opening one does not stop later markers being linked."""
    html = render_markdown("An odd </code> tag, then a claim [1].", reference_count=1)

    assert cite_targets(html) == ["#ref-1"]


def test_render_marker_inside_link_text_leaves_the_link_whole():
    """A marker inside a link's text does not split the link in two."""
    html = render_markdown("[the guideline [1]](https://example.org/g)", reference_count=1)

    assert html.count("<a ") == 1


def test_render_empty_source_is_empty():
    """No body renders to no HTML."""
    assert render_markdown("", reference_count=0) == ""


def test_render_keeps_ordinary_markdown():
    """Emphasis, lists and tables survive sanitising."""
    html = render_markdown("**Bold** and *soft*\n\n- one\n- two\n", reference_count=0)

    assert "<strong>Bold</strong>" in html
    assert "<em>soft</em>" in html
    assert "<li>one</li>" in html


# --- Sanitising ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "Text <script>alert(1)</script> more",
        '<script src="https://evil.example/x.js"></script>',
        "<SCRIPT>alert(1)</SCRIPT>",
    ],
    ids=["block", "inline", "src", "uppercase"],
)
def test_render_removes_scripts(source):
    """Script elements and their code never reach readers."""
    html = render_markdown(source, reference_count=0)

    assert "<script" not in html.lower()
    assert "alert" not in html
    assert "evil.example" not in html


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](java&#x09;script:alert(1))",
        "[x](%6A%61vascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" javascript:alert(1)">x</a>',
        '<a href="javascript&colon;alert(1)">x</a>',
        '<a href="jav&#x0A;ascript:alert(1)">x</a>',
        '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;'
        'alert(1)">x</a>',
        '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105'
        '&#0000112&#0000116&#0000058alert(1)">x</a>',
        "<javascript:alert(1)>",
        "[x]: javascript:alert(1)\n\nSee [x].",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    ],
    ids=[
        "markdown",
        "mixed-case",
        "decimal-entity",
        "tab-entity",
        "percent-encoded",
        "raw-html",
        "leading-space",
        "colon-entity",
        "newline-entity",
        "hex-entities",
        "padded-decimal-entities",
        "autolink",
        "reference-link",
        "vbscript",
        "data-url",
    ],
)
def test_render_removes_script_urls(source):
    """No spelling or encoding of a script URL survives as a link target."""
    html = render_markdown(source, reference_count=0)

    hrefs = re.findall(r'href="([^"]*)"', html)
    assert all(not re.match(r"\s*(javascript|vbscript|data):", h, re.I) for h in hrefs), hrefs
    assert "javascript:" not in html.lower()


@pytest.mark.parametrize(
    ("source", "handler"),
    [
        ('<p onclick="alert(1)">Hi</p>', "onclick"),
        ('<a href="https://ok.example" onmouseover="alert(1)">Hi</a>', "onmouseover"),
        ("<img src=x onerror=alert(1)>", "onerror"),
        ('<body onload="alert(1)">Hi</body>', "onload"),
        ('<details open ontoggle="alert(1)">Hi</details>', "ontoggle"),
        ('## Title {: onclick="alert(1)" }', "onclick"),
    ],
    ids=["paragraph", "link", "img", "body", "details", "attr-list"],
)
def test_render_removes_event_handlers(source, handler):
    """Event handler attributes are stripped, whatever element carries them."""
    html = render_markdown(source, reference_count=0)

    assert not re.search(rf"<[^>]*\b{handler}\s*=", html, re.I), html


@pytest.mark.parametrize(
    ("source", "marker"),
    [
        ('<iframe src="https://evil.example"></iframe>', "<iframe"),
        ("<style>body { display: none }</style>Text", "<style"),
        ('<p style="position:fixed;top:0">Overlay</p>', "style="),
        ('<svg onload="alert(1)"><circle r="5"/></svg>', "<svg"),
        ("<svg><script>alert(1)</script></svg>", "<svg"),
        ('<object data="https://evil.example/x.swf"></object>', "<object"),
        ('<embed src="https://evil.example/x.swf">', "<embed"),
        ('<form action="https://evil.example"><input name="q"></form>', "<form"),
        ('<math><mi xlink:href="javascript:alert(1)">x</mi></math>', "<math"),
        ('<meta http-equiv="refresh" content="0;url=https://evil.example">', "<meta"),
        ('<base href="https://evil.example/">', "<base"),
    ],
    ids=[
        "iframe",
        "style-element",
        "style-attribute",
        "svg",
        "svg-script",
        "object",
        "embed",
        "form",
        "mathml",
        "meta-refresh",
        "base",
    ],
)
def test_render_removes_dangerous_elements(source, marker):
    """Frames, styles, SVG, plugins, forms and document-level tags are removed."""
    html = render_markdown(source, reference_count=0)

    assert marker not in html.lower()
    assert "alert(1)" not in html


def test_render_removes_style_element_content():
    """A style element's rules do not leak into the text."""
    assert "display" not in render_markdown("<style>body { display: none }</style>Text")


@pytest.mark.parametrize(
    ("source", "href"),
    [
        ("[NICE](https://www.nice.org.uk/)", "https://www.nice.org.uk/"),
        ("[old site](http://example.org/page)", "http://example.org/page"),
        ("[write to us](mailto:editor@example.org)", "mailto:editor@example.org"),
        ('<a href="https://pubmed.ncbi.nlm.nih.gov/20598394/">PubMed</a>', None),
        ("<https://doi.org/10.1000/xyz123>", "https://doi.org/10.1000/xyz123"),
    ],
    ids=["https", "http", "mailto", "raw-html", "autolink"],
)
def test_render_keeps_safe_links(source, href):
    """http, https and mailto links keep their target."""
    html = render_markdown(source, reference_count=0)

    expected = href or "https://pubmed.ncbi.nlm.nih.gov/20598394/"
    assert f'href="{expected}"' in html


def test_render_marks_links_noopener():
    """Links to other sites do not hand the reader's tab to them."""
    html = render_markdown("[NICE](https://www.nice.org.uk/)", reference_count=0)

    assert 'rel="noopener noreferrer nofollow"' in html


def test_render_keeps_text_of_removed_link():
    """Removing a dangerous target keeps the words the author wrote."""
    html = render_markdown("[read this](javascript:alert(1))", reference_count=0)

    assert "read this" in html


def test_render_drops_author_ids_and_classes():
    """Authors cannot forge a citation anchor or borrow the site's classes."""
    html = render_markdown(
        '<a id="ref-1" class="cite" href="https://example.org">fake</a> [1]', reference_count=1
    )

    assert 'id="ref-1"' not in html
    assert 'class="cite"' not in html.replace('<sup class="cite">', "")
    assert cite_targets(html) == ["#ref-1"]


# --- Citations as data: uncited references and the way back -------------------------


def test_uncited_references_lists_the_numbers_no_marker_cites():
    """References 2 and 4 of four are never cited: both are named."""
    assert uncited_references("One [1]. Three [3].", 4) == [2, 4]


def test_uncited_references_counts_lists_and_ranges():
    assert uncited_references("Both [1, 2]. Range [3-5].", 6) == [6]


def test_uncited_references_ignores_markers_in_code_and_links():
    """A marker inside code or a link is not a citation."""
    assert uncited_references("`[1]` and [see [2]](https://example.org) and [3].", 3) == [1, 2]


def test_uncited_references_counts_the_plain_language_text():
    """A reference cited only by the plain-language answer is cited."""
    assert uncited_references("Only [1].", 2, "Plain [2].") == []


def test_with_backlinks_numbers_each_citing_place():
    html, places = with_backlinks(render_markdown("A [1]. B [1, 2].", reference_count=2))

    assert places == {1: ["cite-1-1", "cite-1-2"], 2: ["cite-2-1"]}
    assert '<a href="#ref-1" id="cite-1-2">1</a>' in html


def test_with_backlinks_leaves_author_links_alone():
    """A link an author wrote to #ref-1 gets no id: only our citation markup does."""
    html, places = with_backlinks(render_markdown("[jump](#ref-1)", reference_count=1))

    assert places == {}
    assert "id=" not in html
