"""The board's review process: invitations, who is offered, decisions, policy and rounds."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group

from articles import services as article_services
from articles.exceptions import WorkflowError
from articles.models import Article
from reviewers.models import (
    ChecklistQuestion,
    ReviewAssignment,
    ReviewDecision,
    StandingConflict,
)
from reviewers.policy import approval_count, approval_shortfall, checklist_for
from reviewers.selectors import assignable_members, unavailable_members
from reviewers.services import (
    assignment_accept,
    assignment_create,
    assignment_decline,
)
from tests.factories import (
    ArticleFactory,
    BoardMemberFactory,
    ReferenceFactory,
    UserFactory,
    decision_record,
)
from tests.reviewers.helpers import assign_accepted


def fresh(article: Article) -> Article:
    return Article.objects.get(pk=article.pk)


def approve(assignment: ReviewAssignment, **kwargs) -> ReviewDecision:
    kwargs.setdefault("no_conflict", True)
    return decision_record(
        assignment=assignment, by=assignment.reviewer.user, decision="approve", **kwargs
    )


def make_member(username: str, specialties: str = "General practice", **kwargs):
    return BoardMemberFactory(
        user=UserFactory(username=username, groups=["Advisory Board"]),
        specialties=specialties,
        **kwargs,
    )


# --- Invitations and their deadlines ---------------------------------------------------------


def test_invitation_gets_default_reply_and_review_deadlines(
    clock, submitted_article, member, editor, settings
):
    """Without dates, the member replies within EDITORIAL_RESPOND_DAYS and reviews within
    EDITORIAL_REVIEW_DAYS."""
    settings.EDITORIAL_RESPOND_DAYS = 3
    settings.EDITORIAL_REVIEW_DAYS = 14

    invitation = assignment_create(article=submitted_article, reviewer=member, by=editor)

    assert (invitation.respond_by, invitation.due_date) == (
        clock.today() + datetime.timedelta(days=3),
        clock.today() + datetime.timedelta(days=14),
    )


def test_invitation_replying_after_the_review_is_due_is_refused(
    clock, submitted_article, member, editor
):
    """The reply deadline cannot fall after the review's due date."""
    with pytest.raises(WorkflowError, match="reply-by date must come on or before"):
        assignment_create(
            article=submitted_article,
            reviewer=member,
            by=editor,
            respond_by=clock.today() + datetime.timedelta(days=10),
            due_date=clock.today() + datetime.timedelta(days=5),
        )


def test_invitation_of_member_with_expired_licence_is_refused(
    clock, submitted_article, member, editor
):
    """A member whose licence expired yesterday cannot be invited, and is told why."""
    member.licence_expires_on = clock.today() - datetime.timedelta(days=1)
    member.save()

    with pytest.raises(WorkflowError, match="licence expired on"):
        assignment_create(article=submitted_article, reviewer=member, by=editor)

    assert not ReviewAssignment.objects.exists()


def test_invitation_of_member_whose_licence_expires_today_is_allowed(
    clock, submitted_article, member, editor
):
    """A licence is valid through its expiry date."""
    member.licence_expires_on = clock.today()
    member.save()

    assert assignment_create(article=submitted_article, reviewer=member, by=editor).pk


@pytest.mark.parametrize("with_what", ["author", "topic"])
def test_invitation_of_member_with_standing_conflict_is_refused(
    submitted_article, member, editor, with_what
):
    """A standing conflict with the article's author or its topic rules the member out."""
    StandingConflict.objects.create(
        member=member,
        statement="Co-authors a textbook.",
        **{with_what: getattr(submitted_article, with_what)},
    )

    with pytest.raises(WorkflowError, match="standing conflict of interest"):
        assignment_create(article=submitted_article, reviewer=member, by=editor)


def test_ended_standing_conflict_no_longer_rules_out(submitted_article, member, editor):
    """A conflict marked as no longer in force does not stop an invitation."""
    StandingConflict.objects.create(
        member=member, author=submitted_article.author, statement="Past partner.", active=False
    )

    assert assignment_create(article=submitted_article, reviewer=member, by=editor).pk


# --- Accepting and declining --------------------------------------------------------------


def test_first_acceptance_moves_the_article_under_review(submitted_article, member, editor):
    """The article waits, submitted, until the first invited member accepts."""
    invitation = assignment_create(article=submitted_article, reviewer=member, by=editor)
    assert fresh(submitted_article).state == "submitted"

    accepted = assignment_accept(assignment=invitation, by=member.user)

    assert (accepted.status, fresh(submitted_article).state) == ("open", "under_review")
    assert accepted.responded_at is not None


