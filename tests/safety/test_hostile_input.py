"""Hostile and malformed input: inert where it is shown, refused plainly where it is sent.

Rendering surfaces come from RENDER_SURFACES in conftest.py: when the feed
and the compare view land, add them there and every payload runs on them.
"""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, AuditEntry, Reference
from articles.validators import BODY_MAX_LENGTH
from tests.factories import ReferenceFactory
from tests.safety.conftest import RENDER_SURFACES, assert_inert, url_scheme

pytestmark = pytest.mark.django_db

TOKEN = "PWNED"

# Markdown and raw HTML that tries to run code, in as many spellings as we
# could think of. Each carries TOKEN so a surviving payload is recognisable.
PAYLOADS = {
    "script_tag": "<script>alert('PWNED')</script>",
    "script_mixed_case": "<ScRiPt>alert('PWNED')</sCrIpT>",
    "script_split": "<scr<script>ipt>alert('PWNED')</script>",
    "script_src": "<script src=https://evil.example/PWNED.js></script>",
    "img_onerror": "<img src=x onerror=alert('PWNED')>",
    "img_onerror_no_quotes": "<img/src=x/onerror=alert`PWNED`>",
    "div_onmouseover": "<div onmouseover=\"alert('PWNED')\">hover</div>",
    "details_ontoggle": "<details open ontoggle=alert('PWNED')><summary>x</summary></details>",
    "md_javascript_link": "[click](javascript:alert('PWNED'))",
    "md_javascript_mixed_case": "[click](JaVaScRiPt:alert('PWNED'))",
    "md_javascript_entity": "[click](&#106;avascript:alert('PWNED'))",
    "md_javascript_hex_entity": "[click](&#x6A;&#x61;vascript:alert('PWNED'))",
    "md_javascript_named_entity": "[click](javascript&colon;alert('PWNED'))",
    "md_javascript_tab": "[click](java\tscript:alert('PWNED'))",
    "md_javascript_newline_entity": "[click](java&#10;script:alert('PWNED'))",
    "md_javascript_tab_entity": "[click](java&#9;script:alert('PWNED'))",
    "md_javascript_cr_entity": "[click](java&#13;script:alert('PWNED'))",
    "md_javascript_leading_space": "[click](<  javascript:alert('PWNED')>)",
    "md_javascript_control_char": "[click](\x01javascript:alert('PWNED'))",
    "md_javascript_percent": "[click](javascript%3Aalert('PWNED'))",
    "md_reference_link": "[click][x]\n\n[x]: javascript:alert('PWNED')",
    "md_autolink": "<javascript:alert('PWNED')>",
    "md_image_javascript": "![img](javascript:alert('PWNED'))",
    "md_data_link": "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgnUFdORUQnKTwvc2NyaXB0Pg==)",
    "md_data_image": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoJ1BXTkVEJyk+)",
    "md_vbscript": "[click](vbscript:msgbox('PWNED'))",
    "html_javascript_href": "<a href=\"javascript:alert('PWNED')\">x</a>",
    "html_javascript_entities": "<a href=\"&#x6A;avascript&#x3A;alert('PWNED')\">x</a>",
    "html_javascript_tab_entity": "<a href=\"jav&#x09;ascript:alert('PWNED')\">x</a>",
    "html_javascript_whitespace": "<a href=\" \n javascript:alert('PWNED')\">x</a>",
    "html_data_href": "<a href=\"data:text/html,<script>alert('PWNED')</script>\">x</a>",
    "iframe": '<iframe src="https://evil.example/PWNED"></iframe>',
    "iframe_srcdoc": "<iframe srcdoc=\"<script>alert('PWNED')</script>\"></iframe>",
    "object": '<object data="https://evil.example/PWNED.swf"></object>',
    "embed": '<embed src="https://evil.example/PWNED.swf">',
    "svg_onload": "<svg onload=alert('PWNED')></svg>",
    "svg_script": "<svg><script>alert('PWNED')</script></svg>",
    "svg_animate": "<svg><a><animate attributeName=href to=javascript:alert('PWNED') />x</a></svg>",
    "math_href": "<math><mi xlink:href=\"javascript:alert('PWNED')\">x</mi></math>",
    "style_tag": "<style>body{background:url('https://evil.example/PWNED')}</style>",
    "style_attribute": "<p style=\"background:url(javascript:alert('PWNED'))\">x</p>",
    "form_action": "<form action=\"javascript:alert('PWNED')\"><button>go</button></form>",
    "button_formaction": "<button formaction=\"javascript:alert('PWNED')\">go</button>",
    "meta_refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(\'PWNED\')">',
    "base_href": '<base href="https://evil.example/PWNED/">',
    "link_stylesheet": '<link rel=stylesheet href="https://evil.example/PWNED.css">',
    "noscript_mxss": "<noscript><p title=\"</noscript><img src=x onerror=alert('PWNED')>\">",
    "template_tag": "<template><img src=x onerror=alert('PWNED')></template>",
    "comment_breakout": "<!--><img src=x onerror=alert('PWNED')>-->",
    "cdata": "<![CDATA[><img src=x onerror=alert('PWNED')>]]>",
    "attribute_breakout": "[x](https://example.org/\"onmouseover=\"alert('PWNED'))",
    "title_breakout": '[x](https://example.org "title\\" onmouseover=alert(\'PWNED\')")',
    "html_in_code": "`<script>alert('PWNED')</script>`",
}


