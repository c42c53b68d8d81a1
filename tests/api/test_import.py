"""`manage.py import_drafts`: one draft per line, all or nothing per line, with a report."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from articles.models import Article, Reference
from tests.api.conftest import draft_body

pytestmark = pytest.mark.django_db


def write_lines(tmp_path, lines: list[str]) -> str:
    path = tmp_path / "drafts.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def run(path: str, integration) -> tuple[str, bool]:
    out = io.StringIO()
    try:
        call_command("import_drafts", path, "--integration", integration.name, stdout=out)
    except CommandError:
        return out.getvalue(), False
    return out.getvalue(), True


def test_import_with_a_malformed_middle_line_keeps_the_others(tmp_path, integration, topic):
    """A broken line in the middle is refused alone; the lines around it are imported."""
    first = draft_body(topic, title="First question?", slug="first")
    bad_reference = draft_body(topic, title="Second question?", slug="second")
    bad_reference["references"][1]["doi"] = "nonsense"
    last = draft_body(topic, title="Third question?", slug="third")
    path = write_lines(
        tmp_path,
        [json.dumps(first), '{"title": "cut off', json.dumps(bad_reference), json.dumps(last)],
    )
    report, ok = run(path, integration)
    assert not ok
    assert "line 2: refused, not JSON" in report
    assert "line 3: refused" in report and "references.1.doi" in report
    assert "2 created, 0 skipped, 2 refused." in report
    assert sorted(Article.objects.values_list("slug", flat=True)) == ["first", "third"]
    # Nothing of the refused line: no article, no stray reference.
    assert Reference.objects.count() == 4
    assert all(a.author == integration.account for a in Article.objects.all())


def test_import_skips_lines_whose_key_was_imported(tmp_path, integration, topic):
    """A line with an idempotency key already imported is skipped, not duplicated."""
    line = json.dumps({**draft_body(topic), "idempotency_key": "q-1"})
    path = write_lines(tmp_path, [line])
    assert run(path, integration)[1]
    report, ok = run(path, integration)
    assert ok
    assert "0 created, 1 skipped, 0 refused." in report
    assert Article.objects.count() == 1


def test_import_refuses_a_reused_key_with_another_draft(tmp_path, integration, topic):
    """The same key on a different draft is refused, as in the API."""
    write = [json.dumps({**draft_body(topic), "idempotency_key": "q-2"})]
    run(write_lines(tmp_path, write), integration)
    other = json.dumps({**draft_body(topic, title="Other?"), "idempotency_key": "q-2"})
    report, ok = run(write_lines(tmp_path, [other]), integration)
    assert not ok
    assert "used for another draft" in report


def test_import_unknown_integration_is_refused(tmp_path, db):
    """An unknown integration name stops the command before reading the file."""
    with pytest.raises(CommandError, match="No integration"):
        call_command("import_drafts", str(tmp_path / "x.jsonl"), "--integration", "Nobody")
