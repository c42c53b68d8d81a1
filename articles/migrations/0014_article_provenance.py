"""Provenance of an article's text: the generating system, model version and source.

On SQLite, adding a column rebuilds the table, which drops the triggers
migrations 0006 (search index), 0007 (live set generation), 0010 (no state
change without its action) and 0012 (the answers' vocabulary) put on it:
they are created again at the end.
"""

import re
from importlib import import_module

from django.db import migrations, models


def _sqlite_triggers() -> list[str]:
    search = import_module("articles.migrations.0006_sqlite_search_index")
    live_set = import_module("articles.migrations.0007_live_set_generation")
    guards = import_module("articles.migrations.0010_fingerprints_action_seq_and_guards")
    words = import_module("articles.migrations.0012_reader_search_synonyms_urgent_help")
    statements = [*search.CREATE, *live_set.SQLITE, *guards.SQLITE, *words.SQLITE]
    return [s for s in statements if "CREATE TRIGGER" in s]


def restore_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in _sqlite_triggers():
        name = re.search(r"CREATE TRIGGER (\w+)", statement).group(1)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0013_report_desk'),
    ]

    operations = [
        migrations.AddField(
            model_name='article',
            name='generator',
            field=models.CharField(blank=True, help_text='For machine-assisted or machine-generated text: the system that produced it, e.g. “Acme Drafting Pipeline”.', max_length=200, verbose_name='generating system'),
        ),
        migrations.AddField(
            model_name='article',
            name='generator_version',
            field=models.CharField(blank=True, help_text='The model and version that system used, e.g. “example-llm 2026-03”.', max_length=200, verbose_name='model version'),
        ),
        migrations.AddField(
            model_name='article',
            name='source_reference',
            field=models.CharField(blank=True, help_text="Optional: the reader question's id or address this answer responds to.", max_length=500, verbose_name='source of the question'),
        ),
        migrations.AddField(
            model_name='historicalarticle',
            name='generator',
            field=models.CharField(blank=True, help_text='For machine-assisted or machine-generated text: the system that produced it, e.g. “Acme Drafting Pipeline”.', max_length=200, verbose_name='generating system'),
        ),
        migrations.AddField(
            model_name='historicalarticle',
            name='generator_version',
            field=models.CharField(blank=True, help_text='The model and version that system used, e.g. “example-llm 2026-03”.', max_length=200, verbose_name='model version'),
        ),
        migrations.AddField(
            model_name='historicalarticle',
            name='source_reference',
            field=models.CharField(blank=True, help_text="Optional: the reader question's id or address this answer responds to.", max_length=500, verbose_name='source of the question'),
        ),
        migrations.AddField(
            model_name='publishedversion',
            name='generator',
            field=models.CharField(blank=True, max_length=200, verbose_name='generating system'),
        ),
        migrations.AddField(
            model_name='publishedversion',
            name='generator_version',
            field=models.CharField(blank=True, max_length=200, verbose_name='model version'),
        ),
        migrations.AddField(
            model_name='publishedversion',
            name='source_reference',
            field=models.CharField(blank=True, max_length=500, verbose_name='source of the question'),
        ),
        migrations.RunPython(restore_triggers, restore_triggers),
    ]
