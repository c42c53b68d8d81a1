"""Search that reads questions: synonyms, a vocabulary for "did you mean", urgent help.

- ``SearchSynonym``: readers' words the editors map to the answers' terms,
  seeded with a short list. Triggers raise the live set's generation on
  every change of a synonym, so cached search pages (keyed by it) follow.
- The vocabulary of published answers, for suggestions. PostgreSQL: the
  ``pg_trgm`` extension and a table of words with a trigram index, filled by
  a trigger on every new published version. SQLite: an unstemmed FTS5 index
  of the same columns (``detail=none``: words and rows only, small) read
  through an ``fts5vocab`` table. Both are built from the versions already
  published; at 100,000 versions that takes about a minute.
- "When to get help urgently": a reviewable field of the working copy,
  frozen on each published version.
"""

import articles.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


GENERATION = "articles_livesetgeneration"
SYNONYMS = "articles_searchsynonym"
VERSIONS = "articles_publishedversion"
COLUMNS = "title, summary, topic_name, body_source, plain_body_source"
NEW = ", ".join(f"new.{c.strip()}" for c in COLUMNS.split(","))
OLD = ", ".join(f"old.{c.strip()}" for c in COLUMNS.split(","))

SQLITE_WORDS = "articles_publishedversion_words"
SQLITE_BUMP = f"""
    INSERT INTO {GENERATION} (id, value, changed_at)
    VALUES (1, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'))
    ON CONFLICT (id) DO UPDATE
    SET value = value + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now');
"""
SQLITE = [
    f"""CREATE VIRTUAL TABLE {SQLITE_WORDS} USING fts5({COLUMNS},
        content='{VERSIONS}', content_rowid='id', detail=none,
        tokenize='unicode61 remove_diacritics 2')""",
    f"""CREATE VIRTUAL TABLE {SQLITE_WORDS}_vocab USING fts5vocab({SQLITE_WORDS}, 'row')""",
    f"""CREATE TRIGGER {SQLITE_WORDS}_insert AFTER INSERT ON {VERSIONS} BEGIN
        INSERT INTO {SQLITE_WORDS}(rowid, {COLUMNS}) VALUES (new.id, {NEW});
    END""",
    f"""CREATE TRIGGER {SQLITE_WORDS}_delete AFTER DELETE ON {VERSIONS} BEGIN
        INSERT INTO {SQLITE_WORDS}({SQLITE_WORDS}, rowid, {COLUMNS})
        VALUES ('delete', old.id, {OLD});
    END""",
    f"""CREATE TRIGGER {SQLITE_WORDS}_update AFTER UPDATE ON {VERSIONS} BEGIN
        INSERT INTO {SQLITE_WORDS}({SQLITE_WORDS}, rowid, {COLUMNS})
        VALUES ('delete', old.id, {OLD});
        INSERT INTO {SQLITE_WORDS}(rowid, {COLUMNS}) VALUES (new.id, {NEW});
    END""",
    f"INSERT INTO {SQLITE_WORDS}({SQLITE_WORDS}) VALUES ('rebuild')",
    *(
        f"""CREATE TRIGGER articles_search_synonym_{event.lower()} AFTER {event}
            ON {SYNONYMS} BEGIN {SQLITE_BUMP} END"""
        for event in ("INSERT", "UPDATE", "DELETE")
    ),
]
SQLITE_DROP = [
    *(
        f"DROP TRIGGER IF EXISTS articles_search_synonym_{e}"
        for e in ("insert", "update", "delete")
    ),
    *(f"DROP TRIGGER IF EXISTS {SQLITE_WORDS}_{e}" for e in ("insert", "update", "delete")),
    f"DROP TABLE IF EXISTS {SQLITE_WORDS}_vocab",
    f"DROP TABLE IF EXISTS {SQLITE_WORDS}",
]

