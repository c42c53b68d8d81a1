"""The board's process in the back office: invitations, decisions, rounds and dashboards."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import services as article_services
from articles.history import revision_number
from articles.models import Article, PublishedVersion
from reviewers.models import ChecklistQuestion, ReminderRule, ReviewAssignment, StandingConflict
from reviewers.selectors import board_roster
from reviewers.services import assignment_create, assignment_decline
from tests.factories import (
    ArticleFactory,
    BoardMemberFactory,
    ReferenceFactory,
    TopicFactory,
    UserFactory,
    decision_record,
    on_screen,
)
from tests.reviewers.helpers import assign_accepted


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def page(client, user, article) -> str:
    client.force_login(user)
    return client.get(change_url(article)).content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def reload(article) -> Article:
    return Article.objects.get(pk=article.pk)


@pytest.fixture
def invited(submitted_article, member, editor):
    return assignment_create(article=submitted_article, reviewer=member, by=editor)


@pytest.fixture
def invited_elsewhere(author, member, editor):
    """``member`` invited to another submitted article, not yet answered."""
    article = ArticleFactory(author=author, title="Another question?")
    ReferenceFactory(article=article)
    article_services.article_submit(article=article, by=author)
    return assignment_create(article=article, reviewer=member, by=editor)


# --- Invitations on the article page ---------------------------------------------------


def test_invited_member_sees_accept_and_decline(client, invited, member):
    """The invitation names both deadlines and offers both answers."""
    html = page(client, member.user, invited.article)

    assert "You are invited to review round 1" in html
    assert "Accept this review" in html and "Decline the review" in html
    assert invited.respond_by.strftime("%-d %B %Y") in html


def test_accept_button_starts_the_review(client, invited, member):
    """Accepting from the page moves the article under review and opens the decision form."""
    client.force_login(member.user)
    response = client.post(
        reverse("admin:articles_article_accept", args=[invited.article_id]), {"no_conflict": "on"}
    )

    assert response.status_code == 302 and response.url.endswith("#your-review")
    assert reload(invited.article).state == "under_review"
    assert "Record my decision" in page(client, member.user, invited.article)


def test_decline_without_reason_is_refused_with_a_message(client, invited, member):
    """An empty reason changes nothing and says why."""
    client.force_login(member.user)
    response = client.post(
        reverse("admin:articles_article_decline", args=[invited.article_id]), {"reason": ""}
    )

    assert "Say why you decline" in " ".join(messages_of(response))
    assert ReviewAssignment.objects.get(pk=invited.pk).status == "invited"


def test_declined_invitation_shows_reason_to_editors_only(client, invited, member, editor, author):
    """Editors read why the member declined; the author does not see the decline at all."""
    client.force_login(member.user)
    client.post(
        reverse("admin:articles_article_decline", args=[invited.article_id]),
        {"reason": "On leave until June."},
    )

    assert "On leave until June." in page(client, editor, invited.article)
    assert "On leave until June." not in page(client, author, invited.article)
    assert ReviewAssignment.objects.get(pk=invited.pk).status == "declined"


def test_accept_by_someone_not_invited_is_refused(client, invited, second_member):
    """A member with no invitation gets a message, not a change (nor a 500)."""
    client.force_login(second_member.user)
    response = client.post(
        reverse("admin:articles_article_accept", args=[invited.article_id]), {"no_conflict": "on"}
    )

    assert response.status_code in (302, 404)
    assert reload(invited.article).state == "submitted"


def test_accept_and_decline_answer_post_only(client, invited, member):
    """GET on the answer URLs is refused."""
    client.force_login(member.user)
    for name in ("accept", "decline"):
        url = reverse(f"admin:articles_article_{name}", args=[invited.article_id])
        assert client.get(url).status_code == 405


# --- Assignment form ---------------------------------------------------------------------


def test_assign_form_ranks_specialists_and_explains_who_is_left_out(
    client, submitted_article, editor, member, second_member
):
    """The specialist comes first with a star; a member with a standing conflict is listed with
    the reason, not offered."""
    topic = submitted_article.topic
    topic.specialty = "Paediatrics"
    topic.save()
    StandingConflict.objects.create(member=member, topic=topic, statement="Paid adviser.")

    html = page(client, editor, submitted_article)

    table = html[html.index('class="wf-table wf-candidates"') :]
    options = table[: table.index("</table>")]
    assert f'<label for="candidate-{second_member.pk}">★ ' in options
    assert f'name="reviewer" value="{member.pk}"' not in options
    assert f"Standing conflict with the topic {topic}." in html


def test_assign_with_reply_after_due_date_is_refused(client, submitted_article, editor, member):
    """The form refuses a reply deadline after the review's due date, with a message."""
    client.force_login(editor)
    today = datetime.date.today()
    response = client.post(
        reverse("admin:articles_article_assign", args=[submitted_article.pk]),
        {
            "reviewer": member.pk,
            "respond_by": (today + datetime.timedelta(days=9)).isoformat(),
            "due_date": (today + datetime.timedelta(days=3)).isoformat(),
        },
    )

    assert "on or before the review's due date" in " ".join(messages_of(response))
    assert not ReviewAssignment.objects.exists()


