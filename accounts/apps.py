from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Staff sign-in: the second factor, recovery codes and session lifetime."""

    name = "accounts"
    verbose_name = _("Staff accounts")

    def ready(self) -> None:
        from accounts import receivers  # noqa: F401
