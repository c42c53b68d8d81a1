from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What a notification is about; each user chooses per kind whether it is also emailed."""

    ARTICLE_OUTCOME = "article_outcome", _("Decisions on my articles")
    ARTICLE_QUEUE = "article_queue", _("Articles submitted to or withdrawn from the editors")
    REVIEW_REQUEST = "review_request", _("Invitations to review and their cancellation")
    REVIEW_REMINDER = "review_reminder", _("Reminders of review deadlines")
    REVIEW_RESPONSE = "review_response", _("Declined invitations and decisions that need an editor")
    READER_REPORT = "reader_report", _("Readers' problem reports")
    GENERAL = "general", _("Other messages about my work")


# Everything that was emailed before the inbox existed still is, unless the
# user turns it off: nobody silently stops hearing about their work.
EMAIL_BY_DEFAULT = frozenset(Kind.values)


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    RETRYING = "retrying", _("Waiting to retry")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
