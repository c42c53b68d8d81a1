from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API and integrations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Webhook events are queued by a receiver of the workflow's audit rows.
        from api import schema, webhooks  # noqa: F401
