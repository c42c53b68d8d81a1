"""Factories and helpers that build test data; the fixtures built on them are in conftest.py.

Tests import these by name (``from tests.factories import ArticleFactory``):
pytest loads conftest files itself and advises against importing them.
"""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group, User

from articles.fingerprints import article_fingerprint
from articles.models import Article, Reference, Topic
from reviewers import services
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
    if "fingerprint" not in kwargs:
        article = Article.objects.get(pk=kwargs["assignment"].article_id)
        kwargs["fingerprint"] = article_fingerprint(article)
    return services.decision_record(**kwargs)


def on_screen(article) -> dict:
    """The hidden fields of a decision form rendered now: the fingerprint of the text shown."""
    return {"fingerprint": article_fingerprint(Article.objects.get(pk=article.pk))}
