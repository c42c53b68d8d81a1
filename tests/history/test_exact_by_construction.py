"""Issue 16: an approval binds to the text on screen, and the trail is written as things happen.

Each scenario runs end to end through the admin over HTTP, with real
sessions and CSRF checks: the page is fetched, its form read, then posted.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib
import io
import json
import re
import types

import pytest
from django.apps import apps
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import history, services
from articles.fingerprints import article_fingerprint, version_fingerprint
from articles.history.audit import verify
from articles.models import ActionLogEntry, Article, PublishedVersion
from bench.build_archive import build_archive
from reviewers.models import ReviewAssignment, ReviewDecision
from reviewers.policy import approval_count
from tests.factories import ArticleFactory, ReferenceFactory, UserFactory, decision_record
from tests.history.conftest import change_form_data
from tests.reviewers.helpers import assign_accepted

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def browser(user) -> Client:
    """A client with a real login session that enforces CSRF like a browser."""
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=user.username, password=PASSWORD)
    return client


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def read_form(html: str, action: str) -> dict:
    """The hidden inputs of the form posting to ``action`` (CSRF token, fingerprint…)."""
    start = html.index(f'action="{action}"')
    form = html[start : html.index("</form>", start)]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def post_form(client, article, name: str, **data):
    """Fetch the article's page, read the form for ``name``, post it with ``data``."""
    page = client.get(change_url(article)).content.decode()
    action = reverse(f"admin:articles_article_{name}", args=[article.pk])
    return client.post(action, {**read_form(page, action), **data}, follow=True)


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


@pytest.fixture
def one_approval(settings):
    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    settings.EDITORIAL_REINVITE_ON_RESUBMIT = True


# --- 1. A stale decision form approves nothing ---------------------------------------------


def test_stale_decision_form_is_refused_and_changes_nothing(
    article_under_review, author, member, one_approval
):
    """A form loaded on round 1 cannot approve the text resubmitted for round 2."""
    member_client = browser(member.user)
    decide = reverse("admin:articles_article_decide", args=[article_under_review.pk])
    page = member_client.get(change_url(article_under_review)).content.decode()
    stale = read_form(page, decide)
    assert stale["fingerprint"] == article_fingerprint(article_under_review)
    assert stale["fingerprint"][:12] in page  # the page shows the text it rendered

    article = services.article_withdraw(article=article_under_review.pk, by=author)
    article.body += " Take ten tablets at once."
    services.article_save_content(article=article, by=author)
    services.article_submit(article=article.pk, by=author)
    # The member accepts the new invitation without reading the new text.
    response = post_form(member_client, article, "accept", no_conflict="on")
    assert response.status_code == 200
    before = ReviewDecision.objects.count()

    response = member_client.post(
        decide,
        {**stale, "decision": "approve", "comment_to_author": "", "conflict": "none"},
        follow=True,
    )
    message = messages_of(response)
    assert "The text changed after you opened it" in message
    assert "What changed since the text you saw" in response.content.decode()
    article = Article.objects.get(pk=article.pk)
    assert article.state == "under_review"
    assert article.live_version_id is None
    assert ReviewDecision.objects.count() == before
    assert not PublishedVersion.objects.filter(article=article).exists()


def test_decision_stores_the_fingerprint_and_revision_it_was_made_on(
    article_under_review, member, one_approval
):
    """An approval names the text on screen, and the version it publishes carries it."""
    response = post_form(
        browser(member.user),
        article_under_review,
        "decide",
        decision="approve",
        comment_to_author="",
        conflict="none",
    )
    assert "was recorded" in messages_of(response)
    decision = ReviewDecision.objects.get()
    article = Article.objects.get(pk=article_under_review.pk)
    assert decision.fingerprint == article.live_version.fingerprint
    assert decision.fingerprint == version_fingerprint(article.live_version)
    assert decision.reviewed_revision is not None
    logged = ActionLogEntry.objects.get(action="decision.record")
    assert logged.fingerprint == decision.fingerprint
    public = Client().get(article.get_absolute_url()).content.decode()
    assert "version 1" in public and decision.fingerprint[:12] in public


