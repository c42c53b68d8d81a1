"""The inbox: who hears of what, what they may read, unread counts and email choices."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import ProblemReport
from articles.notifications import send_templated
from articles.services import article_reject, article_submit
from notifications.choices import Kind
from notifications.models import Delivery, Notification
from notifications.services import notify
from reviewers.models import ReviewAssignment
from tests.factories import decision_record
from tests.public.conftest import publish

INBOX = "admin:notifications_notification_changelist"


@pytest.fixture
def published(article, author, editor, member):
    return publish(article, author, editor, member)


def entries(user) -> list[tuple[str, str]]:
    return [(n.kind, n.title) for n in Notification.objects.filter(recipient=user).order_by("id")]


def test_submission_reaches_the_editors_inbox_not_the_authors(
    article, author, editor, django_capture_on_commit_callbacks
):
    """Editors get the new submission in their inbox with a link to it; the author gets nothing."""
    with django_capture_on_commit_callbacks(execute=True):
        article_submit(article=article, by=author)

    (entry,) = Notification.objects.filter(recipient=editor)
    assert (entry.kind, entry.title) == (
        Kind.ARTICLE_QUEUE,
        f"Submitted for review: {article.title}",
    )
    assert entry.url == reverse("admin:articles_article_change", args=[article.pk])
    assert entries(author) == []


def test_confidential_note_never_reaches_the_author(
    article_under_review, author, editor, member, django_capture_on_commit_callbacks, mailoutbox
):
    """A reviewer's confidential note is in no entry or email of the author's, whatever happens."""
    secret = "zqconfidential-note-7731"
    assignment = ReviewAssignment.objects.get(article=article_under_review, reviewer=member)
    with django_capture_on_commit_callbacks(execute=True):
        decision_record(
            assignment=assignment,
            by=member.user,
            decision="reject",
            comment_to_author="Outside this site's scope.",
            confidential_note=secret,
            no_conflict=True,
        )
        article_reject(article=article_under_review.pk, by=editor, comment="Out of scope.")

    told = Notification.objects.filter(recipient=author)
    assert [n.kind for n in told] == [Kind.ARTICLE_OUTCOME]
    for entry in Notification.objects.all():
        assert secret not in entry.title + entry.text
    for delivery in Delivery.objects.filter(recipient=author):
        assert secret not in delivery.subject + delivery.body + delivery.html
    assert all(secret not in m.body for m in mailoutbox)


def test_unread_count_in_the_header_and_mark_all_read(client, editor, article, author):
    """The header counts unread entries; "mark all read" empties the count."""
    for _ in range(3):
        notify(
            kind=Kind.GENERAL,
            template="article_submit",
            recipients=[editor],
            context={"article": article, "by": author},
        )
    client.force_login(editor)

    page = client.get(reverse("admin:index")).content.decode()
    assert '<span class="nt-unread" title="unread">3</span>' in page
    assert page.count(reverse("admin:inbox_open", args=[Notification.objects.first().pk])) == 1

    response = client.post(reverse("admin:inbox_read_all"), follow=True)
    assert "3 entries marked read." in response.content.decode()
    assert 'class="nt-unread"' not in client.get(reverse(INBOX)).content.decode()


def test_opening_an_entry_marks_it_read_and_goes_to_its_page(client, editor, article, author):
    """An entry opens the article it concerns; someone else's entry is refused."""
    (entry,) = notify(
        kind=Kind.GENERAL,
        template="article_submit",
        recipients=[editor],
        context={"article": article, "by": author},
        article=article,
    )
    client.force_login(author)
    response = client.get(reverse("admin:inbox_open", args=[entry.pk]), follow=True)
    assert "That inbox entry is not yours." in response.content.decode()

    client.force_login(editor)
    response = client.get(reverse("admin:inbox_open", args=[entry.pk]))
    assert response["Location"] == reverse("admin:articles_article_change", args=[article.pk])
    entry.refresh_from_db()
    assert entry.read_at is not None


def test_email_preference_keeps_the_inbox_entry_and_drops_the_email(
    client, author, editor, article, django_capture_on_commit_callbacks, mailoutbox
):
    """An editor who turns off email for submissions still sees them in the inbox."""
    client.force_login(editor)
    page = client.get(reverse("admin:inbox_preferences")).content.decode()
    assert page.count(" checked") == len(Kind.values)  # everything by email, by default
    response = client.post(
        reverse("admin:inbox_preferences"),
        {"email_kinds": [k for k in Kind.values if k != Kind.ARTICLE_QUEUE]},
    )
    assert response.status_code == 302

    with django_capture_on_commit_callbacks(execute=True):
        article_submit(article=article, by=author)

    assert entries(editor) == [(Kind.ARTICLE_QUEUE, f"Submitted for review: {article.title}")]
    assert mailoutbox == []


def test_reader_report_notifies_editors_by_inbox_and_email(
    client, published, editor, django_capture_on_commit_callbacks, mailoutbox
):
    """A reader's report: each editor gets an inbox entry linking to it, and an email."""
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("articles:report", kwargs={"slug": published.slug}),
            {"kind": "error", "message": "The dose in the second paragraph is ten times too high."},
        )

    report = ProblemReport.objects.get()
    (entry,) = Notification.objects.filter(recipient=editor, kind=Kind.READER_REPORT)
    assert entry.url == reverse("admin:articles_problemreport_change", args=[report.pk])
    assert [(m.to, "ten times too high" in m.body) for m in mailoutbox] == [([editor.email], True)]


@pytest.mark.parametrize("page", ["inbox", "front"])
def test_inbox_pages_queries_do_not_grow_with_notifications(client, editor, article, author, page):
    """The inbox and the front page cost the same queries with 2 or 40 notifications."""
    url = reverse(INBOX) if page == "inbox" else reverse("admin:index")
    client.force_login(editor)

    def queries_with(total: int) -> int:
        while Notification.objects.filter(recipient=editor).count() < total:
            notify(
                kind=Kind.GENERAL,
                template="article_submit",
                recipients=[editor],
                context={"article": article, "by": author},
                article=article,
            )
        client.get(url)  # warm the session and caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    assert queries_with(2) == queries_with(40)


def test_someone_without_an_account_gets_the_email_only(
    article, author, editor, django_capture_on_commit_callbacks, mailoutbox
):
    """A reader (an address, no account) is emailed; only accounts have an inbox."""

    @dataclass
    class Reader:
        email: str

    with django_capture_on_commit_callbacks(execute=True):
        send_templated(
            template="article_submit",
            recipients=[editor, Reader("reader@example.net")],
            context={"article": article, "by": author},
        )

    assert sorted(m.to[0] for m in mailoutbox) == ["editor@example.org", "reader@example.net"]
    assert [n.recipient for n in Notification.objects.all()] == [editor]
