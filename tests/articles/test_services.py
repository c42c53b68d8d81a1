"""Workflow services beyond the transition table: revisions, content edits,
concurrency, immutable records and the email sent after commit."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from articles import services
from articles.exceptions import ConcurrentChange, WorkflowError
from articles.models import Article, AuditEntry, PublishedVersion
from articles.public.selectors import live_versions
from reviewers.models import ReviewAssignment
from tests.factories import ArticleFactory, TopicFactory, decision_record
from tests.reviewers.helpers import assign_accepted


def fresh(article: Article) -> Article:
    return Article.objects.get(pk=article.pk)


def open_assignment(article: Article, member) -> ReviewAssignment:
    return ReviewAssignment.objects.get(
        article=article, reviewer=member, round=fresh(article).review_round, status="open"
    )


def edit(article: Article, by, **changes) -> Article:
    """Edit the working copy as the admin does: change fields, save through the service."""
    article = fresh(article)
    for field, value in changes.items():
        setattr(article, field, value)
    return services.article_save_content(article=article, by=by)


def approve_again(article: Article, *, author, editor, member) -> Article:
    """Submit a revised draft, have ``member`` review it alone and approve it."""
    services.article_submit(article=article, by=author)
    assign_accepted(article=article, reviewer=member, by=editor)
    decision_record(
        no_conflict=True,
        assignment=open_assignment(article, member),
        by=member.user,
        decision="approve",
    )
    return fresh(article)


@pytest.fixture
def revised_article(approved_article, author):
    """``approved_article`` whose author started a revision and rewrote the answer."""
    services.article_revise(
        article=approved_article, by=author, comment="The advice follows newer evidence."
    )
    return edit(approved_article, author, body="Newer evidence changes the advice [1].")


@pytest.fixture
def changes_requested_article(article_under_review, member):
    decision_record(
        no_conflict=True,
        assignment=open_assignment(article_under_review, member),
        by=member.user,
        decision="request_changes",
        comment_to_author="Cite the 2019 trial.",
    )
    return fresh(article_under_review)


# --- Revisions -----------------------------------------------------------------------


def test_revise_keeps_the_approved_version_live(revised_article, approved_article):
    """While a revision is a draft, readers keep getting the last approved version."""
    assert revised_article.state == "draft"
    assert list(live_versions()) == [approved_article.live_version]


def test_revise_does_not_leak_the_draft_to_readers(revised_article):
    """The live version still holds the approved text, not the revision's."""
    assert "Newer evidence" not in live_versions().get().body_source


def test_reapproval_makes_version_2_live(revised_article, settings, author, editor, member):
    """Approving the revision publishes version 2 and points the article at it."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    reapproved = approve_again(revised_article, author=author, editor=editor, member=member)

    live = live_versions().get()
    assert (live.number, live.pk, "Newer evidence" in live.body_source) == (
        2,
        reapproved.live_version_id,
        True,
    )


def test_reapproval_keeps_version_1_on_record(revised_article, settings, author, editor, member):
    """The superseded version stays in the database, no longer live."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    approve_again(revised_article, author=author, editor=editor, member=member)

    versions = PublishedVersion.objects.filter(article=revised_article).order_by("number")
    assert [(v.number, v.review_round) for v in versions] == [(1, 1), (2, 2)]
    assert list(live_versions().values_list("number", flat=True)) == [2]


def test_retract_removes_the_article_from_live_versions(approved_article, editor):
    """After a retraction readers have nothing from the article."""
    services.article_retract(article=approved_article, by=editor, reason="Advice withdrawn.")

    assert not live_versions().exists()


def test_retract_sets_state_retracted_and_keeps_the_version(approved_article, editor):
    """Retraction marks the article retracted; the version it took down stays on record."""
    retracted = services.article_retract(article=approved_article, by=editor, reason="Unsafe.")

    assert (retracted.state, retracted.live_version) == ("retracted", None)
    assert PublishedVersion.objects.filter(article=approved_article).count() == 1