def test_second_acceptance_adds_no_transition(article_under_review, second_member, editor):
    """Once under review, another acceptance changes only the assignment."""
    entries = article_under_review.audit_entries.count()

    assign_accepted(article=article_under_review, reviewer=second_member, by=editor)

    assert article_under_review.audit_entries.count() == entries


def test_invitation_answered_by_another_member_is_refused(
    submitted_article, member, second_member, editor
):
    """Only the invited member accepts or declines their invitation."""
    invitation = assignment_create(article=submitted_article, reviewer=member, by=editor)

    with pytest.raises(WorkflowError, match="Only the board member who was invited"):
        assignment_accept(assignment=invitation, by=second_member.user)
    with pytest.raises(WorkflowError, match="Only the board member who was invited"):
        assignment_decline(assignment=invitation, by=editor, reason="Busy")

    assert ReviewAssignment.objects.get(pk=invitation.pk).status == "invited"


def test_decline_without_a_reason_is_refused(submitted_article, member, editor):
    """A decline must say why, so that the editors can choose someone else."""
    invitation = assignment_create(article=submitted_article, reviewer=member, by=editor)

    with pytest.raises(WorkflowError, match="Say why you decline"):
        assignment_decline(assignment=invitation, by=member.user, reason="  ")

    assert ReviewAssignment.objects.get(pk=invitation.pk).status == "invited"


def test_decline_tells_the_editors_why(
    submitted_article, member, editor, mailoutbox, django_capture_on_commit_callbacks
):
    """Editors get an email naming the member, the article and the reason."""
    invitation = assignment_create(article=submitted_article, reviewer=member, by=editor)

    with django_capture_on_commit_callbacks(execute=True):
        assignment_decline(assignment=invitation, by=member.user, reason="Away until May.")

    (email,) = [m for m in mailoutbox if m.subject.startswith("Review declined")]
    assert email.to == [editor.email]
    assert "Away until May." in email.body
    assert member.name in email.body
    assert email.alternatives and "Away until May." in email.alternatives[0][0]


def test_declined_member_can_be_invited_again(submitted_article, member, editor):
    """A decline frees the member's place in the round: the editor may ask again later."""
    invitation = assignment_create(article=submitted_article, reviewer=member, by=editor)
    assignment_decline(assignment=invitation, by=member.user, reason="Travelling this week.")

    again = assignment_create(article=submitted_article, reviewer=member, by=editor)

    assert again.status == "invited"


def test_answered_invitation_cannot_be_answered_again(submitted_article, member, editor):
    """After accepting, a member cannot decline the same invitation (they ask an editor)."""
    invitation = assign_accepted(article=submitted_article, reviewer=member, by=editor)

    with pytest.raises(WorkflowError, match="already answered"):
        assignment_decline(assignment=invitation, by=member.user, reason="Changed my mind")


def test_decision_on_an_unaccepted_invitation_is_refused(
    article_under_review, second_member, editor
):
    """A decision is recorded on an accepted review only."""
    invitation = assignment_create(article=article_under_review, reviewer=second_member, by=editor)

    with pytest.raises(WorkflowError, match="Accept the invitation first"):
        approve(invitation)


def test_acceptance_after_licence_expired_is_refused(clock, submitted_article, member, editor):
    """A member whose licence lapsed after the invitation cannot take the review on."""
    invitation = assignment_create(article=submitted_article, reviewer=member, by=editor)
    member.licence_expires_on = clock.today()
    member.save()
    clock.advance(days=1)

    with pytest.raises(WorkflowError, match="Licence expired"):
        assignment_accept(assignment=invitation, by=member.user)


# --- Who is offered -----------------------------------------------------------------------


def test_candidates_rank_specialists_first_then_the_least_busy(editor, author):
    """For a dermatology topic, dermatologists come first; among equals, the fewest open reviews."""
    busy_derm = make_member("busy_derm", "Dermatology")
    idle_derm = make_member("idle_derm", "Paediatric dermatology, dermatology")
    idle_gp = make_member("idle_gp", "General practice")
    # A neighbouring specialty is not the topic's own.
    idle_paed_derm = make_member("idle_paed_derm", "Paediatric dermatology")
    # busy_derm already has an open review elsewhere.
    other = ArticleFactory(author=author)
    ReferenceFactory(article=other)
    article_services.article_submit(article=other, by=author)
    assignment_create(article=other, reviewer=busy_derm, by=editor)

    article = ArticleFactory(author=author)
    article.topic.specialty = "Dermatology"
    article.topic.save()

    ranked = list(assignable_members(article))

    assert ranked[:2] == [idle_derm, busy_derm]
    assert set(ranked[2:]) == {idle_gp, idle_paed_derm}
    assert [m.specialty_match for m in ranked] == [1, 1, 0, 0]


