"""Helpers that take articles through the real workflow to a public version."""

from __future__ import annotations

import pytest

from articles.models import Article
from articles.services import article_revise, article_save_content, article_submit
from tests.factories import decision_record
from tests.reviewers.helpers import assign_accepted


@pytest.fixture(autouse=True)
def _site(settings):
    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    settings.EDITORIAL_SITE_NAME = "Test Health"
    settings.EDITORIAL_BASE_URL = "https://health.example.org"


def review(article: Article, editor, member) -> Article:
    """Assign ``member`` to the submitted article and record their approval."""
    assignment = assign_accepted(article=article, reviewer=member, by=editor)
    decision_record(assignment=assignment, by=member.user, decision="approve", no_conflict=True)
    return Article.objects.get(pk=article.pk)


def publish(article: Article, author, editor, member) -> Article:
    """Submit and approve: the article's next version goes live."""
    article_submit(article=article, by=author)
    return review(article, editor, member)


def revise(article: Article, author, comment: str = "Updated the answer.", **content) -> Article:
    """Open a revision of an approved article and save new content into it.

    The author's ``comment`` on opening it becomes the public change note.
    """
    article = article_revise(article=article, by=author, comment=comment)
    for field, value in content.items():
        setattr(article, field, value)
    return article_save_content(article=article, by=author)


@pytest.fixture
def published(article, author, editor, member):
    """``article`` approved once: version 1 is live."""
    return publish(article, author, editor, member)