def test_reopen_from_retracted_goes_to_draft_without_going_public(approved_article, editor):
    """An editor reopens a retracted article as a draft; nothing becomes public again."""
    services.article_retract(article=approved_article, by=editor, reason="Unsafe.")

    reopened = services.article_reopen(article=approved_article, by=editor)

    assert (reopened.state, reopened.live_version, live_versions().exists()) == (
        "draft",
        None,
        False,
    )


def test_reopen_from_rejected_goes_to_draft(submitted_article, editor):
    """An editor reopens a rejected article as a draft its author can edit again."""
    services.article_reject(article=submitted_article, by=editor, comment="Out of scope.")

    reopened = services.article_reopen(article=submitted_article, by=editor)

    assert (reopened.state, reopened.is_editable) == ("draft", True)


# --- Content edits --------------------------------------------------------------------


@pytest.mark.parametrize(
    "fixture", ["submitted_article", "article_under_review", "approved_article"]
)
def test_save_content_outside_editable_states_is_refused_and_saves_nothing(
    request, fixture, author
):
    """Once submitted (and until revised) the text is frozen: the edit is refused, nothing saved."""
    article = request.getfixturevalue(fixture)
    history = article.history.count()

    with pytest.raises(WorkflowError, match="Nothing was saved"):
        edit(article, author, title="A quietly changed question?")

    assert (fresh(article).title, article.history.count()) == (article.title, history)


@pytest.mark.parametrize("fixture", ["article", "changes_requested_article"])
def test_save_content_in_editable_states_saves(request, fixture, author):
    """A draft, or an article sent back for changes, takes the author's edit."""
    article = request.getfixturevalue(fixture)

    edit(article, author, title="What helps milia?", body="Usually nothing is needed [1].")

    assert (fresh(article).title, fresh(article).body) == (
        "What helps milia?",
        "Usually nothing is needed [1].",
    )


def test_save_content_writes_history_with_user_and_reason(article, editor):
    """An edit adds one history row naming the editing user and 'Edited in admin'."""
    before = article.history.count()

    edit(article, editor, summary="A better summary.")

    row = article.history.order_by("-history_id").first()
    assert (article.history.count(), row.history_user, row.history_change_reason) == (
        before + 1,
        editor,
        "Edited in admin",
    )


def test_save_content_of_new_article_makes_the_user_its_author(author, other_author):
    """A new article belongs to whoever creates it, whatever the form said."""
    article = ArticleFactory.build(author=other_author, topic=TopicFactory())

    saved = services.article_save_content(article=article, by=author)

    row = saved.history.get()
    assert (fresh(saved).author, row.history_user, row.history_change_reason) == (
        author,
        author,
        "Created",
    )


def test_save_content_from_stale_instance_keeps_the_current_state(article, author, editor):
    """A form loaded before a reject and reopen cannot write back the old round or state."""
    stale = fresh(article)
    services.article_submit(article=article, by=author)
    services.article_reject(article=article, by=editor, comment="Not yet.")
    services.article_reopen(article=article, by=editor)
    stale.title = "An edited question?"

    services.article_save_content(article=stale, by=author)

    saved = fresh(article)
    assert (saved.title, saved.state, saved.review_round, saved.submitted_at is not None) == (
        "An edited question?",
        "draft",
        1,
        True,
    )


def test_save_content_from_stale_instance_keeps_the_live_version(approved_article, author):
    """A form loaded before approval cannot unpublish the article when saved during a revision."""
    stale = Article.objects.get(pk=approved_article.pk)
    stale.live_version = None  # what the form held before the approval
    services.article_revise(article=approved_article, by=author)
    stale.summary = "Revised summary."

    services.article_save_content(article=stale, by=author)

    assert fresh(approved_article).live_version_id == approved_article.live_version_id