def test_candidates_never_include_those_who_may_not_review(clock, editor):
    """The author, inactive and expired members and standing conflicts are never offered;
    the editors are told why."""
    writer = make_member("writer")
    writer.user.groups.add(Group.objects.get(name="Authors"))
    article = ArticleFactory(author=writer.user)
    ok = make_member("ok")
    make_member("inactive", active=False)
    expired = make_member("expired", licence_expires_on=clock.today() - datetime.timedelta(days=3))
    with_author = make_member("with_author")
    with_topic = make_member("with_topic")
    StandingConflict.objects.create(member=with_author, author=writer.user, statement="Spouse.")
    StandingConflict.objects.create(member=with_topic, topic=article.topic, statement="Adviser.")

    assert list(assignable_members(article)) == [ok]
    reasons = {m.user.username: reason for m, reason in unavailable_members(article)}
    assert reasons == {
        "writer": "Wrote this article.",
        "inactive": "Inactive on the board.",
        "expired": f"Licence expired on {expired.licence_expires_on:%-d %b %Y}.",
        "with_author": "Standing conflict with the author.",
        "with_topic": f"Standing conflict with the topic {article.topic}.",
    }


# --- Decisions ---------------------------------------------------------------------------


@pytest.fixture
def assignment(article_under_review, member) -> ReviewAssignment:
    return ReviewAssignment.objects.get(article=article_under_review, reviewer=member)


def test_decision_without_a_conflict_statement_is_refused(assignment, footprint):
    """Neither “no conflict” ticked nor a conflict declared: nothing is recorded."""
    before = footprint(assignment.article)

    with pytest.raises(WorkflowError, match="State your conflict of interest"):
        decision_record(assignment=assignment, by=assignment.reviewer.user, decision="approve")

    assert footprint(assignment.article) == before
    assert not ReviewDecision.objects.exists()


def test_decision_claiming_both_no_conflict_and_a_conflict_is_refused(assignment):
    """The statement must be one or the other."""
    with pytest.raises(WorkflowError, match="not both"):
        approve(assignment, conflict_declared=True, conflict_statement="Shares in the maker.")


def test_decision_keeps_confidential_note_and_no_conflict_tick(assignment):
    """The note to the editors and the explicit “no conflict” are on record."""
    decision = approve(assignment, confidential_note="The author cut corners on refs.")

    assert (decision.confidential_note, decision.no_conflict_confirmed) == (
        "The author cut corners on refs.",
        True,
    )


def test_decision_records_the_revision_on_screen(assignment):
    """The decision names the article's latest history entry: exactly what was reviewed."""
    latest = assignment.article.history.order_by("-history_id").first().history_id

    decision = decision_record(
        assignment=assignment,
        by=assignment.reviewer.user,
        decision="request_changes",
        comment_to_author="Please add doses.",
        no_conflict=True,
    )

    assert decision.reviewed_revision == latest


@pytest.fixture
def checklist(db):
    return [
        ChecklistQuestion.objects.create(text="Doses and units checked", position=1),
        ChecklistQuestion.objects.create(text="Every claim cited", position=2),
    ]


def test_approval_with_unticked_checklist_is_refused(assignment, checklist):
    """Approving needs “yes” to every question; the refusal names the missing ones."""
    with pytest.raises(WorkflowError, match="Every claim cited"):
        approve(assignment, checklist={checklist[0].pk: True})

    assert fresh(assignment.article).state == "under_review"


def test_request_for_changes_may_leave_the_checklist_unticked(assignment, checklist):
    """A member asking for changes records which items fail."""
    decision = decision_record(
        assignment=assignment,
        by=assignment.reviewer.user,
        decision="request_changes",
        comment_to_author="Two claims have no source.",
        no_conflict=True,
        checklist={checklist[0].pk: True},
    )

    assert [(i["question"], i["answer"]) for i in decision.checklist] == [
        ("Doses and units checked", True),
        ("Every claim cited", False),
    ]


def test_checklist_answers_keep_the_wording_they_answered(assignment, checklist):
    """Rewording a question later changes no past review."""
    decision = approve(assignment, checklist={q.pk: True for q in checklist})
    checklist[0].text = "Doses, units and maximum daily amounts checked"
    checklist[0].save()

    stored = ReviewDecision.objects.get(pk=decision.pk).checklist
    assert stored[0]["question"] == "Doses and units checked"


