"""The audit trail exported as JSON and CSV, from the admin and from the command line."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from articles import history
from articles.services import article_retract, article_start_rereview, article_submit
from reviewers.models import ReviewAssignment
from tests.factories import ArticleFactory, decision_record
from tests.history.conftest import history_url
from tests.reviewers.helpers import assign_accepted

pytestmark = pytest.mark.django_db

STATEMENT = "I co-authored a trial cited in this article."


@pytest.fixture
def audited(approved_article, editor, second_member, due_date):
    """An approved article, a second reviewer's declared conflict, and a retraction.

    The conflict is declared in a re-review round opened for that purpose.
    """
    article_start_rereview(article=approved_article, by=editor)
    assign_accepted(article=approved_article, reviewer=second_member, by=editor, due_date=due_date)
    decision_record(
        assignment=ReviewAssignment.objects.get(article=approved_article, reviewer=second_member),
        by=second_member.user,
        decision="approve",
        conflict_declared=True,
        conflict_statement=STATEMENT,
    )
    article_retract(article=approved_article, by=editor, reason="Superseded by new guidance.")
    approved_article.refresh_from_db()
    return approved_article


def export_json(client, user, article) -> dict:
    client.force_login(user)
    response = client.get(history_url("export", article, "json"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return json.loads(response.content)


def export_csv(client, user, article) -> list[dict]:
    client.force_login(user)
    response = client.get(history_url("export", article, "csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_json_export_holds_every_event_in_order(client, editor, audited):
    """Revisions, transitions, assignments, decisions and the published version, oldest first."""
    document = export_json(client, editor, audited)
    (entry,) = document["articles"]
    events = entry["events"]
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    kinds = {e["kind"] for e in events}
    assert {"revision", "transition", "assignment", "decision", "retracted"} <= kinds
    transitions = [e["details"]["transition"] for e in events if e["details"].get("transition")]
    assert transitions == [
        "submit",
        "start_review",
        "approve",
        "start_rereview",
        "start_review",
        "retract",
    ]
    published = [e for e in events if e["version"]]
    assert [e["version"] for e in published] == [1]
    assert published[0]["details"]["published"]["approving_members"]
    assert entry["live_periods"][0]["ended_by"] == "retracted"
    revisions = [e["revision"] for e in events if e["revision"]]
    assert revisions == list(range(1, len(history.revisions(audited)) + 1))


def test_editor_export_carries_conflict_statements(client, editor, audited):
    """An editor's export states the conflict in full."""
    events = export_json(client, editor, audited)["articles"][0]["events"]
    conflicts = [e for e in events if e["conflict_declared"]]
    assert [e["conflict_statement"] for e in conflicts] == [STATEMENT]


def test_author_export_shows_the_recusal_but_not_the_statement(client, author, audited):
    """The author learns a member recused, not why."""
    events = export_json(client, author, audited)["articles"][0]["events"]
    (conflict,) = [e for e in events if e["conflict_declared"]]
    assert conflict["conflict_statement"] is None
    assert STATEMENT not in json.dumps(events)


def test_board_member_export_leaves_out_a_colleagues_review(client, member, audited):
    """A member sees their own decision, not a colleague's conflict or verdict."""
    events = export_json(client, member.user, audited)["articles"][0]["events"]
    reviewers = {e["details"]["reviewer"] for e in events if e["kind"] == "decision"}
    assert reviewers == {member.name}
    assert STATEMENT not in json.dumps(events)


def test_member_who_wrote_the_statement_reads_it(client, second_member, audited):
    """The member who declared the conflict sees their own statement."""
    events = export_json(client, second_member.user, audited)["articles"][0]["events"]
    assert [e["conflict_statement"] for e in events if e["conflict_declared"]] == [STATEMENT]


def test_csv_export_parses_back_to_the_same_events(client, editor, audited):
    """Each CSV row is one event of the JSON export, in the same order."""
    events = export_json(client, editor, audited)["articles"][0]["events"]
    rows = export_csv(client, editor, audited)
    assert [(r["at"], r["kind"], r["action"]) for r in rows] == [
        (e["at"], e["kind"], e["action"]) for e in events
    ]
    for row, event in zip(rows, events, strict=True):
        assert json.loads(row["details"]) == event["details"]
        assert row["comment"] == event["comment"]
    assert STATEMENT in {r["conflict_statement"] for r in rows}


def test_csv_cells_that_look_like_formulas_are_defused(client, author, article):
    """A comment starting with “=” reaches the spreadsheet as text."""
    article_submit(article=article, by=author, comment='=HYPERLINK("http://x")')
    rows = export_csv(client, author, article)
    assert '\'=HYPERLINK("http://x")' in {r["comment"] for r in rows}


def test_export_in_an_unknown_format_is_not_found(client, editor, article):
    """Only csv and json exist."""
    client.force_login(editor)
    assert client.get(history_url("export", article, "xlsx")).status_code == 404


def test_command_exports_one_article_as_json(audited):
    """``export_audit --article SLUG --format json`` prints that article's trail."""
    out = io.StringIO()
    call_command("export_audit", "--article", audited.slug, "--format", "json", stdout=out)
    document = json.loads(out.getvalue())
    assert [a["article"]["slug"] for a in document["articles"]] == [audited.slug]
    assert STATEMENT in out.getvalue()


def test_command_exports_every_article_as_csv_to_a_file(tmp_path, audited, other_author):
    """Without --article every article is exported, one CSV row per event."""
    other = ArticleFactory(author=other_author)
    target = tmp_path / "audit.csv"
    call_command("export_audit", "--format", "csv", "--output", str(target), stderr=io.StringIO())
    rows = list(csv.DictReader(target.open(encoding="utf-8", newline="")))
    assert {r["article"] for r in rows} == {audited.slug, other.slug}
    assert len(rows) == len(history.audit_records(audited)) + len(history.audit_records(other))


def test_command_refuses_an_unknown_article_and_an_existing_file(tmp_path, article):
    """Bad input gets a plain error, and an existing file is never overwritten."""
    with pytest.raises(CommandError, match="No article has the web address"):
        call_command("export_audit", "--article", "no-such-thing", stdout=io.StringIO())
    existing = tmp_path / "keep.json"
    existing.write_text("precious")
    with pytest.raises(CommandError, match="exists already"):
        call_command("export_audit", "--output", str(existing), stdout=io.StringIO())
    assert existing.read_text() == "precious"
