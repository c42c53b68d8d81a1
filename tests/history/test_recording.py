"""Every kind of change records who made it and why."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from articles.models import ActionLogEntry, Article, Reference, Topic
from articles.services import article_submit, article_withdraw
from reviewers.models import BoardMember, ReviewAssignment
from reviewers.services import assignment_cancel
from tests.factories import decision_record
from tests.history.conftest import change_form_data
from tests.reviewers.helpers import assign_accepted

pytestmark = pytest.mark.django_db


def latest(history_manager):
    return history_manager.order_by("-history_id").first()


def test_admin_edit_of_an_article_records_the_author_and_edited_in_admin(client, article, author):
    """Saving the article's form writes a revision by its author, “Edited in admin”."""
    client.force_login(author)
    response = client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        change_form_data(article, summary="A new summary."),
    )
    assert response.status_code == 302
    row = latest(Article.history.filter(id=article.pk))
    assert row.summary == "A new summary."
    assert row.history_user == author
    assert row.history_change_reason == "Edited in admin"


def test_admin_inline_reference_changes_record_user_and_reason(client, article, author):
    """Adding, changing and deleting references in the admin records the author and a reason."""
    first, second = article.references.order_by("position")
    client.force_login(author)
    data = change_form_data(
        article,
        delete={second.pk},
        extra_reference={"position": 3, "title": "A new cohort study", "year": 2023},
    )
    data["references-0-title"] = "A study of things, revised title"
    response = client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
    assert response.status_code == 302, response.content.decode()[:1500]

    changed = latest(Reference.history.filter(id=first.pk))
    assert changed.title == "A study of things, revised title"
    assert (changed.history_user, changed.history_change_reason) == (author, "Edited in admin")
    deleted = latest(Reference.history.filter(id=second.pk))
    assert deleted.history_type == "-"
    assert deleted.history_user == author
    assert deleted.history_change_reason
    added = Reference.history.get(title="A new cohort study", history_type="+")
    assert added.history_user == author
    assert added.history_change_reason


def test_transitions_record_their_label_comment_and_user(article, author):
    """A workflow save carries “<label>: <comment>” and the acting user."""
    article_submit(article=article, by=author, comment="Ready for the board.")
    article_withdraw(article=article, by=author, comment="One more source to add.")
    *_, submit, withdraw = Article.history.filter(id=article.pk).order_by("history_id")
    assert submit.history_change_reason == "Submit for review: Ready for the board."
    assert withdraw.history_change_reason == "Withdraw: One more source to add."
    assert submit.history_user == withdraw.history_user == author


def test_board_member_profile_edit_in_admin_records_editor_and_reason(client, editor, member):
    """An editor's change of a board member's profile is attributed and explained."""
    client.force_login(editor)
    response = client.post(
        reverse("admin:reviewers_boardmember_change", args=[member.pk]),
        {
            "credentials": "MD, PhD",
            "specialties": member.specialties,
            "bio": "Consultant dermatologist.",
            "active": "on",
            "joined_on": member.joined_on.isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    row = latest(BoardMember.history.filter(id=member.pk))
    assert row.credentials == "MD, PhD"
    assert (row.history_user, row.history_change_reason) == (editor, "Edited in admin")


def test_topic_added_in_admin_records_editor_and_reason(client, editor):
    """Topics added in the admin say who added them."""
    client.force_login(editor)
    response = client.post(
        reverse("admin:articles_topic_add"),
        {"name": "Allergy", "slug": "allergy", "description": "", "specialty": ""},
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    row = latest(Topic.history.filter(slug="allergy"))
    assert (row.history_user, row.history_change_reason) == (editor, "Added in admin")


def test_assignments_record_user_and_reason_through_their_life(
    submitted_article, editor, member, second_member, due_date
):
    """Assigning, cancelling and deciding each leave a history row with user and reason."""
    kept = assign_accepted(article=submitted_article, reviewer=member, by=editor, due_date=due_date)
    dropped = assign_accepted(
        article=submitted_article, reviewer=second_member, by=editor, due_date=due_date
    )
    assignment_cancel(assignment=dropped, by=editor, reason="On leave this month.")
    decision_record(
        assignment=kept,
        by=member.user,
        decision="request_changes",
        comment_to_author="Cite [3].",
        no_conflict=True,
    )
    rows = list(ReviewAssignment.history.filter(article_id=submitted_article.pk))
    assert rows and all(row.history_user_id and row.history_change_reason for row in rows)
    cancel = latest(ReviewAssignment.history.filter(id=dropped.pk))
    assert cancel.history_change_reason == "Cancelled: On leave this month."
    decided = latest(ReviewAssignment.history.filter(id=kept.pk))
    assert decided.history_user == member.user
    assert decided.history_change_reason.startswith("Decision recorded")


def test_seed_demo_records_user_and_reason_on_every_history_row(db):
    """The demo command attributes every change it makes and explains each one.

    Only the system's own actions (re-invitations on resubmission) have no
    person, and the action log says the system took them.
    """
    call_command("seed_demo", stdout=io.StringIO())
    missing = []
    automatic = 0
    for model in (Article, Reference, Topic, BoardMember, ReviewAssignment):
        for row in model.history.all():
            if not row.history_change_reason:
                missing.append((model.__name__, row.pk, row.history_change_reason))
            elif not row.history_user_id:
                if "after resubmission" in row.history_change_reason:
                    automatic += 1
                else:
                    missing.append((model.__name__, row.pk, row.history_change_reason))
    assert missing == []
    reinvited = ActionLogEntry.objects.filter(action="assignment.reinvite")
    assert reinvited.count() == automatic
    assert all(e.by_id is None for e in reinvited)
