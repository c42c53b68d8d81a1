"""Each role's main task at its desk, in Chromium, with screenshots to look at.

The editor turns a reader's report into a revision; the author writes a new
answer whose two references fill from a DOI and a PMID and saves and
submits it in one step; the board member declares, checks and decides. Then
every back-office page of the demo is checked for horizontal overflow at
1280x800 (and the member's pages at 390x844), and the desks for serious
accessibility problems with axe-core.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from playwright.sync_api import expect

from accounts.demo import DEMO_KEY_HEX
from articles.choices import ArticleState, ReportKind
from articles.models import Article, ProblemReport
from articles.services import article_submit
from reviewers.models import ChecklistQuestion, ReviewAssignment
from reviewers.services import assignment_accept, assignment_create
from tests.admin.lookup_stub import StubServer
from tests.browser.test_public_site import _restorable_database, axe_source  # noqa: F401
from tests.factories import ArticleFactory, ReferenceFactory, TopicFactory, decision_record

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
DEMO_PASSWORD = "editorial-demo"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
BLOCKING_IMPACTS = {"serious", "critical"}


def log_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    if page.get_by_role("heading", name="Second step").count():
        # The demo enrols one member's authenticator (accounts/demo.py): answer
        # with the code it shows now, as that member would.
        page.get_by_label("Code").fill(f"{totp(bytes.fromhex(DEMO_KEY_HEX)):06d}")
        page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def shot(page, artifacts, name: str) -> None:
    page.screenshot(path=artifacts / f"desk-{name}.png", full_page=True)


def serious_violations(page, source: str) -> list[str]:
    page.add_script_tag(content=source)
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]


def _approved(author, editor, member, settings):
    settings.EDITORIAL_REQUIRED_APPROVALS = 1

    topic = TopicFactory(name="Children's health", slug="childrens-health")
    article = ArticleFactory(
        author=author,
        topic=topic,
        title="How much paracetamol can a toddler have?",
        slug="paracetamol-toddler",
        body="Dose by weight, not by age [1].",
        plain_body="Use the weight on the packet, not the age [1].",
    )
    ReferenceFactory(article=article, position=1, title="Paracetamol dosing in children")
    article_submit(article=article, by=author)
    assignment = assignment_create(
        article=article,
        reviewer=member,
        by=editor,
        due_date=timezone.localdate() + datetime.timedelta(days=10),
    )
    assignment_accept(assignment=assignment, by=member.user)
    decision_record(
        assignment=ReviewAssignment.objects.get(pk=assignment.pk),
        by=member.user,
        decision="approve",
        no_conflict=True,
    )
    return Article.objects.get(pk=article.pk)


def test_editor_turns_a_reader_report_into_a_revision(
    new_page, artifacts, author, editor, member, settings
):
    """Front page → reply to the reader → start a revision: three actions, one page."""
    article = _approved(author, editor, member, settings)
    ProblemReport.objects.create(
        article=article,
        version=article.live_version,
        kind=ReportKind.ERROR,
        message="The table says 5 ml for a 10 kg child; the packet says 5 ml from 12 kg.",
        email="worried.parent@example.net",
    )
    page = new_page()
    page.set_viewport_size(DESKTOP)
    log_in(page, "editor")

    report = page.locator(".wf-desk-reports .wf-report").first
    expect(report).to_contain_text("the packet says 5 ml from 12 kg")
    shot(page, artifacts, "editor-1-front-page")

    report.get_by_text("Reply to the reader…").click()
    report.get_by_label("Your reply, emailed to worried.parent@example.net").fill(
        "Thank you for spotting this. We are checking the table against the packet now."
    )
    report.get_by_role("button", name="Send the reply").click()
    expect(page.locator("ul.messagelist li.success")).to_contain_text("emailed to the reader")

    page.locator(".wf-desk-reports .wf-report").first.get_by_role(
        "button", name="Start a revision from this report"
    ).click()
    expect(page.locator("ul.messagelist li.success")).to_contain_text("linked to the report")
    expect(page.locator("#reports")).to_contain_text("A revision was started from this report")
    shot(page, artifacts, "editor-2-revision-open")

    assert Article.objects.get(pk=article.pk).state == ArticleState.DRAFT
    stored = ProblemReport.objects.get()
    assert stored.reply.startswith("Thank you") and stored.revision_started_at is not None


def test_author_writes_an_answer_with_looked_up_references_and_submits(
    new_page, artifacts, author, settings
):
    """Two references fill from a DOI and a PMID; one button saves and submits."""
    TopicFactory(name="Skin conditions", slug="skin-conditions")
    server = StubServer().start()
    settings.EDITORIAL_CROSSREF_URL = server.base + "/crossref"
    settings.EDITORIAL_PUBMED_URL = server.base + "/eutils"
    try:
        page = new_page()
        page.set_viewport_size(DESKTOP)
        log_in(page, "author")
        page.get_by_role("link", name="Write a new article").click()

        page.locator("#id_title").fill("Do milk spots on a newborn need treatment?")
        page.get_by_label("Answer (for professionals and everyone)").fill(
            "Milia are common in newborns and clear without treatment [1]. "
            "Fever medicines are not needed for them [2]."
        )
        page.get_by_label("Plain-language answer").fill(
            "These tiny white spots go away on their own within weeks [1]."
        )
        preview = page.locator(".wf-live-preview").first
        expect(preview).to_contain_text("clear without treatment")

        cards = page.locator("#references-group .inline-related:not(.empty-form)")
        first, second = cards.nth(0), cards.nth(1)
        first.get_by_label("DOI or PubMed ID").fill("10.1000/demo.milia.2019")
        first.get_by_role("button", name="Fill from DOI or PMID").click()
        expect(first.locator("input[name$='-title']")).to_have_value(
            "Milia in newborns: a prospective cohort of 412 infants"
        )
        second.get_by_label("DOI or PubMed ID").fill("31234567")
        second.get_by_role("button", name="Fill from DOI or PMID").click()
        expect(second.locator("input[name$='-doi']")).to_have_value("10.1000/demo.fever.2020")
        shot(page, artifacts, "author-1-writing")

        page.locator("input[name=_submit]").last.click()
        expect(page.locator("ul.messagelist li.success")).to_contain_text(
            "Saved and submitted for review"
        )
        shot(page, artifacts, "author-2-submitted")
    finally:
        server.stop()

    article = Article.objects.get(slug="do-milk-spots-on-a-newborn-need-treatment")
    assert article.state == ArticleState.SUBMITTED
    refs = list(article.references.all())
    assert [r.journal for r in refs] == ["Journal of Paediatric Skin Care", "Arch Dis Child"]
    assert [r.position for r in refs] == [1, 2]


def test_member_declares_checks_and_decides(new_page, artifacts, author, editor, member, settings):
    """Conflict first, then the checklist, then the decision: one form, top to bottom."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    ChecklistQuestion.objects.create(text="Doses match the current national guideline.")
    article = ArticleFactory(author=author, title="Is honey safe for a cough?", slug="honey")
    ReferenceFactory(article=article, position=1)
    article_submit(article=article, by=author)
    assignment = assignment_create(article=article, reviewer=member, by=editor)
    assignment_accept(assignment=assignment, by=member.user)

    page = new_page()
    page.set_viewport_size(PHONE)
    log_in(page, "member")
    page.get_by_role("link", name="Record your decision").click()
    shot(page, artifacts, "member-1-review-form-phone")

    page.get_by_label("I have no conflict of interest with this article").check()
    page.get_by_label("Doses match the current national guideline.").check()
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record my decision").click()
    expect(page.locator("ul.messagelist li.success")).to_contain_text("is approved")
    shot(page, artifacts, "member-2-decided")
    assert Article.objects.get(pk=article.pk).state == ArticleState.APPROVED


