"""The review loop in a real browser: author, editor and board member, then a reader.

Each step saves a full-page screenshot to test-artifacts/browser/ so that a
person can look at what the users saw.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from articles.choices import ArticleState
from articles.models import Article
from tests.factories import ArticleFactory, ReferenceFactory, TopicFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
TITLE = "What are the treatment options for milia (milk spots)?"
SLUG = "treatment-options-for-milia"
SUMMARY = "Milia usually clear on their own within weeks; a few treatments help if not."
BODY = (
    "Milia in newborns usually clear on their own within a few weeks [1].\n\n"
    "In adults, a doctor can remove them with a sterile needle."
)
REFERENCE = {
    "title": "Milia: a review and classification",
    "journal": "Journal of the American Academy of Dermatology",
    "year": "2008",
    "pmid": "18456221",
}


def log_in(page, user) -> None:
    page.goto("/admin/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Logged out")).to_be_visible()


def open_article(page) -> None:
    """Find the article in the admin's article list, as a user would."""
    page.goto("/admin/articles/article/")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name="Workflow", exact=True)).to_be_visible()


def success_message(page):
    return page.locator("ul.messagelist li.success")


def test_author_editor_and_board_member_publish_an_article(
    new_page, artifacts, author, editor, member, settings
):
    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    TopicFactory(name="Children's health", slug="childrens-health")
    TopicFactory(name="Skin conditions", slug="skin-conditions")
    due = timezone.localdate() + datetime.timedelta(days=10)

    def shot(page, name: str) -> None:
        page.screenshot(path=artifacts / f"{name}.png", full_page=True)

    # --- The author writes a draft in the admin and submits it ------------------
    page = new_page()
    log_in(page, author)
    page.goto("/admin/articles/article/add/")
    page.locator("#id_title").fill(TITLE)  # the title field
    # Leaving the title fills the slug from it (the admin's prepopulated field);
    # the author then shortens it.
    page.locator("#id_title").press("Tab")
    slug = page.get_by_label("Web address")
    expect(slug).to_have_value(re.compile(r"^what-are-the-treatment-options-for-milia"))
    slug.fill(SLUG)
    expect(slug).to_have_value(SLUG)
    page.get_by_label("Topic").select_option(label="Skin conditions")
    page.get_by_label("Summary").fill(SUMMARY)
    page.get_by_label("Answer (for professionals and everyone)").fill(BODY)
    for field, value in REFERENCE.items():
        page.locator(f"#id_references-0-{field}").fill(value)
    shot(page, "01-author-draft")
    page.get_by_role("button", name="Save", exact=True).last.click()
    expect(success_message(page)).to_contain_text("was added successfully")

    open_article(page)
    expect(page.locator(".wf-state")).to_contain_text("Draft")
    page.get_by_role("button", name="Submit for review", exact=True).click()
    expect(success_message(page)).to_contain_text("Submitted for review.")
    expect(page.locator(".wf-state")).to_contain_text("Submitted")
    shot(page, "02-author-submitted")
    log_out(page)

    # --- The editor invites the board member with a due date --------------------
    log_in(page, editor)
    open_article(page)
    assign = page.locator("form.wf-assign")
    expect(assign.get_by_role("heading", name="Invite board members")).to_be_visible()
    assign.locator(f"#candidate-{member.pk}").check()
    assign.get_by_label("Review due by").fill(due.isoformat())
    shot(page, "03-editor-assigns")
    assign.get_by_role("button", name="Invite the ticked members").click()
    expect(success_message(page)).to_contain_text(f"{member.name} was invited to review")
    expect(page.locator(".wf-state")).to_contain_text("Submitted")
    shot(page, "04-editor-assigned")
    log_out(page)

    # --- The board member accepts, reads the preview and approves ---------------
    log_in(page, member.user)
    open_article(page)
    page.get_by_label("I know of no conflict of interest").check()
    page.get_by_role("button", name="Accept this review").click()
    expect(success_message(page)).to_contain_text("You accepted the review.")
    expect(page.locator(".wf-state")).to_contain_text("Under review")
    preview = page.get_by_role("article", name="The answer under review")
    expect(preview).to_be_visible()
    expect(preview).to_contain_text("Milia in newborns usually clear on their own")
    expect(preview).to_contain_text(REFERENCE["title"])
    decision = page.locator("form.wf-decision-form")
    decision.get_by_role("radio", name="Approve", exact=True).check()
    decision.get_by_role("radio", name=re.compile(r"^I have no conflict of interest")).check()
    shot(page, "05-member-reviews")
    decision.get_by_role("button", name="Record my decision").click()
    expect(success_message(page)).to_contain_text(
        "Your decision “Approve” was recorded. The article is approved and now public."
    )
    expect(page.get_by_role("link", name="View the public page")).to_be_visible()
    shot(page, "06-member-approved")
    log_out(page)

    # --- A reader, with no session, sees the approved article -------------------
    reader = new_page()
    response = reader.goto(f"/articles/{SLUG}/")
    assert response is not None and response.status == 200
    expect(reader.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(reader.locator("#answer")).to_contain_text("Milia in newborns usually clear")
    expect(reader.locator("#answer")).to_contain_text("remove them with a sterile needle")
    # The [1] marker links to the first reference.
    expect(reader.locator("#answer").get_by_role("link", name="1", exact=True)).to_have_attribute(
        "href", "#ref-1"
    )
    expect(reader.locator("#ref-1")).to_contain_text(REFERENCE["title"])
    # The trust line above the answer names the approving members.
    banner = reader.locator(".trust-line")
    expect(banner.get_by_role("link", name=member.name)).to_be_visible()
    expect(banner).to_contain_text(member.credentials)
    references = reader.get_by_role("region", name="References")
    expect(references).to_contain_text(REFERENCE["title"])
    expect(references).to_contain_text(REFERENCE["journal"])
    expect(references).to_contain_text(REFERENCE["year"])
    expect(references.get_by_role("link", name=re.compile("PubMed"))).to_have_attribute(
        "href", f"https://pubmed.ncbi.nlm.nih.gov/{REFERENCE['pmid']}/"
    )
    shot(reader, "07-public-page")

    article = Article.objects.get(slug=SLUG)
    assert article.state == ArticleState.APPROVED
    assert article.author == author
    assert article.live_version is not None


def test_a_refused_save_holds_the_workflow_buttons_back(new_page, author):
    """After a save the form refused, Submit waits: it would send the old text."""
    article = ArticleFactory(author=author, title=TITLE, slug=SLUG, body=BODY)
    ReferenceFactory(article=article, position=1)
    page = new_page()
    log_in(page, author)
    open_article(page)
    submit = page.get_by_role("button", name="Submit for review", exact=True)
    expect(submit).to_be_enabled()

    page.locator("#id_body").fill(BODY + "\n\nA new paragraph that must not be lost.")
    page.locator("#id_slug").fill("not a valid address!")
    page.get_by_role("button", name="Save and continue editing").last.click()

    expect(page.locator(".errornote")).to_be_visible()
    expect(page.get_by_role("button", name="Submit for review", exact=True)).to_be_disabled()
    expect(page.locator(".wf-unsaved")).to_be_visible()
    assert Article.objects.get(pk=article.pk).state == ArticleState.DRAFT