# --- 2. Credentials are judged on the day of deciding --------------------------------------


def test_renewed_licence_does_not_revive_an_approval_made_while_it_had_lapsed(
    article_under_review, member, editor, one_approval
):
    """An approval made under a lapsed licence never counts, whatever is edited later."""
    member.licence_expires_on = timezone.localdate() - datetime.timedelta(days=1)
    member.save()
    response = post_form(
        browser(member.user),
        article_under_review,
        "decide",
        decision="approve",
        comment_to_author="",
        conflict="none",
    )
    assert "was recorded" in messages_of(response)
    decision = ReviewDecision.objects.get()
    assert not decision.credentials_valid
    assert decision.licence_expires_on == member.licence_expires_on
    assert Article.objects.get(pk=article_under_review.pk).state == "under_review"

    member.licence_expires_on = timezone.localdate() + datetime.timedelta(days=365)
    member.save()  # the editor records the renewal
    article = Article.objects.get(pk=article_under_review.pk)
    assert approval_count(article) == 0
    page = browser(editor).get(change_url(article)).content.decode()
    assert "Does not count" in page
    with pytest.raises(services.WorkflowError):
        services.article_approve(article=article.pk, by=editor)


# --- 3. An editor who wrote the article reads it as its author ------------------------------


def test_editor_author_sees_no_confidential_note_anywhere_and_gets_no_editor_email(
    member, second_member, one_approval, django_capture_on_commit_callbacks
):
    """Notes, conflict statements and editor-only email never reach the article's author."""
    editor_author = UserFactory(username="ed_author", groups=["Editors", "Authors"])
    other_editor = UserFactory(username="other_editor", groups=["Editors"])
    article = ArticleFactory(author=editor_author)
    ReferenceFactory(article=article)
    services.article_submit(article=article, by=editor_author)
    first = assign_accepted(article=article, reviewer=member, by=other_editor)
    second = assign_accepted(article=article, reviewer=second_member, by=other_editor)
    mail.outbox.clear()
    for client, note, conflict in (
        (browser(member.user), "Secret: the author's clinic sponsors me.", "none"),
        (browser(second_member.user), "Another secret remark.", "declared"),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = post_form(
                client,
                article,
                "decide",
                decision="reject",
                comment_to_author="Not convincing yet.",
                confidential_note=note,
                conflict=conflict,
                conflict_statement="I consult for the maker of this cream." if conflict else "",
            )
        assert "was recorded" in messages_of(response), messages_of(response)
    assert {first.pk, second.pk} == set(ReviewDecision.objects.values_list("assignment", flat=True))
    secrets = ("Secret: the author", "Another secret remark", "I consult for the maker")
    reader = browser(editor_author)
    pages = [
        reader.get(change_url(article)).content.decode(),
        reader.get(reverse("admin:articles_article_timeline", args=[article.pk])).content.decode(),
        reader.get(
            reverse("admin:articles_article_export", args=[article.pk, "json"])
        ).content.decode(),
        reader.get(
            reverse("admin:articles_article_export", args=[article.pk, "csv"])
        ).content.decode(),
        reader.get(reverse("admin:reviewers_reviewdecision_changelist")).content.decode(),
    ]
    for html in pages:
        assert not any(secret in html for secret in secrets)
    to_author = [m for m in mail.outbox if editor_author.email in m.to]
    assert all("decision" not in m.subject.lower() for m in to_author), to_author
    assert any(other_editor.email in m.to for m in mail.outbox)
    # The other editor does read them.
    timeline = browser(other_editor).get(
        reverse("admin:articles_article_timeline", args=[article.pk])
    )
    assert "Secret: the author" in timeline.content.decode()


# --- 4. No silent state change ---------------------------------------------------------------


def test_bulk_writes_of_workflow_fields_are_refused_naming_the_service(approved_article):
    """update, bulk_update, create and bulk_create cannot move an article around the workflow."""
    article = Article.objects.get(pk=approved_article.pk)
    attempts = [
        lambda: Article.objects.filter(pk=article.pk).update(state="draft"),
        lambda: Article.objects.filter(pk=article.pk).update(live_version=None),
        lambda: Article.objects.bulk_update([article], ["state"]),
        lambda: Article.objects.create(
            title="x", slug="x", topic=article.topic, author=article.author, state="approved"
        ),
        lambda: Article.objects.bulk_create(
            [
                Article(
                    title="y",
                    slug="y",
                    topic=article.topic,
                    author=article.author,
                    state="approved",
                )
            ]
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError, match=r"articles\.services"):
            attempt()
    assert Article.objects.get(pk=article.pk).state == "approved"
    assert not Article.objects.filter(slug__in=["x", "y"]).exists()


def test_raw_sql_state_change_is_refused_by_the_database(approved_article):
    """The database refuses a state its action log does not record."""
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE articles_article SET state = 'draft' WHERE id = %s", [approved_article.pk]
        )
    assert Article.objects.get(pk=approved_article.pk).state == "approved"


def test_verify_audit_reports_a_raw_sql_state_change_that_got_past(approved_article, author):
    """A forged pointer to an old action passes the trigger but not verify_audit."""
    article = services.article_revise(article=approved_article.pk, by=author)
    approve = ActionLogEntry.objects.get(article=article, action="article.approve")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE articles_article SET state = 'approved', action_seq = %s WHERE id = %s",
            [approve.seq, article.pk],
        )
    findings = [str(f) for f in verify()]
    assert any("changed outside the workflow" in f for f in findings), findings
    assert any("changed without a trace" in f for f in findings), findings
    with pytest.raises(CommandError):
        call_command("verify_audit", "--article", article.slug, stdout=io.StringIO())


