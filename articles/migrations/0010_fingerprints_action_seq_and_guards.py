"""Fingerprints, the action log's backfill, and the database's guard on article states.

Adds the published version's fingerprint and the article's ``action_seq``
(the action-log row that last saved it, copied into each history row), then
once writes the action log for everything recorded before it existed, from
the history, the audit entries, assignments, decisions and versions. Each
backfilled row says ``backfilled: true``; a published version gets the
fingerprint of the text it froze, and the approvals that published it name
that fingerprint (``"fingerprint_inferred": true`` in the row's payload).

Last, triggers on both databases refuse to change an article's state, or to
insert an article beyond a draft, unless the action-log row named by its
``action_seq`` records that very state: a state change the log does not
record cannot be written, even in raw SQL, without also forging a row,
which ``manage.py verify_audit`` then finds in the broken hash chain.

The hashing is frozen here (the canonical form of articles.actionlog and
articles.fingerprints as of this migration) rather than imported.
"""

import datetime
import hashlib
import importlib
import json

from django.db import migrations, models


HASHED = (
    "chain",
    "seq",
    "at",
    "by",
    "action",
    "article",
    "from_state",
    "to_state",
    "fingerprint",
    "payload",
    "backfilled",
    "prev_hash",
)
REFERENCE_FIELDS = ("authors", "title", "journal", "year", "pmid", "doi", "url")
SAVES_ARTICLE = {"article.create", "article.edit", "article.restore"}


def _canonical(row):
    content = {name: row[name] for name in HASHED}
    content["at"] = content["at"].astimezone(datetime.UTC).isoformat()
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _plain(payload):
    return json.loads(json.dumps(payload, default=str, sort_keys=True))