def test_save_content_from_stale_instance_after_submission_is_refused(article, author):
    """A form loaded while the article was a draft cannot change it once it was submitted."""
    stale = fresh(article)
    services.article_submit(article=article, by=author)
    stale.body = "Sneaked-in text."

    with pytest.raises(WorkflowError, match="Nothing was saved"):
        services.article_save_content(article=stale, by=author)

    assert fresh(article).body == article.body


def test_save_content_by_another_author_is_refused(article, other_author):
    """An author cannot change someone else's draft through the workflow service."""
    with pytest.raises(WorkflowError):
        edit(article, other_author, title="Hijacked question?")

    assert fresh(article).title == article.title


# --- Concurrency -----------------------------------------------------------------------


def test_transition_with_stale_expected_state_raises_concurrent_change(
    submitted_article, author, footprint
):
    """Acting on a page that showed 'draft' after the article was submitted changes nothing."""
    before = footprint(submitted_article)

    with pytest.raises(ConcurrentChange, match="it is now submitted"):
        services.article_transition(
            article=submitted_article, name="submit", by=author, expected_state="draft"
        )

    assert footprint(submitted_article) == before


def test_transition_with_stale_expected_state_is_refused_even_if_allowed_now(
    submitted_article, author, footprint
):
    """A withdraw clicked on a stale 'under review' page is refused though withdraw is possible."""
    before = footprint(submitted_article)

    with pytest.raises(ConcurrentChange):
        services.article_transition(
            article=submitted_article, name="withdraw", by=author, expected_state="under_review"
        )

    assert footprint(submitted_article) == before


def test_transition_with_matching_expected_state_proceeds(submitted_article, author):
    """When the state is what the user saw, the transition runs."""
    withdrawn = services.article_transition(
        article=submitted_article, name="withdraw", by=author, expected_state="submitted"
    )

    assert withdrawn.state == "draft"


def test_retract_through_article_transition_uses_comment_as_reason(approved_article, editor):
    """The admin's generic entry point passes the comment as the retraction reason."""
    services.article_transition(
        article=approved_article, name="retract", by=editor, comment="Superseded guidance."
    )

    assert AuditEntry.objects.filter(article=approved_article).last().comment == (
        "Superseded guidance."
    )


# --- Records that are never changed ------------------------------------------------------


@pytest.fixture
def audit_entry(submitted_article):
    return AuditEntry.objects.get(article=submitted_article)


def test_audit_entry_cannot_be_changed(audit_entry):
    """Saving an existing audit entry raises and leaves the stored entry as it was."""
    audit_entry.comment = "Rewritten history."

    with pytest.raises(ValidationError):
        audit_entry.save()

    assert AuditEntry.objects.get(pk=audit_entry.pk).comment == ""


def test_audit_entry_cannot_be_deleted(audit_entry):
    """Deleting an audit entry raises and the entry stays."""
    with pytest.raises(ValidationError):
        audit_entry.delete()

    assert AuditEntry.objects.filter(pk=audit_entry.pk).exists()


def test_published_version_cannot_be_changed(approved_article):
    """Saving an existing published version raises and what readers saw stays as it was."""
    version = approved_article.live_version
    version.body_html = "<p>Different advice.</p>"

    with pytest.raises(ValidationError):
        version.save()

    assert PublishedVersion.objects.get(pk=version.pk).body_html != "<p>Different advice.</p>"


def test_published_version_cannot_be_deleted(approved_article):
    """Deleting a published version raises and the version stays."""
    with pytest.raises(ValidationError):
        approved_article.live_version.delete()

    assert PublishedVersion.objects.filter(article=approved_article).exists()


# --- Email after commit --------------------------------------------------------------------


def test_submit_emails_the_editors(
    article, author, editor, mailoutbox, django_capture_on_commit_callbacks
):
    """A submission tells the editors, not the author who made it."""
    with django_capture_on_commit_callbacks(execute=True):
        services.article_submit(article=article, by=author)

    assert [(m.to, article.title in m.subject) for m in mailoutbox] == [([editor.email], True)]


