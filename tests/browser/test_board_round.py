"""Two board members review one article in a real browser, over two rounds.

One approves and the other requests changes; the author revises and
resubmits; both are invited again, accept and approve; the reader's page
names both. Screenshots of each step go to test-artifacts/browser/.
"""

from __future__ import annotations

import re

import pytest

from articles.models import Article
from articles.services import article_submit
from reviewers.models import ChecklistQuestion, ReviewAssignment
from tests.browser.test_review_loop import (
    expect,
    log_in,
    log_out,
    success_message,
)
from tests.factories import ArticleFactory, BoardMemberFactory, ReferenceFactory, UserFactory

pytestmark = pytest.mark.browser

TITLE = "How long do milk spots last in newborns?"
FIRST_BODY = "Milk spots on a newborn's nose usually clear within a few weeks [1]."
REVISED_BODY = (
    "Milk spots on a newborn's nose usually clear within a few weeks [1].\n\n"
    "Do not squeeze them: see your doctor if they last beyond three months."
)
CHANGES = "Please tell parents not to squeeze them, and when to see a doctor."


@pytest.fixture
def second_member(transactional_db, django_db_serialized_rollback):
    return BoardMemberFactory(
        user=UserFactory(
            username="member2", first_name="Lars", last_name="Berg", groups=["Advisory Board"]
        ),
        credentials="MD, PhD",
        specialties="Paediatrics",
    )


def open_article(page) -> None:
    page.goto("/admin/articles/article/")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name="Workflow", exact=True)).to_be_visible()


def accept(page) -> None:
    page.get_by_label("I know of no conflict of interest").check()
    page.get_by_role("button", name="Accept this review").click()
    expect(success_message(page)).to_contain_text("You accepted the review.")


def decide(page, decision: str, comment: str = "", *, checklist: bool = True) -> None:
    form = page.locator("form.wf-decision-form")
    form.get_by_role("radio", name=decision, exact=True).check()
    if comment:
        form.get_by_label("Comment to the author").fill(comment)
    if checklist:
        form.get_by_label("Every claim is supported by a cited source").check()
    form.get_by_role("radio", name=re.compile(r"^I have no conflict of interest")).check()
    form.get_by_role("button", name="Record my decision").click()


def test_two_reviewers_over_two_rounds_publish_with_both_names(
    new_page, artifacts, author, editor, member, second_member, settings
):
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    ChecklistQuestion.objects.create(text="Every claim is supported by a cited source")
    article = ArticleFactory(author=author, title=TITLE, slug="milk-spots", body=FIRST_BODY)
    ReferenceFactory(article=article, position=1)
    article_submit(article=article, by=author)

    def shot(page, name: str) -> None:
        page.screenshot(path=artifacts / f"round-{name}.png", full_page=True)

    page = new_page()

    # --- The editor invites two members ------------------------------------------
    log_in(page, editor)
    open_article(page)
    for reviewer in (member, second_member):
        form = page.locator("form.wf-assign")
        form.locator(f"#candidate-{reviewer.pk}").check()
        form.get_by_role("button", name="Invite the ticked members").click()
        expect(success_message(page)).to_contain_text(f"{reviewer.name} was invited to review")
    expect(page.locator(".wf-round")).to_contain_text("Invited: awaiting a reply")
    shot(page, "01-editor-invited-two")
    log_out(page)

    # --- Round 1: one approves, the other requests changes -----------------------
    log_in(page, member.user)
    open_article(page)
    accept(page)
    decide(page, "Approve")
    expect(success_message(page)).to_contain_text("The article stays under review.")
    log_out(page)

    log_in(page, second_member.user)
    open_article(page)
    accept(page)
    decide(page, "Request changes", CHANGES, checklist=False)
    expect(success_message(page)).to_contain_text("went back to its author")
    shot(page, "02-second-member-requested-changes")
    log_out(page)

    # --- The author revises and resubmits -------------------------------------------
    log_in(page, author)
    open_article(page)
    expect(page.locator(".wf-requested")).to_contain_text(CHANGES)
    page.get_by_label("Answer (for professionals and everyone)").fill(REVISED_BODY)
    page.get_by_role("button", name="Save", exact=True).last.click()
    expect(success_message(page)).to_contain_text("was changed successfully")
    page.get_by_role("button", name="Submit for review", exact=True).click()
    expect(success_message(page)).to_contain_text("Submitted for review.")
    # Both reviewers of round 1 are invited to round 2 without the editor's help.
    expect(page.locator(".wf-round").first).to_contain_text("Round 2")
    shot(page, "03-author-resubmitted")
    log_out(page)
    assert set(
        ReviewAssignment.objects.filter(article=article, round=2).values_list("status", flat=True)
    ) == {"invited"}

    # --- Round 2: both accept and approve -------------------------------------------
    for reviewer in (second_member, member):
        log_in(page, reviewer.user)
        open_article(page)
        expect(page.locator(".wf-invitation")).to_contain_text("review round 2")
        accept(page)
        expect(page.get_by_role("article", name="The answer under review")).to_contain_text(
            "Do not squeeze them"
        )
        decide(page, "Approve")
        expect(success_message(page)).to_contain_text("Your decision “Approve” was recorded.")
        log_out(page)

    article = Article.objects.get(pk=article.pk)
    assert article.state == "approved"
    assert article.live_version.review_round == 2

    # --- The reader sees the revised answer, credited to both -----------------------
    reader = new_page()
    reader.goto("/articles/milk-spots/")
    expect(reader.locator("#answer")).to_contain_text("Do not squeeze them")
    # The trust line above the answer names the approving members.
    banner = reader.locator(".trust-line")
    expect(banner.get_by_role("link", name=member.name)).to_be_visible()
    expect(banner.get_by_role("link", name=second_member.name)).to_be_visible()
    shot(reader, "04-public-page-both-reviewers")

    # --- The author's page groups both rounds ----------------------------------------
    log_in(page, author)
    open_article(page)
    rounds = page.locator(".wf-round")
    expect(rounds).to_have_count(2)
    expect(rounds.nth(1)).to_contain_text(CHANGES)
    shot(page, "05-author-sees-both-rounds")
