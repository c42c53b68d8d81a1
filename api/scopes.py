"""What an API key may do."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    DRAFTS_WRITE = "drafts:write", _("Write, submit and withdraw its own drafts")
    STATUS_READ = "status:read", _("Read the review status of its own articles")
    PUBLISHED_READ = "published:read", _("Read published articles")


class Event(models.TextChoices):
    SUBMITTED = "article.submitted", _("An article was submitted for review")
    CHANGES_REQUESTED = "article.changes_requested", _("Changes were requested")
    APPROVED = "article.approved", _("An article was approved and published")
    REJECTED = "article.rejected", _("An article was rejected")
    RETRACTED = "article.retracted", _("A published article was retracted")
    REREVIEW_DUE = "article.rereview_due", _("An editor started a re-review of a published article")


# The workflow transition (an AuditEntry's ``transition``) behind each event.
EVENT_OF_TRANSITION = {
    "submit": Event.SUBMITTED,
    "request_changes": Event.CHANGES_REQUESTED,
    "approve": Event.APPROVED,
    "reject": Event.REJECTED,
    "retract": Event.RETRACTED,
    "start_rereview": Event.REREVIEW_DUE,
}

# Events about a public article: a subscription may ask for them for every
# article, not only its integration's own.
PUBLIC_EVENTS = frozenset({Event.APPROVED, Event.RETRACTED})


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    DELIVERED = "delivered", _("Delivered")
    RETRYING = "retrying", _("Failed, will retry")
    FAILED = "failed", _("Failed, gave up")