@pytest.mark.parametrize("surface", RENDER_SURFACES)
@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_markdown_is_inert(stage, surface, payload):
    """Scripts, dangerous links, handlers and embeds in the answer never become live markup."""
    state, read = RENDER_SURFACES[surface]
    text = f"Some safe text [1].\n\n{PAYLOADS[payload]}\n\nMore text [2]."
    article = stage.make(state, body=text, plain_body=text)
    assert_inert(read(stage, article), TOKEN)


# Known holes, by surface: each is an xfail(strict=True) until it is fixed.
OTHER_FIELDS_KNOWN_HOLES: dict[str, str] = {}


def _surfaces(known_holes: dict[str, str]) -> list:
    return [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=known_holes[name]))
        if name in known_holes
        else name
        for name in RENDER_SURFACES
    ]


@pytest.mark.parametrize("surface", _surfaces(OTHER_FIELDS_KNOWN_HOLES))
def test_hostile_text_in_every_other_field_is_inert(stage, surface):
    """Title, summary, change note and reference fields are shown as text, never as markup."""
    state, read = RENDER_SURFACES[surface]
    hostile = "\"'><script>alert('PWNED')</script><img src=x onerror=alert('PWNED')>"
    article = stage.draft(
        title=f"Question {hostile}"[:200],
        summary=f"Summary {hostile}",
    )
    article.change_note = f"Note {hostile}"[:300]
    article.save()
    Reference.objects.filter(article=article).update(
        authors=hostile, title=hostile, journal=hostile
    )
    ReferenceFactory(article=article, position=3, title="Odd link", url="javascript:alert('PWNED')")
    article = stage.make_from(article, state)
    html = read(stage, article)
    assert_inert(html, TOKEN)
    assert "&lt;script&gt;alert(&#x27;PWNED&#x27;)&lt;/script&gt;" in html


def test_checker_catches_what_it_should():
    """The inertness check itself flags live markup (so its silence means something)."""
    for live in [
        "<script>alert('PWNED')</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="java\tscript:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        "<iframe src='https://evil.example/PWNED'></iframe>",
        "<svg><g>PWNED</g></svg>",
        "<script src='//evil.example/x.js'></script>",
    ]:
        with pytest.raises(AssertionError):
            assert_inert(live, TOKEN)
    assert_inert("<p>&lt;script&gt;alert('PWNED')&lt;/script&gt;</p>", TOKEN)
    assert url_scheme(" \x01JaVa\tScRi\nPt:alert(1)") == "javascript"
    assert url_scheme("java    script:alert(1)") is None  # inner spaces stay: relative
    assert url_scheme("/articles/x/") is None


