"""Create the three roles of the back office as groups with their permissions."""

from django.db import migrations

ROLES = {
    "Authors": [
        "articles.add_article",
        "articles.change_article",
        "articles.view_article",
        "articles.add_reference",
        "articles.change_reference",
        "articles.delete_reference",
        "articles.view_reference",
        "articles.view_topic",
        "articles.view_publishedversion",
        "articles.view_auditentry",
    ],
    "Advisory Board": [
        "articles.view_article",
        "articles.view_reference",
        "articles.view_topic",
        "articles.view_publishedversion",
        "articles.view_auditentry",
        "reviewers.view_boardmember",
        "reviewers.view_reviewassignment",
        "reviewers.add_reviewdecision",
        "reviewers.view_reviewdecision",
    ],
    "Editors": [
        "articles.manage_reviews",
        "articles.add_article",
        "articles.change_article",
        "articles.view_article",
        "articles.add_reference",
        "articles.change_reference",
        "articles.delete_reference",
        "articles.view_reference",
        "articles.add_topic",
        "articles.change_topic",
        "articles.view_topic",
        "articles.view_publishedversion",
        "articles.view_auditentry",
        "reviewers.add_boardmember",
        "reviewers.change_boardmember",
        "reviewers.view_boardmember",
        "reviewers.add_reviewassignment",
        "reviewers.view_reviewassignment",
        "reviewers.view_reviewdecision",
    ],
}


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran; create them
    # now so the groups can hold them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("reviewers", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
