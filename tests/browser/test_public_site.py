"""The reader's side in Chromium: the article page on a phone and a desktop, the
audience switch without JavaScript tricks, citation links both ways, and an
axe-core accessibility check of the main public pages.

Screenshots go to test-artifacts/browser/public-*.png for a person to look at.

axe-core comes from the npm registry: the first run installs it (``npm install
--no-save axe-core@4``) into a cache folder outside the repository
(``$AXE_CORE_DIR``, default ``~/.cache/editorial-axe``). Without Node or the
network the accessibility test is skipped on a developer's machine and fails
under ``CI=true``.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections
from playwright.sync_api import expect

from articles.choices import TextOrigin
from articles.models import SitePage
from articles.public.selectors import live_versions
from tests.factories import ArticleFactory, ReferenceFactory, TopicFactory
from tests.public.conftest import publish

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TITLE = "Is honey good for a child's cough?"
SLUG = "honey-for-cough"
PROFESSIONAL = (
    "In children over one year, a single dose of honey before bed modestly reduced "
    "night-time cough frequency compared with no treatment [1]. Infant botulism makes "
    "honey unsafe under twelve months [2]."
)
PLAIN = (
    "For a child over one, a spoonful of honey at bedtime may ease a cough from a cold [1]. "
    "Never give honey to a baby under one year old [2]."
)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
AXE_DIR = Path(os.environ.get("AXE_CORE_DIR", Path.home() / ".cache" / "editorial-axe"))
# What axe reports at these levels would stop some readers from using the page.
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture(autouse=True)
def _restorable_database(django_db_blocker):
    """Let serialized rollback put the migrated rows (the roles) back after each test.

    In a run that mixes these tests with ordinary database tests, the
    connection these tests get no longer carries the snapshot pytest-django
    took at setup, so each transactional test would leave the next one
    without groups. Taking the snapshot here, at the first browser test,
    while the database still holds only what the migrations wrote, makes
    every later restore work again (for the other browser tests too).
    """

    with django_db_blocker.unblock():
        for connection in connections.all(initialized_only=False):
            if not hasattr(connection, "_test_serialized_contents"):
                connection._test_serialized_contents = connection.creation.serialize_db_to_string()


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the accessibility check must run here)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The axe-core script, installed from the npm registry on first use."""
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        npm = shutil.which("npm")
        if npm is None:
            _unavailable("npm is not installed, so axe-core cannot be fetched")
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run(
                [
                    npm,
                    "install",
                    "--no-save",
                    "--no-audit",
                    "--no-fund",
                    "--prefix",
                    str(AXE_DIR),
                    "axe-core@4",
                ],
                check=True,
                capture_output=True,
                timeout=300,
            )
        except (subprocess.SubprocessError, OSError) as error:
            _unavailable(f"npm could not install axe-core: {error}")
    if not script.is_file():
        _unavailable(f"axe-core is missing after installation at {script}")
    return script.read_text(encoding="utf-8")


@pytest.fixture
def honey(author, editor, member):
    """An approved article with two wordings, two references and a board banner."""
    topic = TopicFactory(name="Children's health", slug="childrens-health")
    article = ArticleFactory(
        author=author,
        topic=topic,
        title=TITLE,
        slug=SLUG,
        summary="A spoonful at bedtime may help children over one; never for babies.",
        body=PROFESSIONAL + "\n\n## When to see a doctor\n\nIf breathing is hard or fast.",
        plain_body=PLAIN,
        origin=TextOrigin.AI_ASSISTED,
    )
    ReferenceFactory(
        article=article,
        position=1,
        authors="Paul IM, Beiler J, McMonagle A",
        title="Effect of honey on nocturnal cough and sleep quality",
        journal="Arch Pediatr Adolesc Med",
        year=2007,
        pmid="18056563",
        doi="10.1001/archpedi.161.12.1140",
    )
    ReferenceFactory(
        article=article,
        position=2,
        authors="Arnon SS",
        title="Honey and other environmental risk factors for infant botulism",
        journal="J Pediatr",
        year=1979,
        pmid="372509",
    )
    return publish(article, author, editor, member)


def article_url(honey) -> str:
    return f"/articles/{honey.slug}/"


