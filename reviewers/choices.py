from django.db import models
from django.utils.translation import gettext_lazy as _


class AssignmentStatus(models.TextChoices):
    OPEN = "open", _("Awaiting decision")
    COMPLETED = "completed", _("Decision recorded")
    CANCELLED = "cancelled", _("Cancelled by an editor")
    CLOSED = "closed", _("Round ended before a decision")


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REQUEST_CHANGES = "request_changes", _("Request changes")
    REJECT = "reject", _("Recommend rejection")
