"""Each role's desk: the editor's reports and reviews, faster writing, the review form."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.choices import ArticleState, ReportKind, ReportStatus
from articles.exceptions import WorkflowError
from articles.models import Article, ProblemReport
from articles.reports import report_reply, report_start_revision
from articles.services import article_revise, article_submit
from reviewers.models import ChecklistQuestion, ReviewAssignment
from reviewers.services import assignment_accept, assignment_create, assignment_decline
from tests.factories import (
    ArticleFactory,
    BoardMemberFactory,
    ReferenceFactory,
    UserFactory,
    decision_record,
)


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def make_report(article, *, email="parent@example.net", message="The dose table is wrong."):
    return ProblemReport.objects.create(
        article=article,
        version=article.live_version,
        kind=ReportKind.ERROR,
        message=message,
        email=email,
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


# --- Readers' reports on the editor's desk ---------------------------------------------


def test_desk_lists_new_reports_with_their_actions(client, editor, approved_article):
    """The editor's front page shows each new report with reply and revision buttons."""
    report = make_report(approved_article, message="My son is 2: is the dose for him?")
    client.force_login(editor)

    html = client.get(reverse("admin:index")).content.decode()

    assert "Reports from readers to handle" in html
    assert "My son is 2: is the dose for him?" in html
    assert reverse("admin:articles_problemreport_reply", args=[report.pk]) in html
    assert reverse("admin:articles_problemreport_start_revision", args=[report.pk]) in html


def test_report_reply_is_emailed_and_recorded(
    client, editor, approved_article, django_capture_on_commit_callbacks
):
    """The reply goes to the reader's address and stays on the report, with who and when."""
    report = make_report(approved_article)
    client.force_login(editor)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:articles_problemreport_reply", args=[report.pk]),
            {"reply": "Thank you: we are checking the table now.", "next": "/admin/"},
        )

    assert response.status_code == 302 and response.url == "/admin/"
    report.refresh_from_db()
    assert report.reply == "Thank you: we are checking the table now."
    assert report.replied_by == editor and report.replied_at is not None
    assert report.status == ReportStatus.IN_PROGRESS
    assert [m.to for m in mail.outbox] == [["parent@example.net"]]
    assert "checking the table" in mail.outbox[0].body


def test_report_reply_without_address_is_refused(editor, approved_article):
    """A reader who left no address gets no reply, and the editor is told why."""
    report = make_report(approved_article, email="")

    with pytest.raises(WorkflowError, match="no email address"):
        report_reply(report=report, by=editor, text="Thanks")


def test_report_reply_empty_is_refused_and_nothing_sent(editor, approved_article):
    """An empty reply sends nothing."""
    report = make_report(approved_article)
    mail.outbox.clear()

    with pytest.raises(WorkflowError):
        report_reply(report=report, by=editor, text="   ")
    assert mail.outbox == []


def test_report_reply_by_author_is_refused(author, approved_article):
    """Only editors answer readers."""
    report = make_report(approved_article)

    with pytest.raises(WorkflowError):
        report_reply(report=report, by=author, text="Hello")


def test_report_start_revision_opens_a_draft_linked_to_the_report(client, editor, approved_article):
    """One click: the approved article becomes a revision and the report says so."""
    report = make_report(approved_article)
    client.force_login(editor)

    response = client.post(
        reverse("admin:articles_problemreport_start_revision", args=[report.pk]),
        {"next": "/admin/"},
    )

    assert response.status_code == 302 and response.url == change_url(approved_article)
    assert Article.objects.get(pk=approved_article.pk).state == ArticleState.DRAFT
    report.refresh_from_db()
    assert report.revision_started_at is not None
    assert report.status == ReportStatus.IN_PROGRESS
    assert Article.objects.get(pk=approved_article.pk).live_version_id is not None


def test_report_start_revision_links_an_open_revision(editor, author, approved_article):
    """When a revision is already open, the report is linked to it."""
    article_revise(article=approved_article, by=author)
    report = make_report(Article.objects.get(pk=approved_article.pk))

    report_start_revision(report=report, by=editor)

    assert ProblemReport.objects.get(pk=report.pk).revision_started_at is not None


def test_publishing_the_revision_closes_the_report_with_a_note(
    editor, author, member, approved_article, due_date
):
    """Approving the revision resolves the report and says which version fixed it."""
    report = make_report(approved_article)
    untouched = make_report(approved_article, message="Unrelated typo")
    report_start_revision(report=report, by=editor)
    article = Article.objects.get(pk=approved_article.pk)
    article.body += " Updated."
    article.save()
    article_submit(article=article, by=author)
    # The member who approved round 1 is invited again on resubmission.
    assignment = ReviewAssignment.objects.get(article=article, round=2, reviewer=member)
    assignment_accept(assignment=assignment, by=member.user)
    decision_record(
        assignment=ReviewAssignment.objects.get(pk=assignment.pk),
        by=member.user,
        decision="approve",
        no_conflict=True,
    )

    report.refresh_from_db()
    assert report.status == ReportStatus.RESOLVED
    assert "Fixed by version 2" in report.editor_note
    assert ProblemReport.objects.get(pk=untouched.pk).status == ReportStatus.NEW