@pytest.mark.parametrize(("width", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_article_page_at_phone_and_desktop_widths(new_page, honey, artifacts, width, viewport):
    """Everything a reader needs is on the page and nothing overflows sideways."""
    page = new_page()
    page.set_viewport_size(viewport)
    page.goto(article_url(honey))

    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".trust-line")).to_contain_text("Reviewed by")
    expect(page.get_by_role("group", name="Which best describes you?")).to_be_visible()
    # The trust line's link opens the disclosure it points into.
    page.locator(".trust-line").get_by_role("link", name="Review details").click()
    expect(page.get_by_role("heading", name="Medical Advisory Board")).to_be_visible()
    expect(page.get_by_role("heading", name="Article review status")).to_be_visible()
    expect(page.get_by_text("Last reviewed")).to_be_visible()
    expect(page.get_by_role("heading", name="References")).to_be_visible()
    expect(page.get_by_role("heading", name="Change log")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width} width"
    page.screenshot(path=artifacts / f"public-article-{width}.png", full_page=True)


def test_audience_switch_changes_text_and_disclaimer(new_page, honey, artifacts):
    """Choosing "Healthcare professional" swaps the text and disclaimer, and is remembered."""
    page = new_page()
    page.goto(article_url(honey))
    answer = page.locator("#answer")
    expect(answer).to_contain_text("a spoonful of honey at bedtime")
    expect(page.get_by_role("heading", name="Medical disclaimer")).to_be_visible()

    page.get_by_role("button", name="Healthcare professional").click()

    expect(answer).to_contain_text("modestly reduced night-time cough frequency")
    expect(answer).not_to_contain_text("a spoonful of honey")
    expect(page.get_by_role("heading", name="Professional medical disclaimer")).to_be_visible()
    expect(page.get_by_role("button", name="Healthcare professional")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.goto("/")
    page.goto(article_url(honey))
    expect(answer).to_contain_text("modestly reduced")
    page.screenshot(path=artifacts / "public-article-professional.png", full_page=True)

    page.get_by_role("button", name="Patient or carer").click()
    expect(answer).to_contain_text("a spoonful of honey at bedtime")


def test_audience_switch_works_without_javascript(browser, live_server, honey):
    """With JavaScript off the chooser is still a working form."""
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(article_url(honey))
        page.get_by_role("button", name="Healthcare professional").click()
        expect(page.locator("#answer")).to_contain_text("modestly reduced")
    finally:
        context.close()


def test_citation_links_go_to_the_reference_and_back(new_page, honey):
    """A marker jumps to its reference; the reference's arrow jumps back to the marker."""
    page = new_page()
    page.set_viewport_size(PHONE)
    page.goto(article_url(honey))

    page.locator("#answer sup.cite a", has_text="2").first.click()
    expect(page).to_have_url(f"{page.url.split('#')[0]}#ref-2")
    reference = page.locator("#ref-2")
    expect(reference).to_be_in_viewport()
    expect(reference).to_contain_text("infant botulism")

    reference.get_by_role("link", name="Back to citation 2 in the text (1)").click()
    expect(page).to_have_url(f"{page.url.split('#')[0]}#cite-2-1")
    expect(page.locator("#cite-2-1")).to_be_in_viewport()


def test_report_a_problem_in_the_browser(new_page, honey, artifacts):
    """A reader opens the form, forgets the text, fixes it, and is thanked."""
    page = new_page()
    page.goto(article_url(honey))
    page.get_by_role("link", name="Report a problem").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a problem with this article")
    page.get_by_label("A link or reference does not work").check()
    page.get_by_label("Your email (optional)").fill("reader@example.org")
    page.get_by_role("button", name="Send the report").click()

    expect(page.get_by_role("alert").first).to_contain_text("Your report was not sent yet")
    expect(page.get_by_label("Your email (optional)")).to_have_value("reader@example.org")
    expect(page.get_by_label("A link or reference does not work")).to_be_checked()
    page.screenshot(path=artifacts / "public-report-error.png", full_page=True)

    page.get_by_label("What is wrong, and where on the page?").fill(
        "The DOI link of reference 1 opens an error page."
    )
    page.get_by_role("button", name="Send the report").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you")
    page.get_by_role("link", name="Back to the article").click()
    expect(page.locator("#answer")).to_be_visible()


def _axe_violations(page, axe_source: str) -> list[dict]:
    page.add_script_tag(content=axe_source)
    results = page.evaluate(
        """async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})""",
        ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    )
    return [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "ARTICLE",
        "/search/?q=honey",
        "/search/?q=hony",
        "/search/?q=how+do+I",
        "/feed/",
        "/advisory-board/",
        "/editorial-policy/",
        "/topics/childrens-health/",
        "REPORT",
    ],
)
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_public_pages_have_no_serious_accessibility_violations(
    new_page, honey, axe_source, path, viewport
):
    """axe-core finds nothing serious or critical on the main public pages."""
    SitePage.objects.all().delete()
    # axe-core is injected as an inline script, which the site's own Content
    # Security Policy rightly refuses; the test browser lets it in.
    page = new_page(bypass_csp=True)
    page.set_viewport_size(viewport)
    page.goto(
        {"ARTICLE": article_url(honey), "REPORT": article_url(honey) + "report/"}.get(path, path)
    )

    violations = _axe_violations(page, axe_source)

    assert not violations, "\n".join(
        f"{v['impact']}: {v['id']}: {v['help']} ({len(v['nodes'])} nodes, e.g. "
        f"{v['nodes'][0]['target']})"
        for v in violations
    )