PG_WORDS = "articles_searchword"
# Words of three to thirty letters, unstemmed: what a reader could have meant.
PG_DOCUMENT = " || ' ' || ".join(f"coalesce({{row}}{c.strip()}, '')" for c in COLUMNS.split(","))
PG_LEXEMES = (
    "SELECT lexeme FROM unnest(to_tsvector('simple'::regconfig, {document})) "
    "WHERE lexeme ~ '^[[:alpha:]]{{3,30}}$'"
)
POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"""CREATE TABLE {PG_WORDS} (
        word text PRIMARY KEY,
        documents integer NOT NULL DEFAULT 0
    )""",
    f"CREATE INDEX {PG_WORDS}_trigram ON {PG_WORDS} USING gin (word gin_trgm_ops)",
    f"""CREATE FUNCTION {PG_WORDS}_add() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- In word order, so two approvals at once take the rows' locks alike.
        INSERT INTO {PG_WORDS} (word, documents)
        SELECT lexeme, 1 FROM ({PG_LEXEMES.format(document=PG_DOCUMENT.format(row="new."))}) AS w
        ORDER BY lexeme
        ON CONFLICT (word) DO UPDATE SET documents = {PG_WORDS}.documents + 1;
        RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER {PG_WORDS}_add AFTER INSERT ON {VERSIONS}
        FOR EACH ROW EXECUTE FUNCTION {PG_WORDS}_add()""",
    f"""INSERT INTO {PG_WORDS} (word, documents)
        SELECT w.lexeme, count(*) FROM {VERSIONS} AS v,
        LATERAL ({PG_LEXEMES.format(document=PG_DOCUMENT.format(row="v."))}) AS w
        GROUP BY w.lexeme""",
    # The live set's trigger function (0007) serves the synonyms too.
    f"""CREATE TRIGGER articles_search_synonym_change AFTER INSERT OR UPDATE OR DELETE
        ON {SYNONYMS} FOR EACH STATEMENT EXECUTE FUNCTION articles_live_set_bump()""",
]
POSTGRESQL_DROP = [
    f"DROP TRIGGER IF EXISTS articles_search_synonym_change ON {SYNONYMS}",
    f"DROP TRIGGER IF EXISTS {PG_WORDS}_add ON {VERSIONS}",
    f"DROP FUNCTION IF EXISTS {PG_WORDS}_add()",
    f"DROP TABLE IF EXISTS {PG_WORDS}",
]


