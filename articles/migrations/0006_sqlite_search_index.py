"""Full-text search index for published versions on SQLite (FTS5).

PostgreSQL has its GIN index (0004). On SQLite an FTS5 table indexes the
same columns, kept up to date by triggers, so every way a version is written
(the workflow, bulk loads) is indexed. Published versions are written once;
the delete trigger keeps the index right when a test database is flushed.
"""

from django.db import migrations

TABLE = "articles_publishedversion_fts"
COLUMNS = "title, summary, topic_name, body_source, plain_body_source"
NEW = ", ".join(f"new.{c.strip()}" for c in COLUMNS.split(","))
OLD = ", ".join(f"old.{c.strip()}" for c in COLUMNS.split(","))

CREATE = [
    f"""CREATE VIRTUAL TABLE {TABLE} USING fts5({COLUMNS},
        content='articles_publishedversion', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    f"""CREATE TRIGGER {TABLE}_insert AFTER INSERT ON articles_publishedversion BEGIN
        INSERT INTO {TABLE}(rowid, {COLUMNS}) VALUES (new.id, {NEW});
    END""",
    f"""CREATE TRIGGER {TABLE}_delete AFTER DELETE ON articles_publishedversion BEGIN
        INSERT INTO {TABLE}({TABLE}, rowid, {COLUMNS}) VALUES ('delete', old.id, {OLD});
    END""",
    f"""CREATE TRIGGER {TABLE}_update AFTER UPDATE ON articles_publishedversion BEGIN
        INSERT INTO {TABLE}({TABLE}, rowid, {COLUMNS}) VALUES ('delete', old.id, {OLD});
        INSERT INTO {TABLE}(rowid, {COLUMNS}) VALUES (new.id, {NEW});
    END""",
    f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')",
]
DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_update",
    f"DROP TRIGGER IF EXISTS {TABLE}_delete",
    f"DROP TRIGGER IF EXISTS {TABLE}_insert",
    f"DROP TABLE IF EXISTS {TABLE}",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0005_bench_indexes"),
    ]

    operations = [migrations.RunPython(create, drop)]
