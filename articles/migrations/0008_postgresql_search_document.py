"""PostgreSQL keeps each published version's search document in a column.

Until now the GIN index of 0004 was built on the weighted document
expression, so finding the matches was quick, but ranking them computed the
document again, from both long answers, for every match: half a second for
a common word at 100,000 articles. A stored generated column holds the same
document (title A; summary and topic B; both answers C), the index moves to
it, and ranking reads it. Published versions are written once, so the column
costs nothing after the insert.

Adding the column rewrites the table: about a minute per 100,000 versions,
during which the table is locked. SQLite has its FTS5 table (0006) and is
left alone.
"""

from django.db import migrations

TABLE = "articles_publishedversion"
COLUMN = "search_document"
INDEX = "published_version_search_document"
OLD_INDEX = "published_version_search"


def _weighted(columns: str, weight: str) -> str:
    text = " || ' ' || ".join(f"coalesce({column}, '')" for column in columns.split())
    return f"setweight(to_tsvector('english'::regconfig, {text}), '{weight}')"


DOCUMENT = " || ".join(
    [
        _weighted("title", "A"),
        _weighted("summary topic_name", "B"),
        _weighted("body_source plain_body_source", "C"),
    ]
)
FORWARD = [
    f"ALTER TABLE {TABLE} ADD COLUMN {COLUMN} tsvector GENERATED ALWAYS AS ({DOCUMENT}) STORED",
    f"CREATE INDEX {INDEX} ON {TABLE} USING gin ({COLUMN})",
    f"DROP INDEX IF EXISTS {OLD_INDEX}",
]
BACKWARD = [
    f"DROP INDEX IF EXISTS {INDEX}",
    f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS {COLUMN}",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in FORWARD:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in BACKWARD:
        schema_editor.execute(statement)
    # The expression index of 0004, as it was.
    from importlib import import_module

    search = import_module("articles.migrations.0004_public_search_and_reports")
    search.add_search_index(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_live_set_generation"),
    ]

    operations = [migrations.RunPython(forward, backward)]
