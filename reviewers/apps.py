from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewersConfig(AppConfig):
    name = "reviewers"
    verbose_name = _("Advisory board")

    def ready(self) -> None:
        from reviewers import receivers  # noqa: F401
