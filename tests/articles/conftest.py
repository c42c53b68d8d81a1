"""The board's overrides of the shared workflow fixtures (see tests/reviewers/conftest.py)."""

from tests.reviewers.conftest import approved_article, article_under_review  # noqa: F401
