from django.apps import AppConfig
from django.core.checks import register
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # The check reads this app's models: importable only once apps are ready.
        from notifications import checks

        register(checks.worker_alive, "tasks")