# --- Decisions and what each reader sees -------------------------------------------------


def decide(client, member, article, **data):
    client.force_login(member.user)
    data = {**on_screen(article), **data}
    return client.post(reverse("admin:articles_article_decide", args=[article.pk]), data)


def test_decision_without_conflict_choice_is_refused(client, article_under_review, member):
    """The form insists on an explicit conflict-of-interest answer."""
    response = decide(client, member, article_under_review, decision="approve")

    assert "not recorded" in " ".join(messages_of(response))
    assert reload(article_under_review).state == "under_review"
    assert "tick “no conflict” or declare one" in page(client, member.user, article_under_review)


def test_approval_with_unticked_checklist_is_refused_in_the_form(
    client, article_under_review, member
):
    """The checklist question is shown, and approving without ticking it records nothing."""
    question = ChecklistQuestion.objects.create(text="Doses and units checked")
    assert "Doses and units checked" in page(client, member.user, article_under_review)

    decide(client, member, article_under_review, decision="approve", conflict="none")
    assert reload(article_under_review).state == "under_review"

    decide(
        client,
        member,
        article_under_review,
        decision="approve",
        conflict="none",
        **{f"check_{question.pk}": "on"},
    )
    assert reload(article_under_review).state == "approved"


def test_confidential_note_is_for_editors_never_the_author(
    client, article_under_review, member, editor, author
):
    """The editor and the member who wrote it read the note; the author does not."""
    decide(
        client,
        member,
        article_under_review,
        decision="request_changes",
        comment_to_author="Add the dose for under-twos.",
        confidential_note="I suspect the text was copied from a leaflet.",
        conflict="none",
    )

    note = "I suspect the text was copied from a leaflet."
    assert note in page(client, editor, article_under_review)
    assert note in page(client, member.user, article_under_review)
    author_page = page(client, author, article_under_review)
    assert note not in author_page
    assert "Add the dose for under-twos." in author_page


def test_author_sees_decisions_grouped_by_round(
    client, article_under_review, member, author, editor
):
    """After a resubmission the author's page shows round 2 above round 1, each with its
    comment."""
    decision_record(
        assignment=ReviewAssignment.objects.get(article=article_under_review),
        by=member.user,
        decision="request_changes",
        comment_to_author="Round one: cite the trial.",
        no_conflict=True,
    )
    article_services.article_submit(article=article_under_review, by=author)

    html = page(client, author, article_under_review)

    assert html.index("Round 2") < html.index("Round 1") < html.index("Round one: cite the trial.")