# --- The answer first, on every live demo answer ------------------------------------


@pytest.fixture
def demo_answers(db):
    """The demo's live answers (seeded through the workflow), by address."""
    call_command("seed_demo", stdout=io.StringIO())
    return list(live_versions().order_by("slug").values_list("slug", flat=True))


def test_every_demo_answer_starts_within_the_first_phone_screen(new_page, demo_answers, artifacts):
    """On a 390x844 phone the answer's first paragraph starts on the first screen, for every
    live demo answer, and no page scrolls sideways."""
    assert len(demo_answers) >= 6
    page = new_page()
    page.set_viewport_size(PHONE)
    for slug in demo_answers:
        page.goto(f"/articles/{slug}/")
        top = page.evaluate("document.querySelector('#answer p').getBoundingClientRect().top")
        assert top < PHONE["height"] - 80, f"{slug}: the answer starts at {top}px"
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{slug} scrolls sideways by {overflow}px"
        page.screenshot(path=artifacts / f"public-answer-first-{slug}.png")


@pytest.mark.parametrize(("width", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_no_public_page_scrolls_sideways(new_page, demo_answers, width, viewport, artifacts):
    """Every public page fits the screen's width, on a phone and on a desktop."""
    page = new_page()
    page.set_viewport_size(viewport)
    paths = [
        "/",
        f"/articles/{demo_answers[0]}/",
        f"/articles/{demo_answers[0]}/report/",
        "/search/?q=how+do+I+treat+milia",
        "/search/?q=mila",
        "/search/?q=how+do+I",
        "/topics/skin-conditions/",
        "/advisory-board/",
        "/editorial-policy/",
        "/feed/",
    ]
    for path in paths:
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width} width"
        name = path.strip("/").replace("/", "-").replace("?q=", "-").replace("+", "-") or "home"
        page.screenshot(path=artifacts / f"public-{width}-{name}.png", full_page=True)


def test_review_details_open_without_javascript(browser, live_server, honey):
    """The review details are a native disclosure: they open with JavaScript off."""
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(article_url(honey))
        tracker = page.get_by_role("heading", name="Article review status")
        expect(tracker).to_be_hidden()
        page.locator("summary.review-details__summary").click()
        expect(tracker).to_be_visible()
        expect(page.get_by_role("heading", name="Medical Advisory Board")).to_be_visible()
    finally:
        context.close()


def test_report_error_summary_takes_focus_and_links_to_fields(new_page, honey, artifacts):
    """A report sent with mistakes: the summary has the focus, each of its links puts the
    cursor in the field it names."""

    page = new_page()
    page.set_viewport_size(PHONE)
    page.goto(article_url(honey) + "report/")
    expect(
        page.get_by_text("This form is not for questions about your own health.")
    ).to_be_visible()
    page.get_by_role("button", name="Send the report").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("There is a problem")
    page.screenshot(path=artifacts / "public-report-error-summary.png")

    summary.get_by_role("link", name="Tell us what is wrong so that we can check it.").click()
    expect(page.get_by_label("What is wrong, and where on the page?")).to_be_focused()
    summary.get_by_role("link", name="Choose the kind of problem.").click()
    expect(page.locator("#id_kind_0")).to_be_focused()
