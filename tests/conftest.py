"""Fixtures shared by every test: people in each role, an article in each state of
the workflow, and a clean cache and task queue around each test.

The factories they use are in tests/factories.py.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.utils import timezone
from django_tasks_db.compat import task_enqueued

from articles.models import Article, AuditEntry, PublishedVersion
from articles.public import cache as page_cache
from articles.services import article_submit
from reviewers.models import ReviewAssignment
from reviewers.services import assignment_accept, assignment_create
from tests.factories import (
    ArticleFactory,
    BoardMemberFactory,
    ReferenceFactory,
    UserFactory,
    decision_record,
)
from tests.taskrunner import run_after_commit


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test passwords cheaply: the suite creates many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def author(db):
    return UserFactory(username="author", groups=["Authors"])


@pytest.fixture
def other_author(db):
    return UserFactory(username="other_author", groups=["Authors"])


@pytest.fixture
def editor(db):
    return UserFactory(username="editor", groups=["Editors"])


@pytest.fixture
def member(db):
    return BoardMemberFactory(user=UserFactory(username="member", groups=["Advisory Board"]))


@pytest.fixture
def second_member(db):
    return BoardMemberFactory(
        user=UserFactory(username="member2", groups=["Advisory Board"]),
        credentials="MD, PhD",
        specialties="Paediatrics",
    )


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.org", "correct horse battery")


@pytest.fixture
def article(author):
    """A draft by ``author`` citing both of its two references, ready to submit."""
    article = ArticleFactory(
        author=author,
        body="Most cases clear on their own [1]. Treatment helps when they do not [2].",
    )
    ReferenceFactory(article=article, position=1)
    ReferenceFactory(article=article, position=2)
    return article


@pytest.fixture
def due_date():
    return timezone.localdate() + datetime.timedelta(days=14)


# --- Workflow fixtures: an article taken through the services to each state --------


@pytest.fixture
def unassigned_member(db):
    """A board member with no assignment on the articles of these fixtures."""
    return BoardMemberFactory(
        user=UserFactory(username="unassigned_member", groups=["Advisory Board"]),
        credentials="MBBS",
        specialties="General practice",
    )


@pytest.fixture
def submitted_article(article, author):
    """``article`` submitted by its author: review round 1, nobody assigned yet."""
    return article_submit(article=article, by=author)


@pytest.fixture
def article_under_review(submitted_article, editor, member, due_date):
    """``submitted_article`` with ``member`` invited; their acceptance started the review."""
    assignment = assignment_create(
        article=submitted_article, reviewer=member, by=editor, due_date=due_date
    )
    assignment_accept(assignment=assignment, by=member.user)
    return Article.objects.get(pk=submitted_article.pk)


@pytest.fixture
def approved_article(article_under_review, member, settings):
    """``article_under_review`` approved by ``member`` alone, so version 1 is live."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    decision_record(
        assignment=ReviewAssignment.objects.get(article=article_under_review, reviewer=member),
        by=member.user,
        decision="approve",
        no_conflict=True,
    )
    return Article.objects.get(pk=article_under_review.pk)


@pytest.fixture(autouse=True)
def _empty_page_cache():
    """Each test starts with no cached page (test databases reuse ids) and no
    rate limit used (they live in the cache too)."""
    cache.clear()
    page_cache.forget_local()
    yield
    cache.clear()
    page_cache.forget_local()


@pytest.fixture
def footprint():
    """What a workflow action leaves behind, to compare before and after a refusal."""

    def take(article: Article) -> dict:
        fresh = Article.objects.get(pk=article.pk)
        return {
            "state": fresh.state,
            "review_round": fresh.review_round,
            "live_version": fresh.live_version_id,
            "audit_entries": AuditEntry.objects.filter(article=fresh).count(),
            "history": fresh.history.count(),
            "published_versions": PublishedVersion.objects.filter(article=fresh).count(),
        }

    return take


@pytest.fixture(autouse=True)
def _tasks_run_on_commit(request):
    """Tasks run as their transaction commits, unless a test asks for ``tasks_wait``
    (then they wait in the queue until the test runs a worker)."""
    if "tasks_wait" in request.fixturenames:
        yield
        return
    task_enqueued.connect(run_after_commit, dispatch_uid="tests.run_after_commit")
    yield
    task_enqueued.disconnect(dispatch_uid="tests.run_after_commit")


@pytest.fixture
def tasks_wait():
    """Queued tasks stay queued until the test runs a worker (tests.taskrunner)."""