def test_lapsed_licence_approval_is_marked_as_not_counting(
    client, article_under_review, member, second_member, editor, settings
):
    """The editor sees that an approval does not count, and why."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    assign_accepted(article=article_under_review, reviewer=second_member, by=editor)
    decision_record(
        assignment=ReviewAssignment.objects.get(article=article_under_review, reviewer=member),
        by=member.user,
        decision="approve",
        no_conflict=True,
    )
    member.licence_expires_on = datetime.date(2000, 1, 1)
    member.save()

    html = page(client, editor, article_under_review)

    assert "Does not count" in html
    assert "Licence expired on 1 Jan 2000." in html


# --- Re-review -----------------------------------------------------------------------------


def test_re_review_publishes_a_new_version_with_unchanged_text(
    client, clock, approved_article, editor, member, settings
):
    """An editor starts a re-review from the article; on approval version 2 is live, reviewed
    today, with the same text."""
    settings.EDITORIAL_REVIEW_INTERVAL_MONTHS = 12
    clock.advance(days=340)
    assert "Start a re-review" in page(client, editor, approved_article)

    client.post(
        reverse("admin:articles_article_transition", args=[approved_article.pk, "start_rereview"]),
        {"state": "approved", "comment": "Yearly review."},
    )
    assert reload(approved_article).state == "submitted"
    approve_assignment = assign_accepted(article=approved_article, reviewer=member, by=editor)
    decision_record(
        assignment=approve_assignment, by=member.user, decision="approve", no_conflict=True
    )

    article = reload(approved_article)
    first, second = PublishedVersion.objects.filter(article=article).order_by("number")
    assert article.live_version == second
    assert second.body_source == first.body_source
    assert second.change_note == "Re-reviewed by the board; the text did not change."
    assert second.last_reviewed == clock.today()
    assert second.next_review_due > first.next_review_due


# --- Dashboards ----------------------------------------------------------------------------


def index(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("admin:index")).content.decode()


def test_my_reviews_lists_invitations_and_accepted_reviews(
    client, invited_elsewhere, article_under_review, member
):
    """A member sees both with their round and deadline, and a link straight to the form."""
    html = index(client, member.user)

    assert "My reviews" in html
    assert "Accept or decline" in html and "Record your decision" in html
    assert f"{change_url(article_under_review)}#your-review" in html


def test_my_reviews_highlights_overdue(client, clock, article_under_review, member):
    """Past its due date a review is marked overdue."""
    clock.advance(days=30)

    assert "wf-overdue" in index(client, member.user)


def test_my_reviews_is_absent_for_authors(client, author, article_under_review):
    """An author has no board queue."""
    assert "My reviews" not in index(client, author)


def test_editor_dashboard_lists_each_queue(
    client, clock, submitted_article, editor, member, second_member, author
):
    """Waiting for reviewers, overdue, waiting on a decision and review due, each with its
    article."""

    def new_submitted(title):
        article = ArticleFactory(author=author, title=title)
        ReferenceFactory(article=article)
        return article_services.article_submit(article=article, by=author)

    overdue = new_submitted("Overdue one?")
    assign_accepted(
        article=overdue,
        reviewer=member,
        by=editor,
        due_date=clock.today() + datetime.timedelta(days=1),
    )
    deciding = new_submitted("Deciding one?")
    assignment = assign_accepted(article=deciding, reviewer=second_member, by=editor)
    decision_record(
        assignment=assignment,
        by=second_member.user,
        decision="reject",
        comment_to_author="Unsafe advice.",
        no_conflict=True,
    )
    clock.advance(days=3)

    html = index(client, editor)

    def queue(title):
        start = html.index(title)
        return html[start : html.index("</section>", start)]

    assert submitted_article.title in queue("Waiting for reviewers")
    assert "Overdue one?" in queue("Reviews overdue")
    assert "Deciding one?" in queue("Waiting on an editor&#x27;s decision")
    assert "Median days from submission to approval" in html


def test_review_due_queue_lists_articles_due_within_30_days(
    client, clock, approved_article, editor
):
    """An approved article appears once its next review is 30 days away or less."""
    due = approved_article.live_version.next_review_due
    clock.now = clock.now + (due - clock.today() - datetime.timedelta(days=31))
    assert approved_article.title not in index(client, editor).split("Review due")[1][:600]

    clock.advance(days=2)
    assert approved_article.title in index(client, editor).split("Review due")[1][:600]


def test_dashboard_queries_do_not_grow_with_articles(client, editor, author, member):
    """The editor's and the member's front pages cost the same with 1 or 12 articles in review."""

    def add_reviews(count):
        for _ in range(count):
            article = ArticleFactory(author=author)
            ReferenceFactory(article=article)
            article_services.article_submit(article=article, by=author)
            assign_accepted(article=article, reviewer=member, by=editor)

    def queries(user) -> int:
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("admin:index")).status_code == 200
        return len(captured)

    add_reviews(1)
    few = (queries(editor), queries(member.user))
    add_reviews(11)
    assert (queries(editor), queries(member.user)) == few


def test_roster_shows_each_members_load(
    client, editor, invited_elsewhere, member, article_under_review
):
    """The roster counts open, declined and completed reviews per member."""
    declining = BoardMemberFactory(
        user=UserFactory(username="declining", groups=["Advisory Board"])
    )
    assignment_decline(
        assignment=assignment_create(article=article_under_review, reviewer=declining, by=editor),
        by=declining.user,
        reason="Too busy.",
    )
    client.force_login(editor)
    html = client.get(reverse("admin:reviewers_boardmember_roster")).content.decode()

    rows = {row.member.user.username: row for row in board_roster()}
    assert (rows["declining"].declined, rows["declining"].open) == (1, 0)
    assert rows["member"].open == 2
    assert declining.name in html and member.name in html


def test_roster_is_for_editors_only(client, member):
    """A board member cannot open the roster."""
    client.force_login(member.user)

    assert client.get(reverse("admin:reviewers_boardmember_roster")).status_code == 403


def test_board_member_list_says_who_may_not_review(client, editor, member):
    """An expired licence is flagged in the board list."""
    member.licence_expires_on = datetime.date(2001, 2, 3)
    member.save()
    client.force_login(editor)

    html = client.get(reverse("admin:reviewers_boardmember_changelist")).content.decode()

    assert "Licence expired on 3 Feb 2001." in html


def test_board_member_page_says_why_they_may_not_review(client, editor, member):
    """The member's own page warns that an expired licence keeps them out of reviews."""
    member.licence_expires_on = datetime.date(2001, 2, 3)
    member.save()
    client.force_login(editor)

    html = client.get(
        reverse("admin:reviewers_boardmember_change", args=[member.pk])
    ).content.decode()

    assert "Licence expired on 3 Feb 2001." in html
    assert "their approvals do not count" in html


