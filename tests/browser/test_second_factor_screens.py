"""Enrolment, the second step and the retraction notice in Chromium, on a phone and a desktop.

Screenshots go to test-artifacts/browser/ (2fa-*.png, retraction-*.png) for a
person to look at; each page is also checked for sideways scrolling.
"""

from __future__ import annotations

import pytest
from django.db import connections
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts import services
from articles.services import article_retract
from tests.factories import ArticleFactory, ReferenceFactory
from tests.public.conftest import publish

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "correct horse battery"
WIDTHS = [("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})]


@pytest.fixture(autouse=True)
def _restorable_database(django_db_blocker):
    """As in test_public_site.py: keep the migrated roles restorable after each test."""
    with django_db_blocker.unblock():
        for connection in connections.all(initialized_only=False):
            if not hasattr(connection, "_test_serialized_contents"):
                connection._test_serialized_contents = connection.creation.serialize_db_to_string()


@pytest.fixture(autouse=True)
def _required(settings):
    settings.EDITORIAL_REQUIRE_2FA = True


def _code(device: TOTPDevice, offset: int = 0) -> str:
    device.refresh_from_db()
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)
    return f"{value:0{device.digits}d}"


def _no_sideways_scroll(page, what: str) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{what} scrolls sideways by {overflow}px"


def _sign_in(page, username: str) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.parametrize(("width", "viewport"), WIDTHS)
def test_enrolment_in_the_browser(new_page, editor, artifacts, width, viewport):
    """An editor without a factor is sent to set one up, scans, confirms, and sees the codes."""
    page = new_page()
    page.set_viewport_size(viewport)
    _sign_in(page, editor.username)
    expect(page.get_by_text("Your role needs a second factor")).to_be_visible()
    expect(page.locator("svg.qr-code")).to_be_visible()
    _no_sideways_scroll(page, f"enrolment at {width}")
    page.screenshot(path=artifacts / f"2fa-enrolment-{width}.png", full_page=True)

    device = TOTPDevice.objects.get(user=editor, confirmed=False)
    page.fill("#id_code", _code(device))
    page.get_by_role("button", name="Confirm and turn on").click()
    expect(page.get_by_text("this is the only time they are shown")).to_be_visible()
    assert page.locator(".second-factor__codes li").count() == 10
    _no_sideways_scroll(page, f"recovery codes at {width}")
    page.screenshot(path=artifacts / f"2fa-recovery-codes-{width}.png", full_page=True)
    page.get_by_role("link", name="I have saved them: continue").click()
    expect(page.get_by_role("heading", name="Your work")).to_be_visible()


@pytest.mark.parametrize(("width", "viewport"), WIDTHS)
def test_second_step_in_the_browser(new_page, editor, artifacts, width, viewport):
    """After the password, the code; a wrong one says so, the right one opens the back office."""
    device = services.totp_pending(user=editor)
    services.totp_confirm(device=device, token=_code(device), by=editor)
    page = new_page()
    page.set_viewport_size(viewport)
    _sign_in(page, editor.username)
    expect(page.get_by_role("heading", name="Second step")).to_be_visible()
    _no_sideways_scroll(page, f"second step at {width}")
    page.screenshot(path=artifacts / f"2fa-second-step-{width}.png", full_page=True)

    page.fill("#id_code", "000000")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("That code did not work")).to_be_visible()
    page.screenshot(path=artifacts / f"2fa-second-step-error-{width}.png", full_page=True)

    device.refresh_from_db()
    device.throttle_reset()
    page.fill("#id_code", _code(device, 1))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your work")).to_be_visible()


@pytest.mark.parametrize(("width", "viewport"), WIDTHS)
def test_retraction_notice_in_the_browser(
    new_page, author, editor, member, artifacts, width, viewport
):
    """The withdrawn answer's address shows the notice, readable on a phone."""
    article = ArticleFactory(
        author=author,
        title="Does vitamin C shorten a cold in adults who take it every day?",
        body="A daily dose shortened colds a little [1].",
    )
    ReferenceFactory(article=article, position=1)
    live = publish(article, author, editor, member)
    article_retract(
        article=live,
        by=editor,
        reason=(
            "The review it relied on was withdrawn by its journal after errors were found in "
            "the pooled data. We will publish a new answer once the board has checked the "
            "remaining trials."
        ),
    )
    page = new_page()
    page.set_viewport_size(viewport)
    response = page.goto(f"/articles/{live.slug}/")
    assert response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text(live.title)
    expect(page.get_by_role("heading", name="Why it was withdrawn")).to_be_visible()
    expect(page.get_by_role("link", name="our corrections log")).to_be_visible()
    assert "shortened colds" not in page.content()
    _no_sideways_scroll(page, f"the notice at {width}")
    page.screenshot(path=artifacts / f"retraction-notice-{width}.png", full_page=True)

    page.get_by_role("link", name="our corrections log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Corrections and withdrawals")
    _no_sideways_scroll(page, f"the corrections log at {width}")
    page.screenshot(path=artifacts / f"corrections-log-{width}.png", full_page=True)
