"""Full-text search index for published versions (PostgreSQL), editors' rights
over reader reports and site pages, and reference links limited to http(s).

The GIN index is built on the weighted document the search queried at the
time (title A; summary and topic B; both answers C), so PostgreSQL could use
it; 0008 replaced it with a stored column. The index is not part of the model
state, so ``makemigrations`` leaves it alone.
"""

import django.core.validators
from django.db import migrations, models

INDEX_NAME = "published_version_search"

EDITOR_PERMISSIONS = [
    "articles.view_problemreport",
    "articles.change_problemreport",
    "articles.add_sitepage",
    "articles.change_sitepage",
    "articles.view_sitepage",
]


def _index():
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    document = (
        SearchVector("title", weight="A", config="english")
        + SearchVector("summary", "topic_name", weight="B", config="english")
        + SearchVector("body_source", "plain_body_source", weight="C", config="english")
    )
    return GinIndex(document, name=INDEX_NAME)


def add_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.add_index(apps.get_model("articles", "PublishedVersion"), _index())


def remove_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.remove_index(apps.get_model("articles", "PublishedVersion"), _index())


def grant_editors(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors = Group.objects.filter(name="Editors").first()
    if editors is None:
        return
    for perm in EDITOR_PERMISSIONS:
        app_label, codename = perm.split(".")
        editors.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def revoke_editors(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors = Group.objects.filter(name="Editors").first()
    if editors is None:
        return
    for perm in EDITOR_PERMISSIONS:
        app_label, codename = perm.split(".")
        editors.permissions.remove(
            *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_review_policy_audiences_reports"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(add_search_index, remove_search_index),
        migrations.RunPython(grant_editors, revoke_editors),
        migrations.AlterField(
            model_name="historicalreference",
            name="url",
            field=models.URLField(
                blank=True,
                max_length=500,
                validators=[
                    django.core.validators.URLValidator(
                        message="Enter a web address that starts with https:// (or http://).",
                        schemes=["http", "https"],
                    )
                ],
                verbose_name="link",
            ),
        ),
        migrations.AlterField(
            model_name="reference",
            name="url",
            field=models.URLField(
                blank=True,
                max_length=500,
                validators=[
                    django.core.validators.URLValidator(
                        message="Enter a web address that starts with https:// (or http://).",
                        schemes=["http", "https"],
                    )
                ],
                verbose_name="link",
            ),
        ),
    ]