def test_submit_email_waits_for_commit(
    article, author, editor, mailoutbox, django_capture_on_commit_callbacks
):
    """No email leaves before the transaction commits."""
    with django_capture_on_commit_callbacks() as callbacks:
        services.article_submit(article=article, by=author)
        assert mailoutbox == []

    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1


def test_withdraw_emails_the_editors(
    submitted_article, author, editor, mailoutbox, django_capture_on_commit_callbacks
):
    """A withdrawal tells the editors the article left their queue."""
    with django_capture_on_commit_callbacks(execute=True):
        services.article_withdraw(article=submitted_article, by=author, comment="Found an error.")

    assert [(m.to, "Found an error." in m.body) for m in mailoutbox] == [([editor.email], True)]


def test_request_changes_by_member_emails_the_author_the_comment(
    article_under_review, author, member, mailoutbox, django_capture_on_commit_callbacks
):
    """A member's request for changes reaches the author with what to change."""
    with django_capture_on_commit_callbacks(execute=True):
        decision_record(
            no_conflict=True,
            assignment=open_assignment(article_under_review, member),
            by=member.user,
            decision="request_changes",
            comment_to_author="Cite the 2019 trial.",
        )

    to_author = [m for m in mailoutbox if m.to == [author.email]]
    assert [
        ("Changes requested" in m.subject, "Cite the 2019 trial." in m.body) for m in to_author
    ] == [(True, True)]


def test_request_changes_by_editor_emails_the_author_the_comment(
    article_under_review, author, editor, mailoutbox, django_capture_on_commit_callbacks
):
    """An editor's request for changes reaches the author with the comment."""
    with django_capture_on_commit_callbacks(execute=True):
        services.article_request_changes(
            article=article_under_review, by=editor, comment="Shorten the answer."
        )

    assert [(m.to, "Shorten the answer." in m.body) for m in mailoutbox] == [([author.email], True)]


def test_approve_emails_the_author_the_comment(
    article_under_review, author, member, settings, mailoutbox, django_capture_on_commit_callbacks
):
    """The approving decision's comment reaches the author with the news."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    with django_capture_on_commit_callbacks(execute=True):
        decision_record(
            no_conflict=True,
            assignment=open_assignment(article_under_review, member),
            by=member.user,
            decision="approve",
            comment_to_author="Clear and well sourced.",
        )

    assert [("Approved" in m.subject, "Clear and well sourced." in m.body) for m in mailoutbox] == [
        (True, True)
    ]
    assert mailoutbox[0].to == [author.email]


def test_reject_emails_the_author_the_comment(
    submitted_article, author, editor, mailoutbox, django_capture_on_commit_callbacks
):
    """A rejection tells the author why."""
    with django_capture_on_commit_callbacks(execute=True):
        services.article_reject(article=submitted_article, by=editor, comment="Out of scope.")

    assert [(m.to, "Out of scope." in m.body) for m in mailoutbox] == [([author.email], True)]


def test_retract_emails_the_author_the_reason(
    approved_article, author, editor, mailoutbox, django_capture_on_commit_callbacks
):
    """A retraction tells the author why their article was taken down."""
    with django_capture_on_commit_callbacks(execute=True):
        services.article_retract(article=approved_article, by=editor, reason="Unsafe dosage.")

    assert [(m.to, "Unsafe dosage." in m.body) for m in mailoutbox] == [([author.email], True)]


def test_transition_rolled_back_sends_no_email(
    article, author, editor, mailoutbox, django_capture_on_commit_callbacks
):
    """When the surrounding transaction rolls back, nobody hears of the submission."""
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.article_submit(article=article, by=author)
        raise RuntimeError("the request failed later")

    assert (mailoutbox, fresh(article).state) == ([], "draft")


def test_refused_transition_sends_no_email(
    submitted_article, other_author, mailoutbox, django_capture_on_commit_callbacks
):
    """A refused action announces nothing."""
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(WorkflowError):
        services.article_withdraw(article=submitted_article, by=other_author)

    assert mailoutbox == []


def test_long_comment_is_recorded_in_full_in_audit_and_history(article_under_review, editor):
    """A long request for changes is kept whole in the audit entry and the history reason."""
    comment = "Please check every dose against the cited guideline. " * 40
    article = services.article_request_changes(
        article=article_under_review, by=editor, comment=comment
    )

    assert article.audit_entries.last().comment == comment.strip()
    assert article.history.first().history_change_reason.endswith(comment.strip())


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("([" * 100, "never closed"),
        ("".join("  " * i + "- a\n" for i in range(80)), "nested too deeply"),
        ("x" * 30_001, "too long"),
    ],
    ids=["unclosed-brackets", "deep-nesting", "too-long"],
)
def test_save_content_refuses_bodies_that_cannot_render_cheaply(article, author, body, message):
    """A body that would stall or crash the renderer is refused with a reason, nothing saved."""
    original = article.body
    article.body = body
    with pytest.raises(services.WorkflowError, match=message):
        services.article_save_content(article=article, by=author)
    assert Article.objects.get(pk=article.pk).body == original


def test_submit_with_a_marker_beyond_the_references_names_it(article, author):
    """Submitting a body citing [3] with two references is refused, naming [3]."""
    article.body = "Known [1], debated [2], unknown [3]."
    services.article_save_content(article=article, by=author)
    with pytest.raises(services.WorkflowError, match=r"cites \[3\]"):
        services.article_submit(article=article, by=author)
    assert Article.objects.get(pk=article.pk).state == "draft"


# --- The public change note of a revision ----------------------------------------------


@pytest.fixture
def silent_revision(approved_article, author, settings):
    """A revision whose author wrote no note, with a changed answer, approved by the board."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    services.article_revise(article=approved_article, by=author)
    return edit(approved_article, author, body="Newer evidence changes the advice [1].")