# --- Every page fits; no serious accessibility problem -------------------------------------

OVERFLOW_JS = """
() => {
  const doc = document.documentElement;
  const problems = [];
  if (doc.scrollWidth > window.innerWidth + 1) {
    problems.push(`page ${doc.scrollWidth}px wide`);
  }
  for (const el of document.querySelectorAll('#result_list, .wf-table, table')) {
    const box = el.closest('.results, .wf-table-scroll') || el.parentElement;
    if (el.offsetParent !== null && el.scrollWidth > box.clientWidth + 1) {
      problems.push(`table ${el.id || el.className} ${el.scrollWidth}px in ${box.clientWidth}px`);
    }
  }
  return problems;
}
"""


def _admin_links(page) -> list[str]:
    """Every back-office page this user can reach from the navigation sidebar and home."""
    hrefs = page.eval_on_selector_all(
        "#nav-sidebar a[href^='/admin/'], #content-main a[href^='/admin/']",
        "els => els.map(e => e.getAttribute('href'))",
    )
    keep = []
    for href in hrefs:
        path = href.split("#")[0]
        if any(part in path for part in ("/add/", "/logout", "/delete/", "/history/", "password")):
            continue
        if path not in keep:
            keep.append(path)
    return keep


@pytest.fixture
def demo(transactional_db, django_db_serialized_rollback):
    call_command("seed_demo", verbosity=0)


