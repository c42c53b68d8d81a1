"""The time-to-invisibility run times the change that publishes, whatever the topic's quorum."""

from __future__ import annotations

import pytest

from articles.choices import ArticleState
from articles.models import Article
from articles.services import article_retract
from bench.invisibility import approve, ready_to_publish
from reviewers.policy import approving_members

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("quorum", [1, 2])
def test_the_timed_approval_is_the_one_that_publishes(
    approved_article, editor, second_member, unassigned_member, quorum
):
    """A topic needing two approvals gets its first before the clock; the timed one publishes.

    (The run used to time a single approval: in the archive's two-approval
    topics nothing was published, and those changes counted as the 10 s give-up.)
    """
    topic = approved_article.topic
    topic.required_approvals = quorum
    topic.save()
    article_retract(article=approved_article, by=editor, reason="Benchmark retraction.")

    article, assignment, fingerprint = ready_to_publish(approved_article, editor)
    assert article.state == ArticleState.UNDER_REVIEW
    approve(assignment, fingerprint)

    article = Article.objects.get(pk=article.pk)
    assert article.state == ArticleState.APPROVED
    assert article.live_version.number == 2
    assert len(approving_members(article)) == quorum