def test_members_see_only_their_own_standing_conflicts(client, member, second_member, author):
    """A conflict may be private: another member does not see it."""
    StandingConflict.objects.create(member=member, author=author, statement="Sister-in-law.")
    client.force_login(second_member.user)

    html = client.get(reverse("admin:reviewers_standingconflict_changelist")).content.decode()

    assert "0 standing conflicts of interest" in html


def test_reviewed_revision_links_to_the_text_as_reviewed(
    client, article_under_review, member, author
):
    """The decision links to the revision the member read, numbered as on the timeline."""
    decision = decision_record(
        assignment=ReviewAssignment.objects.get(article=article_under_review),
        by=member.user,
        decision="request_changes",
        comment_to_author="Cite the trial.",
        no_conflict=True,
    )
    number = revision_number(article_under_review, decision.reviewed_revision)
    url = reverse("admin:articles_article_revision", args=[article_under_review.pk, number])

    html = page(client, author, article_under_review)
    assert url in html
    assert f"reviewed revision {number}<" in html
    assert client.get(url).status_code == 200


def test_topic_list_shows_each_topics_review_policy(client, editor, settings):
    """Editors see which topics need more approvals or a specialist, and the defaults."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    TopicFactory(name="Drug dosing", specialty="Clinical pharmacology", required_approvals=2)
    TopicFactory(name="Skin")
    client.force_login(editor)

    html = client.get(reverse("admin:articles_topic_changelist")).content.decode()

    assert "Clinical pharmacology" in html
    assert "1 (default)" in html


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (
            {"event": "overdue", "days": "99999999", "template": "reminder_overdue"},
            "Ensure this value is less than or equal to 90.",
        ),
        (
            {"event": "respond_soon", "days": "2", "template": "reminder_overdue_editors"},
            "This email is written for the editors",
        ),
        (
            {"event": "overdue_editors", "days": "2", "template": "reminder_due"},
            "This moment writes to the editors",
        ),
    ],
)
def test_a_reminder_rule_that_cannot_work_is_refused(client, editor, data, error):
    """A rule the reminder command could not carry out never gets saved."""
    before = ReminderRule.objects.count()
    client.force_login(editor)

    response = client.post(reverse("admin:reviewers_reminderrule_add"), {**data, "active": "on"})

    assert response.status_code == 200
    assert error in response.content.decode()
    assert ReminderRule.objects.count() == before


def test_a_member_with_a_lapsed_licence_is_told_why_no_review_comes(client, member):
    """The member's front page names the lapsed licence instead of a plain empty queue."""
    member.licence_expires_on = datetime.date(2020, 1, 31)
    member.save()
    client.force_login(member.user)

    html = client.get(reverse("admin:index")).content.decode()

    assert "Licence expired on 31 Jan 2020." in html
    assert "Editors cannot invite you until this changes" in html