def test_article_page_lists_its_open_reports_for_editors(client, editor, author, approved_article):
    """The article's own page shows its reports to editors, not to its author."""
    make_report(approved_article, message="The picture caption is wrong.")

    client.force_login(editor)
    assert "The picture caption is wrong." in client.get(change_url(approved_article)).text
    client.force_login(author)
    assert "The picture caption is wrong." not in client.get(change_url(approved_article)).text


# --- Invitations and reviews on the desk ---------------------------------------------------


def test_desk_shows_invitations_reviews_and_declines(
    client, editor, submitted_article, member, second_member, due_date
):
    """Who has not replied (with Remind), who is reviewing, and who declined and why."""
    invited = assignment_create(
        article=submitted_article, reviewer=member, by=editor, due_date=due_date
    )
    declined = assignment_create(
        article=submitted_article, reviewer=second_member, by=editor, due_date=due_date
    )
    assignment_decline(
        assignment=declined, by=second_member.user, reason="Away at a conference until 12 Dec."
    )
    client.force_login(editor)

    html = client.get(reverse("admin:index")).text

    assert "Invitations awaiting a reply" in html
    assert reverse("admin:reviewers_reviewassignment_remind", args=[invited.pk]) in html
    assert "Away at a conference until 12 Dec." in html
    # Shown again where the next reviewer is chosen.
    assert "Away at a conference until 12 Dec." in client.get(change_url(submitted_article)).text


def test_remind_emails_the_member_and_records_when(
    client, editor, submitted_article, member, due_date, django_capture_on_commit_callbacks
):
    """Remind sends the reply reminder and the desk says when it went."""
    invited = assignment_create(
        article=submitted_article, reviewer=member, by=editor, due_date=due_date
    )
    client.force_login(editor)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:reviewers_reviewassignment_remind", args=[invited.pk]),
            {"next": "/admin/"},
        )

    assert response.status_code == 302
    assert ReviewAssignment.objects.get(pk=invited.pk).reminded_at is not None
    assert [m.to for m in mail.outbox] == [[member.user.email]]
    assert "please reply" in mail.outbox[0].subject.lower()


def test_remind_by_a_member_is_refused(client, editor, submitted_article, member, due_date):
    """Only editors remind."""
    invited = assignment_create(
        article=submitted_article, reviewer=member, by=editor, due_date=due_date
    )
    client.force_login(member.user)

    response = client.post(reverse("admin:reviewers_reviewassignment_remind", args=[invited.pk]))

    assert response.status_code == 404
    assert ReviewAssignment.objects.get(pk=invited.pk).reminded_at is None


def test_invite_several_members_at_once_with_a_message(
    client,
    editor,
    submitted_article,
    member,
    second_member,
    due_date,
    django_capture_on_commit_callbacks,
):
    """Ticking two members invites both, and each email carries the editor's words."""
    client.force_login(editor)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:articles_article_assign", args=[submitted_article.pk]),
            {
                "reviewer": [member.pk, second_member.pk],
                "respond_by": timezone.localdate().isoformat(),
                "due_date": due_date.isoformat(),
                "message": "You wrote the guideline on this; we would value your eye.",
            },
        )

    assert ReviewAssignment.objects.filter(article=submitted_article).count() == 2
    assert len(mail.outbox) == 2
    assert all("we would value your eye" in m.body for m in mail.outbox)


def test_candidate_table_shows_load_speed_declines_and_licence(
    client, editor, submitted_article, member
):
    """The picker is a table with the numbers an editor weighs."""
    member.licence_expires_on = timezone.localdate() + datetime.timedelta(days=400)
    member.save()
    client.force_login(editor)

    html = client.get(change_url(submitted_article)).text
    table = html[html.index('class="wf-table wf-candidates"') :]
    table = table[: table.index("</table>")]

    for heading in ("Specialty", "Open", "Median days", "Last review", "Declines", "Licence"):
        assert heading in table
    assert member.name in table and "valid to" in table


def _desk_data(editor, n: int, due_date) -> None:
    topic_author = UserFactory(groups=["Authors"])
    for _ in range(n):
        article = ArticleFactory(author=topic_author, body="Text [1].")
        ReferenceFactory(article=article, position=1)
        article = article_submit(article=article, by=topic_author)
        reviewer = BoardMemberFactory(user=UserFactory(groups=["Advisory Board"]))
        assignment_create(article=article, reviewer=reviewer, by=editor, due_date=due_date)


