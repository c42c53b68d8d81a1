"""The database's own guards exist after ``migrate``, each under its name.

Triggers live outside Django's model state: ``makemigrations`` cannot see
one go missing, and SQLite drops a table's triggers whenever a migration
rebuilds that table (which is why 0010, 0012 and 0014 create them again).
These tests list what a freshly migrated database holds.
"""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

SQLITE_TRIGGERS = {
    # 0007: a bulk write to the live set still moves the public pages' cache key.
    "articles_live_set_insert",
    "articles_live_set_update",
    "articles_live_set_delete",
    # 0006: the FTS5 index of published versions follows the table.
    "articles_publishedversion_fts_insert",
    "articles_publishedversion_fts_update",
    "articles_publishedversion_fts_delete",
    # 0012: the words index for reader search; a change of synonyms moves the cache key too.
    "articles_publishedversion_words_insert",
    "articles_publishedversion_words_update",
    "articles_publishedversion_words_delete",
    "articles_search_synonym_insert",
    "articles_search_synonym_update",
    "articles_search_synonym_delete",
    # 0010: an article's state changes only with its action-log entry.
    "articles_state_needs_action_insert",
    "articles_state_needs_action_update",
}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's triggers")
def test_migrated_sqlite_database_has_every_trigger():
    """All fourteen triggers the migrations create are there, and no other."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        names = {name for (name,) in cursor.fetchall()}

    assert names == SQLITE_TRIGGERS


POSTGRESQL_TRIGGERS = {
    # 0007, 0010: as on SQLite (one function each, three and two triggers).
    "articles_live_set_insert",
    "articles_live_set_update",
    "articles_live_set_delete",
    "articles_state_needs_action_insert",
    "articles_state_needs_action_update",
    # 0012: the words of new versions; a change of synonyms moves the cache key too.
    "articles_searchword_add",
    "articles_search_synonym_change",
}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's triggers")
def test_migrated_postgresql_database_has_every_trigger():
    """The seven triggers the migrations create are there, and no other of ours."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        names = {name for (name,) in cursor.fetchall()}

    assert names == POSTGRESQL_TRIGGERS
