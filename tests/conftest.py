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
    body = "Most cases clear on their own [1]. Treatment helps when they do not [2]."
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
    """A draft by ``author`` with two references, ready to submit."""
    article = ArticleFactory(author=author)
    ReferenceFactory(article=article, position=1)
    ReferenceFactory(article=article, position=2)
    return article


@pytest.fixture
def due_date():
    return timezone.localdate() + datetime.timedelta(days=14)