# --- 5. The timeline is what happened, in order ----------------------------------------------


def test_timeline_of_saves_spread_over_minutes_and_interleaved_is_exact(
    clock, article, author, other_author
):
    """Each reference change sits with its own save, whatever the clock says."""
    other = ArticleFactory(author=other_author)
    mine, theirs = browser(author), browser(other_author)

    def save(client, which, **kwargs):
        url = change_url(which)
        page = client.get(url).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = {**change_form_data(which, **kwargs), "csrfmiddlewaretoken": token}
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:2000]

    save(mine, article, body="First rewrite [1].")
    clock.advance(seconds=20)
    save(theirs, other, summary="Their summary.")
    clock.advance(seconds=10)
    save(mine, article, extra_reference={"position": 9, "title": "A trial of waiting"})
    clock.advance(minutes=5)
    save(theirs, other, extra_reference={"position": 9, "title": "Their own source"})
    clock.advance(seconds=5)
    save(mine, article, summary="Shorter.")

    events = history.build_timeline(Article.objects.get(pk=article.pk))
    mine_events = [(e.title, e.reference_notes, e.details.get("changed")) for e in events]
    assert [title for title, _, _ in mine_events][-3:] == ["Edited in admin"] * 3
    assert mine_events[-3][1] == []
    assert mine_events[-2][1] == ["added reference “A trial of waiting”"]
    assert mine_events[-1][1] == []
    assert all("Their own source" not in str(e.reference_notes) for e in events)
    # Each revision is the save its action names.
    revisions = [e.revision.number for e in events if e.revision]
    assert revisions == sorted(revisions) and len(set(revisions)) == len(revisions)


def test_automatic_reinvitation_is_attributed_to_the_system(
    article_under_review, author, member, editor, one_approval
):
    """Re-invitations on resubmission are the system's, not the author's."""
    decision_record(
        assignment=ReviewAssignment.objects.get(article=article_under_review),
        by=member.user,
        decision="request_changes",
        comment_to_author="Add the dose.",
        no_conflict=True,
    )
    services.article_submit(article=article_under_review.pk, by=author)
    entry = ActionLogEntry.objects.get(action="assignment.reinvite")
    assert entry.by_id is None
    page = (
        browser(editor)
        .get(reverse("admin:articles_article_timeline", args=[article_under_review.pk]))
        .content.decode()
    )
    assert "the system, automatically (on resubmission)" in page
    assert "hd-note" not in page  # no warning banner on opening a timeline


