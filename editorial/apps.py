"""The back office's admin site, and the system checks of Editorial's own."""

from django.contrib.admin.apps import AdminConfig
from django.core.checks import Tags, register

from editorial import checks


class EditorialAdminConfig(AdminConfig):
    """Django's admin with Editorial's site; it also registers Editorial's deployment checks.

    The project package is no app of its own: this config, already in
    INSTALLED_APPS, is where its checks join Django's once the apps are ready.
    """

    default_site = "editorial.admin_site.EditorialAdminSite"

    def ready(self) -> None:
        super().ready()
        register(checks.production_services, Tags.security, deploy=True)
        register(checks.shared_stores, Tags.security, deploy=True)