def _front_page_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return len(queries)


def test_editor_front_page_queries_do_not_grow_with_the_work(
    client, editor, approved_article, due_date
):
    """The front page and desk cost as many queries for 4 reports and invitations as for 1."""
    _desk_data(editor, 1, due_date)
    make_report(approved_article, message="Report 0")
    client.force_login(editor)
    client.get(reverse("admin:index"))  # the session's first request warms its caches
    one = _front_page_queries(client)

    _desk_data(editor, 3, due_date)
    for i in range(1, 4):
        make_report(approved_article, message=f"Report {i}")

    assert _front_page_queries(client) == one


def test_author_and_member_front_pages_queries_are_constant(
    client, author, member, editor, due_date
):
    """A member's front page does not grow with their invitations either."""
    article = ArticleFactory(author=author, body="Text [1].")
    ReferenceFactory(article=article, position=1)
    article_submit(article=article, by=author)
    assignment_create(article=article, reviewer=member, by=editor, due_date=due_date)
    client.force_login(member.user)
    client.get(reverse("admin:index"))
    one = _front_page_queries(client)
    for _ in range(3):
        extra = ArticleFactory(author=author, body="Text [1].")
        ReferenceFactory(article=extra, position=1)
        article_submit(article=extra, by=author)
        assignment_create(article=extra, reviewer=member, by=editor, due_date=due_date)

    assert _front_page_queries(client) == one


# --- Faster writing ------------------------------------------------------------------------


def _article_post(article, **overrides) -> dict:
    refs = list(article.references.all())
    data = {
        "title": article.title,
        "slug": article.slug,
        "topic": article.topic_id,
        "summary": article.summary,
        "body": article.body,
        "plain_body": article.plain_body,
        "origin": article.origin,
        "change_note": "",
        "references-TOTAL_FORMS": str(len(refs)),
        "references-INITIAL_FORMS": str(len(refs)),
        "references-MIN_NUM_FORMS": "0",
        "references-MAX_NUM_FORMS": "1000",
    }
    for i, ref in enumerate(refs):
        data.update(
            {
                f"references-{i}-id": ref.pk,
                f"references-{i}-article": article.pk,
                f"references-{i}-position": ref.position,
                f"references-{i}-authors": ref.authors,
                f"references-{i}-title": ref.title,
                f"references-{i}-journal": ref.journal,
                f"references-{i}-year": ref.year,
                f"references-{i}-pmid": ref.pmid,
                f"references-{i}-doi": ref.doi,
                f"references-{i}-url": ref.url,
            }
        )
    data.update(overrides)
    return data


def test_save_and_submit_in_one_step(client, author, article):
    """The author's edit is saved and the article submitted with one button."""
    client.force_login(author)

    response = client.post(
        change_url(article), _article_post(article, body="Edited [1] and [2].", _submit="1")
    )

    assert response.status_code == 302
    article = Article.objects.get(pk=article.pk)
    assert article.body == "Edited [1] and [2]."
    assert article.state == ArticleState.SUBMITTED
    assert "Saved and submitted for review" in " ".join(messages_of(response))


def test_save_and_submit_with_a_dangling_citation_saves_the_draft(client, author, article):
    """A citation beyond the references saves the text, does not submit, and says why."""
    client.force_login(author)

    response = client.post(
        change_url(article), _article_post(article, body="Cites [7].", _submit="1")
    )

    article = Article.objects.get(pk=article.pk)
    assert article.body == "Cites [7]." and article.state == ArticleState.DRAFT
    assert "not submitted" in " ".join(messages_of(response))


def test_citation_problem_is_shown_beside_the_field_after_save(client, author, article):
    """Plain Save keeps the draft and puts the warning next to the answer."""
    client.force_login(author)

    response = client.post(change_url(article), _article_post(article, body="Cites [7]."))
    assert "citation problem" in " ".join(messages_of(response))
    html = client.get(change_url(article)).text

    body_row = html[html.index('id="id_body"') :]
    assert "wf-citation-warning" in body_row[:4000]
    assert "[7]" in body_row[:4000]


def test_save_and_submit_button_is_offered_to_the_author_only(client, author, editor, article):
    """The author sees "Save and submit for review"; an editor editing does not submit."""
    client.force_login(author)
    assert "Save and submit for review" in client.get(change_url(article)).text
    client.force_login(editor)
    assert "Save and submit for review" not in client.get(change_url(article)).text


def test_answer_and_plain_text_side_by_side_not_collapsed(client, author, article):
    """The plain-language text is on screen beside the answer, not in a collapsed section."""
    client.force_login(author)
    html = client.get(change_url(article)).text

    assert "wf-answers" in html
    assert "For patients (optional)" not in html
    assert 'id="id_plain_body"' in html


