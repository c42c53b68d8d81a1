from django.db import models
from django.utils.translation import gettext_lazy as _


class AssignmentStatus(models.TextChoices):
    INVITED = "invited", _("Invited: awaiting a reply")
    # "open" predates invitations: an accepted review waiting for its decision.
    OPEN = "open", _("Accepted: review in progress")
    COMPLETED = "completed", _("Decision recorded")
    DECLINED = "declined", _("Declined by the member")
    CANCELLED = "cancelled", _("Cancelled by an editor")
    CLOSED = "closed", _("Round ended before a decision")


# Assignments that still wait on the member: they make up a member's load.
PENDING_STATUSES = (AssignmentStatus.INVITED, AssignmentStatus.OPEN)
# Assignments that take part in their round (a member is assigned once per round).
LIVE_STATUSES = (AssignmentStatus.INVITED, AssignmentStatus.OPEN, AssignmentStatus.COMPLETED)


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REQUEST_CHANGES = "request_changes", _("Request changes")
    REJECT = "reject", _("Recommend rejection")


class ReminderEvent(models.TextChoices):
    RESPOND_SOON = "respond_soon", _("Days before the reply deadline — to the invited member")
    DUE_SOON = "due_soon", _("Days before the review deadline — to the reviewing member")
    OVERDUE = "overdue", _("Days after the review deadline — to the reviewing member")
    OVERDUE_EDITORS = "overdue_editors", _("Days after the review deadline — to the editors")


class ReminderTemplate(models.TextChoices):
    RESPOND = "reminder_respond", _("Please reply to the invitation")
    DUE = "reminder_due", _("Your review is due soon")
    OVERDUE = "reminder_overdue", _("Your review is overdue")
    OVERDUE_EDITORS = "reminder_overdue_editors", _("A review is overdue (for editors)")
