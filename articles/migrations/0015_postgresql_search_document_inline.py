"""PostgreSQL keeps each version's search document in the row, compressed.

A published version's row holds both answers in Markdown and in HTML, so it
is far over the 2 KB at which PostgreSQL moves values out to the table's
TOAST storage, and the search document (0008) was among the values moved.
Ranking a common word then fetched each matching document back from TOAST
through its index, one lookup per match: at 100,000 articles a question
with an everyday word ("fever", 50,000 matches) took 1.2 s to answer the
first time it was asked, and a page of results 0.6 s of it for reading the
documents alone.

With storage MAIN the document is compressed in place and the answers are
the values moved out instead; reading every document for that rank takes a
sixth of the time. The setting applies to rows as they are written, so the
column is added again with it (one rewrite of the table: about a minute per
100,000 versions, with the table locked) and its GIN index built again.
SQLite has its FTS5 table (0006) and is left alone.
"""

from importlib import import_module

from django.db import migrations

search = import_module("articles.migrations.0008_postgresql_search_document")


def _column(storage: str) -> list[str]:
    """Drop and add the document column, stored with ``storage``, and index it."""
    return [
        f"DROP INDEX IF EXISTS {search.INDEX}",
        f"ALTER TABLE {search.TABLE} DROP COLUMN IF EXISTS {search.COLUMN}",
        f"ALTER TABLE {search.TABLE} "
        f"ADD COLUMN {search.COLUMN} tsvector GENERATED ALWAYS AS ({search.DOCUMENT}) STORED, "
        f"ALTER COLUMN {search.COLUMN} SET STORAGE {storage}",
        f"CREATE INDEX {search.INDEX} ON {search.TABLE} USING gin ({search.COLUMN})",
    ]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in _column("MAIN"):
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in _column("EXTENDED"):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0014_article_provenance"),
    ]

    operations = [migrations.RunPython(forward, backward)]