def test_preview_endpoint_renders_like_the_public_site(client, author):
    """The live preview is the server's renderer: sanitised, markers linked, problems listed."""
    client.force_login(author)

    response = client.post(
        reverse("admin:articles_markdown_preview"),
        {"body": "Rest **helps** [1]. <script>alert(1)</script> See [3].", "references": "2"},
    )

    data = response.json()
    assert response.status_code == 200
    assert "<strong>helps</strong>" in data["body"]["html"]
    assert "<script" not in data["body"]["html"]
    assert data["body"]["unresolved"] == ["[3]"]
    assert data["plain_body"] == {"html": "", "unresolved": []}


def test_preview_endpoint_refuses_members_and_anonymous(client, member):
    """Only writers preview; a GET is not allowed."""
    url = reverse("admin:articles_markdown_preview")
    assert client.post(url, {"body": "x"}).status_code == 401
    client.force_login(member.user)
    assert client.post(url, {"body": "x"}).status_code == 403


# --- Actions that read right -----------------------------------------------------------------


def test_retract_is_set_apart_with_its_effect_on_readers(client, editor, approved_article):
    """Retract sits in the danger zone with a line saying readers lose the page."""
    client.force_login(editor)
    html = client.get(change_url(approved_article)).text

    zone = html[html.index("wf-danger-zone") :]
    assert "Retract" in zone
    assert "Readers lose the page at once" in zone
    assert html.index("Start a revision") < html.index("wf-danger-zone")
    assert "Readers keep the approved version until the revision is approved." in html


# --- The review form --------------------------------------------------------------------------


def test_review_form_asks_conflict_then_checklist_then_decision(
    client, article_under_review, member
):
    """The order on the page: conflict of interest, checklist, decision, comment, note."""
    ChecklistQuestion.objects.create(text="The doses match the current guideline.", position=1)
    client.force_login(member.user)
    html = client.get(change_url(article_under_review)).text
    form = html[html.index('class="wf-decision-form"') :]

    order = [
        form.index('name="conflict"'),
        form.index("The doses match the current guideline."),
        form.index('name="decision"'),
        form.index('name="comment_to_author"'),
        form.index('name="confidential_note"'),
    ]
    assert order == sorted(order)


def test_accept_without_conflict_answer_is_refused(client, submitted_article, editor, member):
    """Accepting asks the conflict question too; unanswered, nothing changes."""
    invited = assignment_create(article=submitted_article, reviewer=member, by=editor)
    client.force_login(member.user)

    response = client.post(reverse("admin:articles_article_accept", args=[submitted_article.pk]))

    assert "conflict of interest" in " ".join(messages_of(response))
    assert ReviewAssignment.objects.get(pk=invited.pk).status == "invited"


def test_invitation_preview_lists_the_references(client, submitted_article, editor, member):
    """Before accepting, the member can check the sources."""
    assignment_create(article=submitted_article, reviewer=member, by=editor)
    ref = submitted_article.references.first()
    client.force_login(member.user)

    html = client.get(change_url(submitted_article)).text
    invitation = html[html.index("wf-invitation") :]

    assert ref.title in invitation[: invitation.index("</article>")]


# --- Authors and members see what they use ---------------------------------------------------


def test_author_front_page_has_no_unused_apps_or_recent_actions(client, author):
    """An author's front page and sidebar list articles only, and no empty "Recent actions"."""
    client.force_login(author)
    html = client.get(reverse("admin:index")).text

    assert "Recent actions" not in html
    assert "Published versions" not in html and "Audit trail" not in html
    assert "Articles" in html


def test_forbidden_page_is_styled_with_a_way_back(client, member):
    """A 403 looks like the back office and links to the front page."""
    client.force_login(member.user)
    response = client.get(reverse("admin:reviewers_boardmember_roster"))

    assert response.status_code == 403
    html = response.content.decode()
    assert "Editorial back office" in html
    assert 'href="/admin/"' in html
    assert "Back to your front page" in html


def test_member_asks_editors_to_update_licence(
    client, member, editor, django_capture_on_commit_callbacks
):
    """From their profile a member asks for a licence update; the editors are emailed."""
    member.licence_expires_on = timezone.localdate() - datetime.timedelta(days=3)
    member.save()
    client.force_login(member.user)
    profile = reverse("admin:reviewers_boardmember_change", args=[member.pk])
    assert "Ask the editors to update my licence" in client.get(profile).text
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:reviewers_boardmember_licence_request", args=[member.pk]),
            {"note": "Renewed: GMC 7654321, valid to 2028."},
        )

    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[editor.email]]
    assert "GMC 7654321" in mail.outbox[0].body


def test_member_cannot_ask_for_someone_elses_licence(client, member, second_member):
    """The request is for one's own profile only."""
    client.force_login(member.user)
    response = client.post(
        reverse("admin:reviewers_boardmember_licence_request", args=[second_member.pk])
    )
    assert response.status_code == 404
