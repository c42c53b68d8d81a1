"""Done when: an outside system drafts over HTTP, the board approves in the admin.

The outside script uses only the standard library and the README's API
section: an editor creates the integration, its key and a webhook in the
admin (in the browser); the script posts a machine-generated draft with
references and provenance and submits it; the editor invites a board member,
who approves in the admin; the worker delivers ``article.approved`` to a local
receiver, whose signature the README's recipe verifies; the script then
fetches the published JSON.
"""

from __future__ import annotations

import datetime
import json
import re
import urllib.request

import pytest
from django.utils import timezone

from tests.api.test_webhooks import run_due_tasks
from tests.api.webhook_receiver import Receiver, verify
from tests.browser.test_review_loop import expect, log_in, log_out, success_message
from tests.factories import TopicFactory

pytestmark = pytest.mark.browser

QUESTION = "Can children use sunscreen every day?"


def call(base: str, method: str, path: str, key: str, body: dict | None = None) -> tuple:
    """The outside script's one HTTP helper: JSON in, (status, JSON) out."""
    request = urllib.request.Request(
        base + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read() or b"null")


def test_api_draft_reaches_readers_after_the_board_approves(
    new_page, live_server, editor, member, settings
):
    """Key from the admin, draft and submit over HTTP, approval in the admin, webhook, JSON."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    TopicFactory(name="Children's health", slug="childrens-health")
    base = live_server.url

    with Receiver() as receiver:
        # --- The editor sets the integration up in the admin --------------------
        page = new_page()
        log_in(page, editor)
        page.goto("/admin/api/integration/add/")
        page.get_by_label("Name").fill("Question pipeline")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(success_message(page)).to_be_visible()

        page.goto("/admin/api/apikey/add/")
        page.get_by_label("Integration").select_option(label="Question pipeline")
        for scope in ("drafts:write", "status:read", "published:read"):
            page.locator(f"input[name=scopes][value='{scope}']").check()
        page.get_by_role("button", name="Save", exact=True).click()
        key = page.locator("#api-key").inner_text().strip()
        assert key.startswith("ed_")

        page.goto("/admin/api/webhooksubscription/add/")
        page.get_by_label("Integration").select_option(label="Question pipeline")
        page.get_by_label("Receiver address").fill(receiver.url)
        page.locator("input[name=events][value='article.approved']").check()
        page.get_by_role("button", name="Save and continue editing").click()
        secret = page.locator(".field-secret .readonly").inner_text().strip()
        assert secret.startswith("whsec_")
        log_out(page)

        # --- The outside script drafts and submits --------------------------------
        status, draft = call(
            base,
            "POST",
            "/api/v1/drafts/",
            key,
            {
                "title": QUESTION,
                "summary": "Yes, from six months of age, alongside shade and clothing.",
                "body": "Daily sunscreen is safe for children over six months [1].",
                "topic": "childrens-health",
                "references": [
                    {
                        "title": "Sun protection for children",
                        "journal": "Example Journal of Paediatrics",
                        "year": 2021,
                        "doi": "10.1000/sun.2021",
                    }
                ],
                "provenance": {
                    "origin": "ai_generated",
                    "generator": "Question pipeline",
                    "generator_version": "example-llm 2026-03",
                    "source_reference": "question-812",
                },
            },
        )
        assert status == 201
        status, submitted = call(base, "POST", f"/api/v1/drafts/{draft['id']}/submit/", key, {})
        assert submitted["state"] == "submitted"

        # --- The editor invites a board member, who approves in the admin ---------
        log_in(page, editor)
        page.goto(f"/admin/articles/article/{draft['id']}/change/")
        assign = page.locator("form.wf-assign")
        assign.locator(f"#candidate-{member.pk}").check()
        due = timezone.localdate() + datetime.timedelta(days=10)
        assign.get_by_label("Review due by").fill(due.isoformat())
        assign.get_by_role("button", name="Invite the ticked members").click()
        expect(success_message(page)).to_be_visible()
        log_out(page)

        log_in(page, member.user)
        page.goto(f"/admin/articles/article/{draft['id']}/change/")
        page.get_by_label("I know of no conflict of interest").check()
        page.get_by_role("button", name="Accept this review").click()
        expect(page.locator(".wf-provenance")).to_contain_text("Question pipeline")
        decision = page.locator("form.wf-decision-form")
        decision.get_by_role("radio", name="Approve", exact=True).check()
        decision.get_by_role("radio", name=re.compile(r"^I have no conflict of interest")).check()
        decision.get_by_role("button", name="Record my decision").click()
        expect(success_message(page)).to_contain_text("approved and now public")

        # --- The worker delivers the webhook; the script verifies it --------------
        run_due_tasks()
        approved = [
            r for r in receiver.received if r["headers"]["Editorial-Event"] == "article.approved"
        ]
        assert len(approved) == 1
        assert verify(secret, approved[0]["headers"], approved[0]["body"])
        event = json.loads(approved[0]["body"])
        assert event["article"]["id"] == draft["id"]

        # --- ... and fetches the published JSON ----------------------------------
        status, published = call(base, "GET", f"/api/v1/published/{event['article']['slug']}/", key)
        assert status == 200
        assert published["version"] == 1
        assert published["title"] == QUESTION
        assert published["provenance"]["generator_version"] == "example-llm 2026-03"
        assert published["reviewers"][0]["credentials"] == member.credentials