def test_action_filters_show_labels_not_code_names(approved_article, editor, member):
    """The audit and action-log filters read “Request changes”, not request_changes."""
    client = browser(editor)
    for name in ("articles_auditentry", "articles_actionlogentry"):
        page = client.get(reverse(f"admin:{name}_changelist")).content.decode()
        assert "Approve" in page
        assert ">approve<" not in page and ">start_review<" not in page


# --- verify_audit ------------------------------------------------------------------------------


def _rows(article):
    return list(ActionLogEntry.objects.filter(article=article).order_by("seq"))


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_verify_audit_finds_a_hand_edited_row(approved_article):
    """Changing a row's content breaks its hash."""
    row = _rows(approved_article)[1]
    _raw(
        "UPDATE articles_actionlogentry SET payload = %s WHERE id = %s",
        [json.dumps({"comment": "forged"}), row.pk],
    )
    assert any("was changed after it was written" in str(f) for f in verify())


def test_verify_audit_finds_a_deleted_row(approved_article):
    """Removing a row breaks the chain after it."""
    row = _rows(approved_article)[1]
    _raw("DELETE FROM articles_actionlogentry WHERE id = %s", [row.pk])
    findings = [str(f) for f in verify()]
    assert any("is missing" in f for f in findings), findings


def test_verify_audit_finds_a_swapped_pair(approved_article):
    """Two rows traded places: the chain no longer links."""
    first, second = _rows(approved_article)[1:3]
    _raw("UPDATE articles_actionlogentry SET seq = 100000 WHERE id = %s", [first.pk])
    _raw("UPDATE articles_actionlogentry SET seq = %s WHERE id = %s", [first.seq, second.pk])
    _raw("UPDATE articles_actionlogentry SET seq = %s WHERE id = %s", [second.seq, first.pk])
    findings = [str(f) for f in verify()]
    assert any("does not follow" in f or "was changed" in f for f in findings), findings


def test_verify_audit_is_silent_on_the_demo():
    """The demo's trail holds as written."""
    call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "no findings" in out.getvalue()


def test_verify_audit_is_silent_on_a_built_archive():
    """The benchmark's archive writes the trail the services would have written."""
    build_archive(articles=1000, out=lambda line: None)
    assert verify() == []


def test_export_carries_the_hashes_an_auditor_can_check_offline(approved_article, editor):
    """The JSON export's chain recomputes with the standard library alone."""
    response = browser(editor).get(
        reverse("admin:articles_article_export", args=[approved_article.pk, "json"])
    )
    document = json.loads(
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    chain = document["articles"][0]["action_log"]
    previous = ""
    for row in chain:
        content = {name: row[name] for name in row["hashed_fields"]}
        text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256(text.encode()).hexdigest() == row["row_hash"]
        assert row["prev_hash"] == previous
        previous = row["row_hash"]
    version = document["articles"][0]["events"]
    assert any(e["details"].get("published", {}).get("fingerprint") for e in version)


def test_backfill_writes_the_log_once_from_older_records(approved_article, author):
    """Records older than the log get one backfilled chain that verify_audit accepts."""
    services.article_revise(article=approved_article.pk, by=author)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM articles_actionlogentry")
        cursor.execute("DELETE FROM articles_actionlogchain")
    migration = importlib.import_module(
        "articles.migrations.0010_fingerprints_action_seq_and_guards"
    )
    migration.backfill(apps, types.SimpleNamespace(connection=connection))
    rows = ActionLogEntry.objects.filter(article=approved_article)
    assert rows.exists() and all(row.backfilled for row in rows)
    assert [r.action for r in rows.order_by("seq")][:2] == ["article.create", "article.references"]
    assert verify() == []
    migration.backfill(apps, types.SimpleNamespace(connection=connection))  # once only
    assert ActionLogEntry.objects.filter(article=approved_article).count() == rows.count()