def _fingerprint(fields, references):
    content = {
        "fields": {name: fields[name] for name in sorted(fields) if fields[name]},
        "references": [{name: ref.get(name) for name in REFERENCE_FIELDS} for ref in references],
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _version_fingerprint(version):
    return _fingerprint(
        {
            "title": version.title,
            "body": version.body_source,
            "plain_body": version.plain_body_source,
        },
        list(version.references),
    )


def _write_chain(apps, key, rows, alias):
    """Number, hash and store one chain's rows (already in order)."""
    Entry = apps.get_model("articles", "ActionLogEntry")
    Chain = apps.get_model("articles", "ActionLogChain")
    previous = ""
    entries = []
    for seq, row in enumerate(rows, start=1):
        row.update(chain=key, seq=seq, prev_hash=previous, backfilled=True)
        row["payload"] = _plain(row.get("payload") or {})
        for name in ("from_state", "to_state", "fingerprint"):
            row.setdefault(name, "")
        row["row_hash"] = hashlib.sha256(_canonical(row)).hexdigest()
        previous = row["row_hash"]
        entries.append(
            Entry(
                chain=key,
                seq=seq,
                at=row["at"],
                by_id=row["by"],
                action=row["action"],
                article_id=row["article"],
                from_state=row["from_state"],
                to_state=row["to_state"],
                fingerprint=row["fingerprint"],
                payload=row["payload"],
                backfilled=True,
                prev_hash=row["prev_hash"],
                row_hash=row["row_hash"],
            )
        )
    Entry.objects.using(alias).bulk_create(entries, batch_size=500)
    Chain.objects.using(alias).create(key=key, length=len(rows), head_hash=previous)


def _article_rows(apps, article, alias):
    """The rows an article's past makes, in time order, each history row marked."""
    HistoricalArticle = apps.get_model("articles", "HistoricalArticle")
    HistoricalReference = apps.get_model("articles", "HistoricalReference")
    AuditEntry = apps.get_model("articles", "AuditEntry")
    Version = apps.get_model("articles", "PublishedVersion")
    HistoricalAssignment = apps.get_model("reviewers", "HistoricalReviewAssignment")
    Decision = apps.get_model("reviewers", "ReviewDecision")

    rows = []  # (at, order, row, history_id or None)
    versions = list(Version.objects.using(alias).filter(article_id=article.pk).order_by("number"))
    by_round = {}
    for version in versions:
        value = _version_fingerprint(version)
        Version._base_manager.using(alias).filter(pk=version.pk).update(fingerprint=value)
        version.fingerprint = value
        by_round[version.review_round] = version
    audits = list(
        AuditEntry.objects.using(alias).filter(article_id=article.pk).order_by("at", "id")
    )
    history = list(
        HistoricalArticle.objects.using(alias).filter(id=article.pk).order_by("history_id")
    )
    previous_state = None
    for h in history:
        row = {"at": h.history_date, "by": h.history_user_id, "article": article.pk}
        audit = None
        if h.history_type != "+" and h.state != previous_state:
            audit = next(
                (a for a in audits if a.to_state == h.state and a.from_state == previous_state),
                None,
            )
        if h.history_type == "+":
            row.update(action="article.create", to_state=h.state, payload={"title": h.title})
        elif audit is not None:
            audits.remove(audit)
            payload = {"comment": audit.comment}
            version = next((v for v in versions if v.pk == h.live_version_id), None)
            if audit.transition == "approve" and version is not None:
                payload["version"] = version.number
                row["fingerprint"] = version.fingerprint
            row.update(
                action=f"article.{audit.transition}",
                by=audit.by_id,
                from_state=audit.from_state,
                to_state=audit.to_state,
                payload=payload,
            )
        elif (h.history_change_reason or "").startswith("Restored from revision"):
            row.update(action="article.restore", from_state=h.state, to_state=h.state)
            row["payload"] = {"reason": h.history_change_reason}
        else:
            row.update(action="article.edit", from_state=h.state, to_state=h.state)
            row["payload"] = {"reason": h.history_change_reason or ""}
        previous_state = h.state
        rows.append((h.history_date, 0, row, h.history_id))
    for audit in audits:  # entries whose save the history lacks
        rows.append(
            (
                audit.at,
                1,
                {
                    "at": audit.at,
                    "by": audit.by_id,
                    "article": article.pk,
                    "action": f"article.{audit.transition}",
                    "from_state": audit.from_state,
                    "to_state": audit.to_state,
                    "payload": {"comment": audit.comment},
                },
                None,
            )
        )
    for ref in (
        HistoricalReference.objects.using(alias)
        .filter(article_id=article.pk)
        .order_by("history_id")
    ):
        verb = {"+": "added", "-": "removed"}.get(ref.history_type, "changed")
        rows.append(
            (
                ref.history_date,
                2,
                {
                    "at": ref.history_date,
                    "by": ref.history_user_id,
                    "article": article.pk,
                    "action": "article.references",
                    "from_state": article.state,
                    "to_state": article.state,
                    "payload": {"notes": [f"{verb} reference “{ref.title[:80]}”"]},
                },
                None,
            )
        )
    last_status = {}
    for a in (
        HistoricalAssignment.objects.using(alias)
        .filter(article_id=article.pk)
        .order_by("history_id")
    ):
        before = last_status.get(a.id)
        last_status[a.id] = a.status
        if a.history_type == "+":
            action = "assignment.create"
        elif a.status != before and a.status != "completed":
            action = {
                "open": "assignment.accept",
                "declined": "assignment.decline",
                "cancelled": "assignment.cancel",
                "closed": "assignment.close",
            }.get(a.status, "assignment.change")
        else:
            continue
        rows.append(
            (
                a.history_date,
                3,
                {
                    "at": a.history_date,
                    "by": a.history_user_id,
                    "article": article.pk,
                    "action": action,
                    "payload": {
                        "assignment": a.id,
                        "member": a.reviewer_id,
                        "round": a.round,
                        "status": a.status,
                        "due_date": a.due_date,
                        "reason": a.history_change_reason or "",
                    },
                },
                None,
            )
        )
    for d in (
        Decision.objects.using(alias)
        .filter(assignment__article_id=article.pk)
        .select_related("assignment")
    ):
        payload = {
            "decision_id": d.pk,
            "assignment": d.assignment_id,
            "member": d.assignment.reviewer_id,
            "decision": d.decision,
            "revision": d.reviewed_revision,
            "round": d.assignment.round,
            "conflict_declared": d.conflict_declared,
        }
        version = by_round.get(d.assignment.round)
        if not d.fingerprint and d.decision == "approve" and version is not None:
            Decision._base_manager.using(alias).filter(pk=d.pk).update(
                fingerprint=version.fingerprint
            )
            d.fingerprint = version.fingerprint
            payload["fingerprint_inferred"] = True
        rows.append(
            (
                d.recorded_at,
                4,
                {
                    "at": d.recorded_at,
                    "by": d.recorded_by_id,
                    "article": article.pk,
                    "action": "decision.record",
                    "fingerprint": d.fingerprint,
                    "payload": payload,
                },
                None,
            )
        )
    rows.sort(key=lambda item: (item[0], item[1]))
    return rows


def backfill(apps, schema_editor):
    alias = schema_editor.connection.alias
    Article = apps.get_model("articles", "Article")
    HistoricalArticle = apps.get_model("articles", "HistoricalArticle")
    Entry = apps.get_model("articles", "ActionLogEntry")
    if Entry.objects.using(alias).exists():  # pragma: no cover - runs once
        return
    for article in Article._base_manager.using(alias).order_by("pk").iterator():
        rows = _article_rows(apps, article, alias)
        if not rows:
            continue
        _write_chain(apps, f"article-{article.pk}", [row for _, _, row, _ in rows], alias)
        last = 0
        for seq, (_, _, row, history_id) in enumerate(rows, start=1):
            if history_id is not None:
                HistoricalArticle._base_manager.using(alias).filter(history_id=history_id).update(
                    action_seq=seq
                )
            if row["action"] in SAVES_ARTICLE or (
                row["action"].startswith("article.") and row["action"] != "article.references"
            ):
                last = seq
        Article._base_manager.using(alias).filter(pk=article.pk).update(action_seq=last)
    site = []
    for app, model, action in (
        ("articles", "HistoricalTopic", "policy.topic"),
        ("reviewers", "HistoricalBoardMember", "member.credentials"),
        ("reviewers", "HistoricalReminderRule", "policy.reminder_rule"),
    ):
        for h in apps.get_model(app, model).objects.using(alias).order_by("history_id"):
            site.append(
                {
                    "at": h.history_date,
                    "by": h.history_user_id,
                    "article": None,
                    "action": action,
                    "payload": {
                        "id": h.id,
                        "change": {"+": "created", "-": "deleted"}.get(h.history_type, "changed"),
                        "reason": h.history_change_reason or "",
                    },
                }
            )
    if site:
        site.sort(key=lambda row: row["at"])
        _write_chain(apps, "site", site, alias)


# The action-log row the article's action_seq names must record its state.
SQLITE_CHECK = """
    SELECT RAISE(ABORT, 'An article''s state changes only through the workflow services, which record it in the action log (articles.services).')
    WHERE NOT EXISTS (
        SELECT 1 FROM articles_actionlogentry
        WHERE chain = 'article-' || new.id AND seq = new.action_seq AND to_state = new.state
    );
"""
SQLITE = [
    f"""CREATE TRIGGER articles_state_needs_action_update BEFORE UPDATE OF state
        ON articles_article WHEN new.state IS NOT old.state BEGIN {SQLITE_CHECK} END""",
    f"""CREATE TRIGGER articles_state_needs_action_insert BEFORE INSERT ON articles_article
        WHEN new.state <> 'draft' BEGIN {SQLITE_CHECK} END""",
]
POSTGRESQL = [
    """CREATE FUNCTION articles_state_needs_action() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT EXISTS (
            SELECT 1 FROM articles_actionlogentry
            WHERE chain = 'article-' || new.id AND seq = new.action_seq AND to_state = new.state
        ) THEN
            RAISE EXCEPTION 'An article''s state changes only through the workflow services, '
                'which record it in the action log (articles.services).'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN new;
    END $$""",
    """CREATE TRIGGER articles_state_needs_action_update BEFORE UPDATE OF state
        ON articles_article FOR EACH ROW WHEN (new.state IS DISTINCT FROM old.state)
        EXECUTE FUNCTION articles_state_needs_action()""",
    """CREATE TRIGGER articles_state_needs_action_insert BEFORE INSERT ON articles_article
        FOR EACH ROW WHEN (new.state <> 'draft')
        EXECUTE FUNCTION articles_state_needs_action()""",
]
TRIGGERS = ("articles_state_needs_action_update", "articles_state_needs_action_insert")


def restore_sqlite_triggers(apps, schema_editor):
    """Put back the triggers SQLite lost when adding the columns rebuilt the tables.

    SQLite adds a NOT NULL column by copying the table, and dropping the old
    table drops its triggers: the live set's (0007) and the search index's (0006).
    """
    if schema_editor.connection.vendor != "sqlite":
        return
    search = importlib.import_module("articles.migrations.0006_sqlite_search_index")
    live_set = importlib.import_module("articles.migrations.0007_live_set_generation")
    statements = [
        *(x for x in search.CREATE if x.lstrip().upper().startswith("CREATE TRIGGER")),
        *live_set.SQLITE,
    ]
    for statement in statements:
        name = statement.split()[2]
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        schema_editor.execute(statement)


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(vendor, []):
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name in TRIGGERS:
        if vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON articles_article")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS articles_state_needs_action()")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_action_log"),
        ("reviewers", "0005_decision_fingerprint_and_credentials"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="action_seq",
            field=models.PositiveIntegerField(
                default=0,
                editable=False,
                help_text="Position in the article's action log of the action that last saved it; each revision in the history names the action that made it.",
                verbose_name="last action",
            ),
        ),
        migrations.AddField(
            model_name="historicalarticle",
            name="action_seq",
            field=models.PositiveIntegerField(
                default=0,
                editable=False,
                help_text="Position in the article's action log of the action that last saved it; each revision in the history names the action that made it.",
                verbose_name="last action",
            ),
        ),
        migrations.AddField(
            model_name="publishedversion",
            name="fingerprint",
            field=models.CharField(
                blank=True,
                help_text="SHA-256 of the approved text and references; every counted approval names it. Empty for versions approved before fingerprints were kept.",
                max_length=64,
                verbose_name="content fingerprint",
            ),
        ),
        migrations.RunPython(restore_sqlite_triggers, migrations.RunPython.noop),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