def restore_sqlite_triggers(schema_editor):
    """Create again the triggers that adding this migration's fields dropped.

    SQLite cannot add a NOT NULL column with a default in place: Django
    copies the table into a new one, and the triggers of 0006 (search index)
    0007 (live set generation) and 0010 (no state change without its action)
    go with the old table. The FTS5 table
    itself survives, keyed by the same ids.
    """
    from importlib import import_module

    fts = import_module("articles.migrations.0006_sqlite_search_index")
    live = import_module("articles.migrations.0007_live_set_generation")
    for name in ("insert", "delete", "update"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {fts.TABLE}_{name}")
    guards = import_module("articles.migrations.0010_fingerprints_action_seq_and_guards")
    for name in (*live.TRIGGERS, *guards.TRIGGERS):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in [*fts.CREATE[1:4], *live.SQLITE, *guards.SQLITE]:
        schema_editor.execute(statement)


def create_search_support(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        restore_sqlite_triggers(schema_editor)
    for statement in {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(vendor, []):
        schema_editor.execute(statement)


def drop_search_support(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}.get(vendor, []):
        schema_editor.execute(statement)


# (readers' words, the answers' term, why): a first list the editors extend.
SEED_SYNONYMS = [
    ("tylenol, acetaminophen, calpol", "paracetamol", "Brand and US names for paracetamol."),
    ("advil, nurofen, motrin, brufen", "ibuprofen", "Brand names for ibuprofen."),
    ("kids, kid, youngsters", "children", "Everyday words for children."),
    ("feverish, febrile, pyrexia, high temperature", "fever", "Words for having a fever."),
    ("milk spots, milk spot", "milia", "The everyday name of milia."),
    ("verruca, verrucae", "wart", "A wart on the sole of the foot."),
    (
        "strep throat, tonsillitis, pharyngitis, throat infection",
        "sore throat",
        "Names readers use for a sore throat.",
    ),
    ("myalgia, muscle ache, muscle aches, aching muscles", "muscle pain", "Muscle symptoms."),
    (
        "lipitor, cholesterol tablets, cholesterol pills, cholesterol medicine",
        "statin",
        "Readers name statins by brand or by what they do.",
    ),
    ("infant, infants, newborn baby", "baby", "Words for a baby."),
    ("cough syrup, cough mixture, cough medicine", "cough", "Remedies readers look for."),
]


EDITOR_PERMISSIONS = [
    "add_searchsynonym",
    "change_searchsynonym",
    "delete_searchsynonym",
    "view_searchsynonym",
]


def grant_editors(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors = Group.objects.filter(name="Editors").first()
    if editors is not None:
        editors.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="articles", codename__in=EDITOR_PERMISSIONS
            )
        )


def seed_synonyms(apps, schema_editor):
    SearchSynonym = apps.get_model("articles", "SearchSynonym")
    for words, term, note in SEED_SYNONYMS:
        SearchSynonym.objects.using(schema_editor.connection.alias).create(
            words=words, term=term, note=note
        )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0011_rate_limit_counts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchSynonym",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "words",
                    models.CharField(
                        help_text="What readers type, separated by commas, e.g. “tylenol, acetaminophen”. A word or a few words each; capitals do not matter.",
                        max_length=300,
                        verbose_name="readers' words",
                    ),
                ),
                (
                    "term",
                    models.CharField(
                        help_text="The word or words our answers use for the same thing, e.g. “paracetamol”. A search for any of the readers' words also finds answers that use this term.",
                        max_length=100,
                        verbose_name="term in our answers",
                    ),
                ),
                (
                    "note",
                    models.CharField(
                        blank=True,
                        help_text="Optional: why this synonym is here, or where it came from.",
                        max_length=300,
                        verbose_name="note for editors",
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
            ],
            options={
                "verbose_name": "search synonym",
                "verbose_name_plural": "search synonyms",
                "ordering": ["term", "words"],
            },
        ),
        migrations.AddField(
            model_name="article",
            name="urgent_help",
            field=models.TextField(
                blank=True,
                help_text="Optional. The warning signs that mean a reader should get medical help at once, and where (e.g. “Call 999 if your child has a fit.”). Shown in a box beside the answer and reviewed by the board with the text.",
                max_length=2000,
                validators=[articles.validators.body_is_renderable],
                verbose_name="when to get help urgently",
            ),
        ),
        migrations.AddField(
            model_name="historicalarticle",
            name="urgent_help",
            field=models.TextField(
                blank=True,
                help_text="Optional. The warning signs that mean a reader should get medical help at once, and where (e.g. “Call 999 if your child has a fit.”). Shown in a box beside the answer and reviewed by the board with the text.",
                max_length=2000,
                validators=[articles.validators.body_is_renderable],
                verbose_name="when to get help urgently",
            ),
        ),
        migrations.AddField(
            model_name="publishedversion",
            name="urgent_help_html",
            field=models.TextField(blank=True, verbose_name="rendered “when to get help urgently”"),
        ),
        migrations.AddField(
            model_name="publishedversion",
            name="urgent_help_source",
            field=models.TextField(
                blank=True, verbose_name="approved “when to get help urgently” Markdown"
            ),
        ),
        migrations.CreateModel(
            name="HistoricalSearchSynonym",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "words",
                    models.CharField(
                        help_text="What readers type, separated by commas, e.g. “tylenol, acetaminophen”. A word or a few words each; capitals do not matter.",
                        max_length=300,
                        verbose_name="readers' words",
                    ),
                ),
                (
                    "term",
                    models.CharField(
                        help_text="The word or words our answers use for the same thing, e.g. “paracetamol”. A search for any of the readers' words also finds answers that use this term.",
                        max_length=100,
                        verbose_name="term in our answers",
                    ),
                ),
                (
                    "note",
                    models.CharField(
                        blank=True,
                        help_text="Optional: why this synonym is here, or where it came from.",
                        max_length=300,
                        verbose_name="note for editors",
                    ),
                ),
                (
                    "updated_at",
                    models.DateTimeField(blank=True, editable=False, verbose_name="updated at"),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.TextField(null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical search synonym",
                "verbose_name_plural": "historical search synonyms",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(create_search_support, drop_search_support),
        migrations.RunPython(seed_synonyms, migrations.RunPython.noop),
        migrations.RunPython(grant_editors, migrations.RunPython.noop),
    ]