# --- Malformed input through the admin -----------------------------------------------------


def _article_post(article: Article, references: list[dict] | None = None, **overrides) -> dict:
    references = references or []
    data = {
        "title": article.title,
        "slug": article.slug,
        "topic": article.topic_id,
        "summary": article.summary,
        "body": article.body,
        "plain_body": article.plain_body,
        "origin": article.origin,
        "change_note": article.change_note,
        "references-TOTAL_FORMS": str(len(references)),
        "references-INITIAL_FORMS": "0",
        "references-MIN_NUM_FORMS": "0",
        "references-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for index, reference in enumerate(references):
        for key, value in reference.items():
            data[f"references-{index}-{key}"] = value
    data.update(overrides)
    return data


def _snapshot(article: Article) -> tuple:
    fresh = Article.objects.get(pk=article.pk)
    return (
        {f.attname: getattr(fresh, f.attname) for f in Article._meta.concrete_fields},
        list(fresh.references.values()),
        fresh.history.count(),
    )


BAD_REFERENCES = {
    "pmid_letters": ({"pmid": "PMID12345"}, "A PubMed ID is a number"),
    "pmid_too_long": ({"pmid": "1234567890123"}, "PubMed"),
    "pmid_negative": ({"pmid": "-5"}, "A PubMed ID is a number"),
    "doi_no_prefix": ({"doi": "doi.org/10.1000/xyz"}, "A DOI starts with"),
    "doi_spaces": ({"doi": "10.1000/ has spaces"}, "A DOI starts with"),
    "url_javascript": ({"url": "javascript:alert(1)"}, "Enter a valid URL"),
    "url_data": ({"url": "data:text/html,hi"}, "Enter a valid URL"),
    "url_garbage": ({"url": "http://"}, "Enter a valid URL"),
    "year_future": ({"year": "3000"}, "is in the future"),
    "year_text": ({"year": "last year"}, "Enter a whole number"),
}


@pytest.mark.parametrize("case", BAD_REFERENCES)
def test_malformed_reference_is_a_form_error(stage, cast, case):
    """A bad PubMed ID, DOI, link or year comes back as a form error; nothing is saved."""
    article = stage.make("draft")
    fields, message = BAD_REFERENCES[case]
    reference = {"position": "3", "title": "A trial", "authors": "Doe J", **fields}
    before = _snapshot(article)
    response = cast.client("author").post(
        reverse("admin:articles_article_change", args=[article.pk]),
        _article_post(article, [reference]),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert _snapshot(article) == before


def test_oversized_body_is_a_form_error(stage, cast):
    """An answer past the length limit is refused with the limit named; nothing is saved."""
    article = stage.make("draft")
    before = _snapshot(article)
    response = cast.client("author").post(
        reverse("admin:articles_article_change", args=[article.pk]),
        _article_post(article, body="word " * (BODY_MAX_LENGTH // 5 + 10)),
    )
    assert response.status_code == 200
    assert "The answer is too long" in response.content.decode()
    assert _snapshot(article) == before


def test_unrenderable_body_is_a_form_error(stage, cast):
    """Markdown built to stall the renderer is refused with a reason."""
    article = stage.make("draft")
    before = _snapshot(article)
    response = cast.client("author").post(
        reverse("admin:articles_article_change", args=[article.pk]),
        _article_post(article, body="[" * 5000 + "(" * 5000),
    )
    assert response.status_code == 200
    assert "never closed" in response.content.decode()
    assert _snapshot(article) == before


def test_oversized_request_body_is_refused(stage, cast, settings):
    """A POST beyond Django's upload limit is a 400, not a crash."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    article = stage.make("draft")
    before = _snapshot(article)
    response = cast.client("author").post(
        reverse("admin:articles_article_change", args=[article.pk]),
        _article_post(article, body="x" * 200_000),
    )
    assert response.status_code == 400
    assert _snapshot(article) == before


# --- Public URLs with unexpected input ------------------------------------------------------

ODD_PUBLIC_URLS = [
    "/articles/no-such-article/",
    "/articles/" + "a" * 500 + "/",
    "/articles/%E2%98%83/",
    "/articles/%FF%FE/",
    "/articles/..%2F..%2Fetc%2Fpasswd/",
    "/articles/x%00y/",
    "/articles/<script>/",
    "/?page=abc",
    "/?page=-1",
    "/?q=%FF%FE%FD",
    "/?q=" + "x" * 5000,
    "/?audience=<script>alert(1)</script>",
    "/?a=1&a=2&a=3",
    "/advisory-board/?%00=%00",
    "/editorial-policy/?format=json",
    "/%FF/",
    "/nowhere/",
]


@pytest.mark.parametrize("url", ODD_PUBLIC_URLS)
def test_odd_public_urls_answer_without_a_server_error(stage, url):
    """Unknown slugs, bad bytes and silly query strings get a page or a 404, never a 500."""
    stage.make("approved")
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code in (200, 301, 400, 404), response.status_code
    if response.status_code == 404:
        assert "<script>alert" not in response.content.decode(errors="replace")


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
@pytest.mark.parametrize(
    "url_name", ["articles:home", "articles:advisory_board", "articles:editorial_policy"]
)
def test_public_pages_refuse_writing_methods(stage, url_name, method):
    """The public pages only read: other methods answer 405."""
    response = getattr(Client(), method)(reverse(url_name))
    assert response.status_code == 405


# --- Admin endpoints with unexpected input ---------------------------------------------------

POST_ONLY = ["transition", "assign", "cancel_assignment", "decide", "accept", "decline"]


def _endpoint(name: str, article: Article) -> str:
    if name == "transition":
        return reverse("admin:articles_article_transition", args=[article.pk, "submit"])
    return reverse(f"admin:articles_article_{name}", args=[article.pk])


@pytest.mark.parametrize("name", POST_ONLY)
def test_get_on_a_post_only_action_is_405(stage, cast, name):
    """Following a link to an action does nothing and says it needs POST."""
    article = stage.make("draft")
    before = _snapshot(article)
    response = cast.client("author").get(_endpoint(name, article))
    assert response.status_code == 405
    assert _snapshot(article) == before


@pytest.mark.parametrize("name", POST_ONLY)
def test_action_without_csrf_token_is_refused(stage, cast, name):
    """A forged cross-site POST (no CSRF token) answers 403 and changes nothing."""
    article = stage.make("draft")
    before = _snapshot(article)
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.author)
    response = client.post(_endpoint(name, article), {"state": "draft", "comment": ""})
    assert response.status_code == 403
    assert _snapshot(article) == before


def test_article_form_without_csrf_token_is_refused(stage, cast):
    """The article's change form needs its CSRF token too."""
    article = stage.make("draft")
    before = _snapshot(article)
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.author)
    response = client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        _article_post(article, summary="Forged."),
    )
    assert response.status_code == 403
    assert _snapshot(article) == before


@pytest.mark.parametrize(
    "body",
    [
        b"comment=\xff\xfe\xfd&state=draft",
        b"state=\xc3\x28&comment=x",
        b"\xff\xff\xff\xff",
        b"comment=%FF%FE&state=draft",
    ],
)
def test_non_utf8_post_is_handled(stage, cast, body):
    """Bytes that are not UTF-8 in a form POST get an answer, not a crash."""
    article = stage.make("draft")
    response = Client(raise_request_exception=False)
    response.force_login(cast.author)
    answer = response.post(
        reverse("admin:articles_article_transition", args=[article.pk, "submit"]),
        body,
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code < 500


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/admin/articles/article/not-a-number/change/", None),
        ("/admin/articles/article/999999/change/", None),
        ("/admin/articles/article/not-a-number/preview/", None),
        ("/admin/articles/article/999999/preview/", None),
        ("/admin/articles/article/not-a-number/history/", None),
        ("/admin/articles/article/1/history/not-a-number/", None),
        ("/admin/articles/article/999999/transition/approve/", {"state": "x"}),
        ("/admin/articles/article/{pk}/transition/delete/", {"state": "draft"}),
        ("/admin/articles/article/{pk}/transition/save/", {"state": "draft"}),
        ("/admin/articles/article/{pk}/transition/__init__/", {"state": "draft"}),
        ("/admin/articles/article/{pk}/transition/submit/", {"state": "x" * 50}),
        ("/admin/articles/article/{pk}/transition/submit/", {"comment": "x" * 10000}),
        ("/admin/articles/article/{pk}/decide/", {"decision": "publish", "conflict": "none"}),
        ("/admin/articles/article/{pk}/assign/", {"reviewer": "abc", "due_date": "soon"}),
        ("/admin/articles/article/{pk}/assign/", {"reviewer": "999999", "due_date": "2020-01-01"}),
        ("/admin/articles/article/{pk}/cancel-assignment/", {"assignment": "x", "reason": ""}),
        ("/admin/articles/article/{pk}/cancel-assignment/", {"assignment": "999", "reason": "x"}),
        ("/admin/articles/article/{pk}/accept/", {"assignment": "999999"}),
        ("/admin/articles/article/{pk}/decline/", {"reason": ""}),
        ("/admin/articles/article/{pk}/decline/", {"reason": "x" * 10000}),
        ("/admin/articles/article/{pk}/timeline/?page=abc&order=%FF", None),
        ("/admin/articles/article/{pk}/timeline/?old=1", None),
        ("/admin/articles/article/{pk}/timeline/revision/999999/", None),
        ("/admin/articles/article/{pk}/timeline/compare/abc/999999/", None),
        ("/admin/articles/article/{pk}/timeline/compare/0/-1/", None),
        ("/admin/articles/article/{pk}/timeline/restore/999999/", None),
        ("/admin/articles/article/{pk}/timeline/restore/999999/", {"confirm": "yes"}),
        ("/admin/articles/article/{pk}/timeline/export/xml/", None),
        ("/admin/articles/article/{pk}/timeline/live-on/?date=yesterday&time=25:99", None),
        ("/admin/articles/article/{pk}/timeline/live-on/?date=9999-12-31", None),
        ("/admin/articles/article/?state=bogus&o=99", None),
        ("/admin/articles/article/?q=%FF%00", None),
    ],
)
def test_malformed_admin_requests_get_a_clear_answer(stage, cast, path, data):
    """Garbage ids, unknown actions and bad form data: a message or a 4xx, nothing changed."""
    article = stage.make("draft")
    before = _snapshot(article)
    audit_before = AuditEntry.objects.count()
    client = Client(raise_request_exception=False)
    client.force_login(cast.editor)
    url = path.format(pk=article.pk)
    response = client.get(url) if data is None else client.post(url, data)
    assert response.status_code < 500, response.status_code
    assert _snapshot(article) == before
    assert AuditEntry.objects.count() == audit_before


def test_assigning_with_a_past_or_absurd_due_date_is_refused(stage, cast):
    """Due dates in the past or years away are refused with a reason."""
    article = stage.make("submitted")
    client = cast.client("editor")
    url = reverse("admin:articles_article_assign", args=[article.pk])
    today = timezone.localdate()
    for respond_by, due, refusal in [
        (today - datetime.timedelta(days=2), today - datetime.timedelta(days=1), "in the past"),
        (today, today + datetime.timedelta(days=4000), "more than 365 days away"),
    ]:
        response = client.post(
            url,
            {
                "reviewer": cast.member_unassigned.board_member.pk,
                "respond_by": respond_by.isoformat(),
                "due_date": due.isoformat(),
            },
        )
        page = client.get(response["Location"]).content.decode()
        assert f"The due date is {refusal}" in page
    assert Article.objects.get(pk=article.pk).state == "submitted"
    assert not article.assignments.exists()