def test_revision_without_change_note_waits_for_an_editor(silent_revision, author, editor, member):
    """The board's approvals suffice, but a changed text with no public note is not published."""
    article = approve_again(silent_revision, author=author, editor=editor, member=member)

    assert article.state == "under_review"
    assert live_versions().get().number == 1


def test_approving_a_revision_without_change_note_is_refused(
    silent_revision, author, editor, member, footprint
):
    """The editor's approval needs the "What changed" line; nothing changes without it."""
    article = approve_again(silent_revision, author=author, editor=editor, member=member)
    before = footprint(article)

    with pytest.raises(WorkflowError, match="Write what changed"):
        services.article_approve(article=article, by=editor, change_note="   ")

    assert footprint(article) == before


def test_editor_approves_a_revision_with_the_change_note(silent_revision, author, editor, member):
    """The editor's line becomes the version's public change note."""
    article = approve_again(silent_revision, author=author, editor=editor, member=member)

    services.article_approve(article=article, by=editor, change_note="Updated after a 2026 trial.")

    live = live_versions().get()
    assert (live.number, live.change_note) == (2, "Updated after a 2026 trial.")


def test_change_note_is_prefilled_from_the_authors_note(approved_article, author):
    """The author's note on starting a revision becomes the change note they can edit."""
    services.article_revise(
        article=approved_article, by=author, comment="Added the 2018 Cochrane review."
    )

    assert fresh(approved_article).change_note == "Added the 2018 Cochrane review."


def test_prefilled_change_note_is_published_with_the_board_approval(
    approved_article, author, editor, member, settings
):
    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    services.article_revise(article=approved_article, by=author, comment="Dose table updated.")
    article = edit(approved_article, author, body="The new dose table [1].")

    approve_again(article, author=author, editor=editor, member=member)

    assert live_versions().get().change_note == "Dose table updated."


def test_unchanged_text_needs_no_change_note(approved_article, author, editor, member, settings):
    """A re-review that changed no word gets the honest default note."""
    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    services.article_revise(article=approved_article, by=author)

    approve_again(fresh(approved_article), author=author, editor=editor, member=member)

    live = live_versions().get()
    assert live.number == 2
    assert live.change_note == "Re-reviewed by the board; the text did not change."
