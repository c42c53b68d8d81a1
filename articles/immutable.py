"""Records written once and never changed: the rule, below both apps.

Published versions, the audit trail, the action log, review decisions and
sent reminders are facts about the past. These two classes make the ORM
refuse to update or delete them, row by row and in bulk.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImmutableQuerySet(models.QuerySet):
    """Bulk updates and deletes would bypass the per-row guards of ImmutableModel."""

    def update(self, **kwargs):
        raise ValidationError(_("These records cannot be changed."))

    def delete(self):
        raise ValidationError(_("These records cannot be deleted."))


class ImmutableModel(models.Model):
    """A record the application writes once and never changes or deletes."""

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(
                _("A saved %(name)s cannot be changed.") % {"name": self._meta.verbose_name}
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(
            _("A saved %(name)s cannot be deleted.") % {"name": self._meta.verbose_name}
        )
