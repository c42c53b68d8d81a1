"""Fixtures for the browser tests: Debian's Chromium driven by Playwright.

Chromium missing is a skip on a developer's machine and a failure under
``CI=true``: CI must never pass by silently running no browser test.

The browser tests run against pytest-django's ``live_server``, which needs
``transactional_db``: the role fixtures of tests/conftest.py request ``db``,
so the ones here are the same people on a transactional database. They also
ask for a serialized rollback: a transactional test ends by emptying every
table, including the roles (groups) a data migration created, and the
rollback puts them back before the next browser test, whatever the order.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections

from tests.factories import BoardMemberFactory, UserFactory

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the ``browser`` fixture says how to install it
    expect = sync_playwright = None

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
# Generous for a loaded CI machine, short enough that a wrong selector fails fast.
TIMEOUT_MS = 15_000


def _unavailable(reason: str) -> None:
    """Skip on a developer's machine; fail under CI, where a skip would hide a gap."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the browser tests must run here)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """Debian's Chromium, launched once for the session and closed after it."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"{CHROMIUM} is not installed: apt-get install chromium")
    if sync_playwright is None:
        _unavailable("Playwright for Python is not installed: pip install -e '.[test]'")

    # Playwright's sync API runs an event loop in this thread, and Django then
    # refuses ORM calls here (SynchronousOnlyOperation). This is the documented
    # workaround for Playwright with Django; it is restored when the session ends.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # Starting Playwright gives this thread a fresh context, and with it fresh
    # Django connection wrappers: carry over the serialized test data that
    # serialized rollbacks restore, or only the first browser test has its roles.
    serialized = {
        alias: getattr(connections[alias], "_test_serialized_contents", None)
        for alias in connections
    }
    playwright = sync_playwright().start()
    for alias, contents in serialized.items():
        if contents is not None and not hasattr(connections[alias], "_test_serialized_contents"):
            connections[alias]._test_serialized_contents = contents
    try:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def artifacts() -> Path:
    """The git-ignored folder the screenshots go to."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def new_page(browser, live_server, artifacts, request):
    """Open a page in a fresh browser context (own cookies) on the live server.

    When the test fails, every page still open is saved as a screenshot. A
    server error on any request fails the test even if the page looked fine:
    the traceback is in the captured "django.request" log.
    """
    expect.set_options(timeout=TIMEOUT_MS)
    for stale in artifacts.glob(f"FAILED-{request.node.name}-*.png"):
        stale.unlink()
    contexts = []
    server_errors: list[str] = []

    def record_server_error(response) -> None:
        if response.status >= 500:
            server_errors.append(f"{response.status} {response.request.method} {response.url}")

    def open_page(**context_options):
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": 1280, "height": 900},
            locale="en-GB",
            **context_options,
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.on("response", record_server_error)
        contexts.append(context)
        return context.new_page()

    yield open_page

    report = getattr(request.node, "report_call", None)
    failed = report is not None and report.failed
    for n, context in enumerate(contexts):
        for m, page in enumerate(context.pages):
            if failed:
                page.screenshot(
                    path=artifacts / f"FAILED-{request.node.name}-{n}-{m}.png", full_page=True
                )
        context.close()
    if server_errors:
        pytest.fail("The server answered with errors:\n" + "\n".join(server_errors), pytrace=False)


# --- The three people of the review loop, on the live server's database ---------


@pytest.fixture
def author(transactional_db, django_db_serialized_rollback):
    return UserFactory(username="author", first_name="Hannah", last_name="Reid", groups=["Authors"])


@pytest.fixture
def editor(transactional_db, django_db_serialized_rollback):
    return UserFactory(username="editor", first_name="Tomás", last_name="Ruiz", groups=["Editors"])


@pytest.fixture
def member(transactional_db, django_db_serialized_rollback):
    return BoardMemberFactory(
        user=UserFactory(
            username="member", first_name="Amara", last_name="Okafor", groups=["Advisory Board"]
        ),
        credentials="MD, FAAD",
        specialties="Dermatology, Paediatric dermatology",
    )