def test_topic_checklist_adds_to_the_global_one(article_under_review, assignment, checklist):
    """A topic's own questions are asked after the global ones; other topics' are not."""
    ChecklistQuestion.objects.create(text="Dosing table checked", topic=article_under_review.topic)
    ChecklistQuestion.objects.create(text="Elsewhere only", topic=ArticleFactory().topic)
    ChecklistQuestion.objects.create(text="Retired question", active=False)

    assert [q.text for q in checklist_for(article_under_review.topic)] == [
        "Doses and units checked",
        "Every claim cited",
        "Dosing table checked",
    ]


# --- The approval policy --------------------------------------------------------------------


def test_topic_override_needs_two_approvals(
    article_under_review, member, second_member, editor, settings
):
    """A topic asking for 2 approvals is not published on one, whatever the global default."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    topic = article_under_review.topic
    topic.required_approvals = 2
    topic.save()
    second = assign_accepted(article=article_under_review, reviewer=second_member, by=editor)

    approve(ReviewAssignment.objects.get(article=article_under_review, reviewer=member))
    assert fresh(article_under_review).state == "under_review"

    approve(second)
    assert fresh(article_under_review).state == "approved"


def test_specialist_rule_waits_for_a_matching_approval(
    article_under_review, member, second_member, editor, settings
):
    """With “needs a specialist”, approvals from other fields do not publish."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    topic = article_under_review.topic
    topic.specialty = "Paediatrics"
    topic.require_specialty_match = True
    topic.save()
    # member is a dermatologist; second_member lists Paediatrics.
    approve(ReviewAssignment.objects.get(article=article_under_review, reviewer=member))
    assert fresh(article_under_review).state == "under_review"

    assert "specialist in Paediatrics" in approval_shortfall(fresh(article_under_review))

    approve(assign_accepted(article=article_under_review, reviewer=second_member, by=editor))
    assert fresh(article_under_review).state == "approved"


def test_approval_of_member_whose_licence_lapsed_does_not_count(
    clock, article_under_review, member, second_member, editor, settings
):
    """An approval counts only while the member's licence is current."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    second = assign_accepted(article=article_under_review, reviewer=second_member, by=editor)
    approve(ReviewAssignment.objects.get(article=article_under_review, reviewer=member))
    member.licence_expires_on = clock.today()
    member.save()
    clock.advance(days=1)

    approve(second)

    assert fresh(article_under_review).state == "under_review"

    assert approval_count(fresh(article_under_review)) == 1


# --- Rounds ----------------------------------------------------------------------------------


@pytest.fixture
def changes_requested(article_under_review, member):
    decision_record(
        assignment=ReviewAssignment.objects.get(article=article_under_review, reviewer=member),
        by=member.user,
        decision="request_changes",
        comment_to_author="Say who should not take it.",
        no_conflict=True,
    )
    return fresh(article_under_review)


def test_resubmission_invites_last_rounds_reviewers_again(changes_requested, author, member):
    """Round 2 starts with the member who asked for changes invited again."""
    article_services.article_submit(article=changes_requested, by=author)

    invitation = ReviewAssignment.objects.get(article=changes_requested, round=2)
    assert (invitation.reviewer, invitation.status) == (member, "invited")
    assert invitation.history.first().history_change_reason.startswith("Invited again for round 2")


def test_resubmission_does_not_reinvite_the_recused_or_the_expired(
    clock, article_under_review, author, member, second_member, unassigned_member, editor, settings
):
    """A member who declared a conflict, or whose licence lapsed, is not asked again."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 3
    recused = assign_accepted(article=article_under_review, reviewer=second_member, by=editor)
    lapsing = assign_accepted(article=article_under_review, reviewer=unassigned_member, by=editor)
    decision_record(
        assignment=recused,
        by=second_member.user,
        decision="approve",
        conflict_declared=True,
        conflict_statement="I trained the author.",
    )
    approve(lapsing)
    decision_record(
        assignment=ReviewAssignment.objects.get(article=article_under_review, reviewer=member),
        by=member.user,
        decision="request_changes",
        comment_to_author="More on side effects.",
        no_conflict=True,
    )
    unassigned_member.licence_expires_on = clock.today() - datetime.timedelta(days=1)
    unassigned_member.save()

    article_services.article_submit(article=article_under_review, by=author)

    assert list(
        ReviewAssignment.objects.filter(article=article_under_review, round=2).values_list(
            "reviewer", flat=True
        )
    ) == [member.pk]


