"""The live set's generation, raised by the database itself (see LiveSetGeneration).

Triggers on articles_article raise it whenever a row's live_version_id
changes, or a row with a live version comes or goes, in the writing
transaction: no code path can move a live pointer without it.
"""

from django.db import migrations, models

TABLE = "articles_livesetgeneration"
BUMP_SQLITE = f"""
    INSERT INTO {TABLE} (id, value, changed_at)
    VALUES (1, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'))
    ON CONFLICT (id) DO UPDATE
    SET value = value + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now');
"""
SQLITE = [
    f"""CREATE TRIGGER articles_live_set_update AFTER UPDATE OF live_version_id
        ON articles_article WHEN new.live_version_id IS NOT old.live_version_id
        BEGIN {BUMP_SQLITE} END""",
    f"""CREATE TRIGGER articles_live_set_insert AFTER INSERT ON articles_article
        WHEN new.live_version_id IS NOT NULL BEGIN {BUMP_SQLITE} END""",
    f"""CREATE TRIGGER articles_live_set_delete AFTER DELETE ON articles_article
        WHEN old.live_version_id IS NOT NULL BEGIN {BUMP_SQLITE} END""",
]
POSTGRESQL = [
    f"""CREATE FUNCTION articles_live_set_bump() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {TABLE} (id, value, changed_at) VALUES (1, 1, clock_timestamp())
        ON CONFLICT (id) DO UPDATE
        SET value = {TABLE}.value + 1, changed_at = clock_timestamp();
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER articles_live_set_update AFTER UPDATE OF live_version_id
        ON articles_article FOR EACH ROW
        WHEN (new.live_version_id IS DISTINCT FROM old.live_version_id)
        EXECUTE FUNCTION articles_live_set_bump()""",
    """CREATE TRIGGER articles_live_set_insert AFTER INSERT ON articles_article
        FOR EACH ROW WHEN (new.live_version_id IS NOT NULL)
        EXECUTE FUNCTION articles_live_set_bump()""",
    """CREATE TRIGGER articles_live_set_delete AFTER DELETE ON articles_article
        FOR EACH ROW WHEN (old.live_version_id IS NOT NULL)
        EXECUTE FUNCTION articles_live_set_bump()""",
]
TRIGGERS = ("articles_live_set_update", "articles_live_set_insert", "articles_live_set_delete")


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(vendor, []):
        schema_editor.execute(statement)
    apps.get_model("articles", "LiveSetGeneration").objects.using(
        schema_editor.connection.alias
    ).create(id=1, value=1)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name in TRIGGERS:
        if vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON articles_article")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS articles_live_set_bump()")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_sqlite_search_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="LiveSetGeneration",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(
                        default=1, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("value", models.BigIntegerField(default=0)),
                ("changed_at", models.DateTimeField(null=True)),
            ],
            options={
                "verbose_name": "live set generation",
            },
        ),
        migrations.RunPython(create, drop),
    ]
