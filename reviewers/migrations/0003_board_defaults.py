"""Sensible reminder rules, the roles' permissions on the new records, and
replies recorded for assignments made before invitations existed."""

from django.db import migrations

DEFAULT_RULES = [
    # (event, days, template)
    ("respond_soon", 1, "reminder_respond"),
    ("due_soon", 3, "reminder_due"),
    ("overdue", 1, "reminder_overdue"),
    ("overdue_editors", 3, "reminder_overdue_editors"),
]

PERMISSIONS = {
    "Advisory Board": [
        "reviewers.view_standingconflict",
        "reviewers.view_checklistquestion",
    ],
    "Editors": [
        "reviewers.add_standingconflict",
        "reviewers.change_standingconflict",
        "reviewers.view_standingconflict",
        "reviewers.add_checklistquestion",
        "reviewers.change_checklistquestion",
        "reviewers.view_checklistquestion",
        "reviewers.add_reminderrule",
        "reviewers.change_reminderrule",
        "reviewers.view_reminderrule",
        "reviewers.view_remindersent",
    ],
}


def forward(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in PERMISSIONS.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )

    ReminderRule = apps.get_model("reviewers", "ReminderRule")
    for event, days, template in DEFAULT_RULES:
        ReminderRule.objects.get_or_create(event=event, days=days, defaults={"template": template})

    # Before invitations, an assignment was accepted the moment it was made.
    ReviewAssignment = apps.get_model("reviewers", "ReviewAssignment")
    for assignment in ReviewAssignment.objects.filter(responded_at__isnull=True).exclude(
        status="invited"
    ):
        assignment.responded_at = assignment.assigned_at
        assignment.respond_by = assignment.assigned_at.date()
        assignment.save(update_fields=["responded_at", "respond_by"])


class Migration(migrations.Migration):
    dependencies = [
        ("reviewers", "0002_board_process"),
        ("articles", "0002_roles"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
