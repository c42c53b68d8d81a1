"""Helpers for the history tests: articles with a past worth reading."""

from __future__ import annotations

import datetime
from datetime import datetime as real_datetime

import pytest
from django.urls import reverse
from django.utils import timezone as django_timezone

from articles.models import Article, Reference
from articles.services import article_save_content, article_submit
from tests.factories import decision_record
from tests.reviewers.helpers import assign_accepted


def history_url(name: str, article, *args) -> str:
    return reverse(f"admin:articles_article_{name}", args=[article.pk, *args])


def edit(article: Article, by, **changes) -> Article:
    """Save an edit of the working copy the way the admin does."""
    fresh = Article.objects.get(pk=article.pk)
    for name, value in changes.items():
        setattr(fresh, name, value)
    return article_save_content(article=fresh, by=by)


def save_reference(reference: Reference, by, reason: str = "Edited in admin") -> Reference:
    reference._history_user = by
    reference._change_reason = reason
    reference.save()
    return reference


@pytest.fixture
def edited_article(article, author):
    """``article`` with two more revisions: the body rewritten, then a reference swapped."""
    edit(
        article,
        author,
        body="Most cases clear by themselves [1]. Creams help when they do not [2].",
    )
    _first, second = article.references.order_by("position")
    second._history_user = author
    second._change_reason = "Edited in admin"
    second.delete()
    save_reference(
        Reference(article=article, position=2, title="A newer trial of creams", year=2024), author
    )
    edit(article, author, summary="A shorter, plainer answer.")
    return Article.objects.get(pk=article.pk)


def change_form_data(article: Article, *, extra_reference: dict | None = None, delete=(), **fields):
    """What the article's admin form posts: its fields and its references' rows."""
    article = Article.objects.get(pk=article.pk)
    data = {
        "title": article.title,
        "slug": article.slug,
        "topic": article.topic_id,
        "summary": article.summary,
        "body": article.body,
        "plain_body": article.plain_body,
        "origin": article.origin,
        "change_note": article.change_note,
    }
    data.update(fields)
    references = list(article.references.order_by("position", "id"))
    rows = len(references) + (1 if extra_reference else 0)
    data.update(
        {
            "references-TOTAL_FORMS": str(rows),
            "references-INITIAL_FORMS": str(len(references)),
            "references-MIN_NUM_FORMS": "0",
            "references-MAX_NUM_FORMS": "1000",
        }
    )
    for i, ref in enumerate(references):
        prefix = f"references-{i}-"
        for name in ("position", "authors", "title", "journal", "year", "pmid", "doi", "url"):
            value = getattr(ref, name)
            data[prefix + name] = "" if value is None else str(value)
        data[prefix + "id"] = str(ref.pk)
        data[prefix + "article"] = str(article.pk)
        if ref.pk in delete:
            data[prefix + "DELETE"] = "on"
    if extra_reference:
        prefix = f"references-{len(references)}-"
        for name, value in extra_reference.items():
            data[prefix + name] = str(value)
        data[prefix + "article"] = str(article.pk)
    return data


class Clock:
    """A settable “now” for django.utils.timezone, model defaults included."""

    def __init__(self, start: datetime.datetime) -> None:
        self.current = start

    def set(self, when: datetime.datetime) -> None:
        self.current = when

    def advance(self, **delta) -> datetime.datetime:
        self.current += datetime.timedelta(**delta)
        return self.current


@pytest.fixture
def clock(monkeypatch):
    """Freeze time at 40 days ago, 09:00 UTC, and let the test move it.

    timezone.now() reads the ``datetime`` name of its module at each call, so
    replacing that name moves every clock of the app, model field defaults
    such as AuditEntry.at included.
    """
    start = (real_datetime.now(datetime.UTC) - datetime.timedelta(days=40)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    state = Clock(start)

    class FrozenDatetime(real_datetime):
        @classmethod
        def now(cls, tz=None):
            return state.current.astimezone(tz) if tz else state.current.replace(tzinfo=None)

    monkeypatch.setattr(django_timezone, "datetime", FrozenDatetime)
    return state


@pytest.fixture
def one_approval(settings):
    settings.EDITORIAL_REQUIRED_APPROVALS = 1


def publish(article: Article, *, author, editor, member, comment: str = "") -> Article:
    """Take a draft through submission, review and one approval, as the services do."""
    article_submit(article=article, by=author)
    assignment = assign_accepted(article=article, reviewer=member, by=editor)
    decision_record(
        assignment=assignment,
        by=member.user,
        decision="approve",
        comment_to_author=comment,
        no_conflict=True,
    )
    return Article.objects.get(pk=article.pk)