def test_a_withdrawal_before_anyone_answered_does_not_lose_the_reviewer(
    changes_requested, author, member
):
    """Resubmit, withdraw at once, resubmit again: the member is still asked in round 3."""
    article_services.article_submit(article=changes_requested, by=author)
    article_services.article_withdraw(article=changes_requested, by=author)
    article_services.article_submit(article=changes_requested, by=author)

    invitation = ReviewAssignment.objects.get(article=changes_requested, round=3)
    assert (invitation.reviewer, invitation.status) == (member, "invited")


def test_a_member_who_declined_is_not_asked_again(changes_requested, author, member):
    """A decline in round 2 ends the re-invitations for that member."""
    article_services.article_submit(article=changes_requested, by=author)
    assignment_decline(
        assignment=ReviewAssignment.objects.get(article=changes_requested, round=2),
        by=member.user,
        reason="On leave.",
    )
    article_services.article_withdraw(article=changes_requested, by=author)
    article_services.article_submit(article=changes_requested, by=author)

    assert not ReviewAssignment.objects.filter(article=changes_requested, round=3).exists()


def test_resubmission_reinvitation_can_be_switched_off(changes_requested, author, settings):
    """EDITORIAL_REINVITE_ON_RESUBMIT=False leaves the choice to the editors."""
    settings.EDITORIAL_REINVITE_ON_RESUBMIT = False

    article_services.article_submit(article=changes_requested, by=author)

    assert not ReviewAssignment.objects.filter(article=changes_requested, round=2).exists()


def test_round_two_decision_leaves_round_one_intact(changes_requested, author, member):
    """The new round's approval publishes; round 1's request stays on record in round 1."""
    article_services.article_submit(article=changes_requested, by=author)
    invitation = ReviewAssignment.objects.get(article=changes_requested, round=2)
    assignment_accept(assignment=invitation, by=member.user)

    approve(ReviewAssignment.objects.get(pk=invitation.pk))

    assert fresh(changes_requested).state == "approved"
    rounds = dict(
        ReviewDecision.objects.filter(assignment__article=changes_requested).values_list(
            "assignment__round", "decision"
        )
    )
    assert rounds == {1: "request_changes", 2: "approve"}


# --- Email -----------------------------------------------------------------------------------


def test_invitation_email_gives_both_deadlines_in_text_and_html(
    clock, submitted_article, member, editor, mailoutbox, django_capture_on_commit_callbacks
):
    """The member's invitation has a plain and an HTML part, both naming the two dates."""
    with django_capture_on_commit_callbacks(execute=True):
        invitation = assignment_create(article=submitted_article, reviewer=member, by=editor)

    (email,) = mailoutbox
    assert email.to == [member.user.email]
    assert email.subject == f"Please review: {submitted_article.title}"
    html, kind = email.alternatives[0]
    assert kind == "text/html"
    for part in (email.body, html):
        assert invitation.respond_by.strftime("%-d %B %Y") in part
        assert invitation.due_date.strftime("%-d %B %Y") in part
        assert f"/admin/articles/article/{submitted_article.pk}/change/#your-review" in part


def test_reinvitation_email_says_it_is_a_new_round(
    changes_requested, author, member, mailoutbox, django_capture_on_commit_callbacks
):
    """A member invited again is told the author revised the article."""
    with django_capture_on_commit_callbacks(execute=True):
        article_services.article_submit(article=changes_requested, by=author)

    (email,) = [m for m in mailoutbox if m.to == [member.user.email]]
    assert email.subject.startswith("Please review again")
    assert "round 2" in email.body


def test_conflict_declaration_tells_the_editors(
    assignment, editor, mailoutbox, django_capture_on_commit_callbacks
):
    """A recusal reaches the editors with the statement, so they can invite someone else."""
    with django_capture_on_commit_callbacks(execute=True):
        decision_record(
            assignment=assignment,
            by=assignment.reviewer.user,
            decision="approve",
            conflict_declared=True,
            conflict_statement="I co-wrote the cited study.",
        )

    (email,) = [m for m in mailoutbox if editor.email in m.to]
    assert email.subject.startswith("Conflict of interest declared")
    assert "I co-wrote the cited study." in email.body


def test_author_never_receives_the_confidential_note(
    assignment, author, mailoutbox, django_capture_on_commit_callbacks
):
    """The changes-requested email carries the comment to the author, not the note."""
    with django_capture_on_commit_callbacks(execute=True):
        decision_record(
            assignment=assignment,
            by=assignment.reviewer.user,
            decision="request_changes",
            comment_to_author="Add when to see a doctor.",
            confidential_note="Between us: weak draft.",
            no_conflict=True,
        )

    (email,) = [m for m in mailoutbox if m.to == [author.email]]
    assert "Add when to see a doctor." in email.body
    assert "weak draft" not in email.body + email.alternatives[0][0]
