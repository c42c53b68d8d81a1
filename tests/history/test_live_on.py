"""“Which version was live on date D, and who approved it?” across approvals and a retraction."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from articles import history
from articles.services import article_reopen, article_retract, article_revise
from tests.history.conftest import edit, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(clock, one_approval, article, author, editor, member, second_member):
    """v1 approved on day 1, v2 on day 3, retracted day 5, v3 approved day 8."""
    day0 = clock.current
    clock.set(day0 + datetime.timedelta(days=1, hours=1))  # day 1, 10:00
    publish(article, author=author, editor=editor, member=member, comment="Sound.")
    clock.set(day0 + datetime.timedelta(days=3, hours=1))  # day 3, 10:00
    article_revise(article=article, by=author, comment="Updated for 2026.")
    edit(article, author, body=article.body + " Updated for 2026.")
    publish(article, author=author, editor=editor, member=second_member)
    clock.set(day0 + datetime.timedelta(days=5, hours=3))  # day 5, 12:00
    article_retract(article=article, by=editor, reason="A dosing error was reported.")
    clock.set(day0 + datetime.timedelta(days=7, hours=1))
    article_reopen(article=article, by=editor)
    edit(article, author, body=article.body.replace("2026", "2026, dose corrected"))
    clock.set(day0 + datetime.timedelta(days=8, hours=1))
    publish(article, author=author, editor=editor, member=member)
    return day0.date()


def versions_on(article, day, at=None):
    return [p.version.number for p in history.live_on(article, day, at).periods]


def test_live_on_a_day_before_any_approval_is_nothing(story, article):
    """Before the first approval readers saw no page."""
    assert versions_on(article, story) == []


def test_live_on_a_day_between_approvals_is_the_earlier_version(story, article, member):
    """On day 2 version 1 was live, approved by the member who reviewed it."""
    (period,) = history.live_on(article, story + datetime.timedelta(days=2)).periods
    assert period.version.number == 1
    assert period.version.reviewers[0]["name"] == member.name
    assert [a["name"] for a in period.approvals] == [member.name]
    assert period.ended_by == "replaced"


def test_live_on_the_day_of_a_new_approval_lists_both_versions(story, article):
    """Day 3 saw version 1 in the morning and version 2 from 10:00."""
    day3 = story + datetime.timedelta(days=3)
    assert versions_on(article, day3) == [1, 2]
    assert versions_on(article, day3, datetime.time(9, 59)) == [1]
    assert versions_on(article, day3, datetime.time(10, 1)) == [2]


def test_live_on_after_a_retraction_is_nothing_until_the_next_approval(story, article, editor):
    """Retracted on day 5 at noon: version 2 that morning, nothing on days 6 and 7."""
    day5 = story + datetime.timedelta(days=5)
    assert versions_on(article, day5, datetime.time(11, 0)) == [2]
    assert versions_on(article, day5, datetime.time(12, 30)) == []
    (period,) = history.live_on(article, day5).periods
    assert period.ended_by == "retracted"
    assert period.end_comment == "A dosing error was reported."
    assert period.ended_by_user == editor.get_full_name()
    assert versions_on(article, story + datetime.timedelta(days=6)) == []


def test_live_on_after_the_latest_approval_is_that_version_still_live(story, article, member):
    """From day 8 on version 3 is live, with no end."""
    (period,) = history.live_on(article, story + datetime.timedelta(days=9)).periods
    assert period.version.number == 3
    assert period.end is None
    assert [a["name"] for a in period.approvals] == [member.name]


def test_live_on_page_answers_with_the_version_and_its_approver(
    client, story, article, editor, member
):
    """The admin page names the live version and the board member who approved it."""
    client.force_login(editor)
    day2 = story + datetime.timedelta(days=2)
    response = client.get(
        reverse("admin:articles_article_live_on", args=[article.pk]), {"date": day2.isoformat()}
    )
    assert response.status_code == 200
    answer = response.context["answer"]
    assert [p.version.number for p in answer.periods] == [1]
    assert member.name in response.content.decode()


def test_live_on_page_explains_a_bad_date(client, article, author):
    """A date that is not one gets a form error, not a 500."""
    client.force_login(author)
    url = reverse("admin:articles_article_live_on", args=[article.pk])
    response = client.get(url, {"date": "31/02/2026"})
    assert response.status_code == 200
    assert response.context["form"].errors["date"]
    assert response.context["answer"] is None
    future = client.get(url, {"date": "2999-01-01"})
    assert "has not come yet" in future.content.decode()