def test_every_demo_page_fits_at_1280_and_the_members_pages_at_390(
    new_page,
    artifacts,
    demo,
    axe_source,  # noqa: F811
):
    """No horizontal overflow for any role's pages; the desks have no serious axe problem."""
    problems: dict[str, list[str]] = {}
    accessibility: dict[str, list[str]] = {}
    for username in ("editor", "author", "dr.mehta", "dr.lindqvist", "dr.novak"):
        page = new_page(bypass_csp=True)
        page.set_viewport_size(DESKTOP)
        log_in(page, username, DEMO_PASSWORD)
        found = serious_violations(page, axe_source)
        if found:
            accessibility[f"{username} /admin/"] = found
        shot(page, artifacts, f"fit-{username}-front-page")
        pages = _admin_links(page)
        articles = page.eval_on_selector_all(
            "#content-main a[href*='/admin/articles/article/']",
            "els => els.map(e => e.getAttribute('href'))",
        )
        page.goto("/admin/articles/article/")
        articles += page.eval_on_selector_all(
            "#result_list th a", "els => els.map(e => e.getAttribute('href'))"
        )
        for path in dict.fromkeys(pages + [a.split("#")[0] for a in articles]):
            response = page.goto(path)
            if response is None or response.status >= 400:
                continue
            found = page.evaluate(OVERFLOW_JS)
            if found:
                problems[f"{username} {path}"] = found
        page.context.close()

    for username in ("dr.mehta", "dr.lindqvist"):
        page = new_page(bypass_csp=True)
        page.set_viewport_size(PHONE)
        log_in(page, username, DEMO_PASSWORD)
        paths = ["/admin/"] + [
            href.split("#")[0]
            for href in page.eval_on_selector_all(
                "#content-main .wf-queue a[href*='/admin/articles/article/']",
                "els => els.map(e => e.getAttribute('href'))",
            )
        ]
        for path in dict.fromkeys(paths):
            page.goto(path)
            found = page.evaluate(OVERFLOW_JS)
            if found:
                problems[f"{username} (phone) {path}"] = found
            if path != "/admin/":
                found = serious_violations(page, axe_source)
                if found:
                    accessibility[f"{username} (phone) {path}"] = found
        shot(page, artifacts, f"fit-{username}-phone-last-page")

    editor_page = new_page(bypass_csp=True)
    editor_page.set_viewport_size(DESKTOP)
    log_in(editor_page, "editor", DEMO_PASSWORD)
    editor_page.goto(reverse("admin:articles_article_changelist"))
    editor_page.get_by_role("link", name="head lice", exact=False).first.click()
    found = serious_violations(editor_page, axe_source)
    if found:
        accessibility["editor article page"] = found
    shot(editor_page, artifacts, "fit-editor-article-page")

    assert not problems, problems
    assert not accessibility, accessibility
