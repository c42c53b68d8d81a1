"""The API's docs page works in a browser under the site's Content Security Policy."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_api_docs_render_under_the_content_security_policy(
    new_page, transactional_db, django_db_serialized_rollback
):
    """Swagger UI lists the API's operations with no policy violation and nothing inline."""
    page = new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    response = page.goto("/api/v1/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.get_by_text("Editorial API").first.wait_for()
    page.locator("#operations-drafts-drafts_create").wait_for()
    assert violations == []
