"""Factories and role fixtures shared by every test."""

from __future__ import annotations

import datetime

import factory
import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from articles.models import Article, Reference, Topic
from reviewers.models import BoardMember


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        for name in extracted or ():
            self.groups.add(Group.objects.get(name=name))
        if create:
            self.save()


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"What should I know about condition {n}?")
    slug = factory.Sequence(lambda n: f"condition-{n}")
    summary = "A short, plain answer."
    body = "Most cases clear on their own [1]. Treatment helps when they do not."
    topic = factory.SubFactory(TopicFactory)
    author = factory.SubFactory(UserFactory, groups=["Authors"])


class ReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reference

    article = factory.SubFactory(ArticleFactory)
    position = factory.Sequence(int)
    authors = "Doe J, Roe R"
    title = factory.Sequence(lambda n: f"A study of things, part {n}")
    journal = "Journal of Examples"
    year = 2020
    pmid = factory.Sequence(lambda n: str(10000000 + n))


class BoardMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BoardMember

    user = factory.SubFactory(UserFactory, groups=["Advisory Board"])
    credentials = "MD, FAAD"
    specialties = "Dermatology"


def decision_record(**kwargs):
    """``reviewers.services.decision_record`` on the text as it stands now.

    What the decision form posts: the fingerprint (and revision) of the text
    on the member's screen. Tests of a stale text pass their own.
    """
    from articles.fingerprints import article_fingerprint
    from reviewers import services

    if "fingerprint" not in kwargs:
        article = Article.objects.get(pk=kwargs["assignment"].article_id)
        kwargs["fingerprint"] = article_fingerprint(article)
    return services.decision_record(**kwargs)


def on_screen(article) -> dict:
    """The hidden fields of a decision form rendered now: the fingerprint of the text shown."""
    from articles.fingerprints import article_fingerprint

    return {"fingerprint": article_fingerprint(Article.objects.get(pk=article.pk))}


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
    from articles.services import article_submit

    return article_submit(article=article, by=author)


@pytest.fixture
def article_under_review(submitted_article, editor, member, due_date):
    """``submitted_article`` with ``member`` invited; their acceptance started the review."""
    from reviewers.services import assignment_accept, assignment_create

    assignment = assignment_create(
        article=submitted_article, reviewer=member, by=editor, due_date=due_date
    )
    assignment_accept(assignment=assignment, by=member.user)
    return Article.objects.get(pk=submitted_article.pk)


@pytest.fixture
def approved_article(article_under_review, member, settings):
    """``article_under_review`` approved by ``member`` alone, so version 1 is live."""
    from reviewers.models import ReviewAssignment

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
    from django.core.cache import cache

    from articles.public import cache as page_cache

    cache.clear()
    page_cache.forget_local()
    yield
    cache.clear()
    page_cache.forget_local()


@pytest.fixture
def footprint():
    """What a workflow action leaves behind, to compare before and after a refusal."""
    from articles.models import AuditEntry, PublishedVersion

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
    from django_tasks_db.compat import task_enqueued

    from tests.taskrunner import run_after_commit

    if "tasks_wait" in request.fixturenames:
        yield
        return
    task_enqueued.connect(run_after_commit, dispatch_uid="tests.run_after_commit")
    yield
    task_enqueued.disconnect(dispatch_uid="tests.run_after_commit")


@pytest.fixture
def tasks_wait():
    """Queued tasks stay queued until the test runs a worker (tests.taskrunner)."""
