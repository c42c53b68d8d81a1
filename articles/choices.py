from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETRACTED = "retracted", _("Retracted")


# States in which the working copy's content may be edited. Once submitted,
# the text is frozen so that what the board reviews is what gets published.
EDITABLE_STATES = frozenset({ArticleState.DRAFT, ArticleState.CHANGES_REQUESTED})


class TextOrigin(models.TextChoices):
    HUMAN = "human", _("Written by a person")
    AI_ASSISTED = "ai_assisted", _("Written by a person with AI assistance")
    AI_GENERATED = "ai_generated", _("Drafted by AI, edited by a person")


class ReportKind(models.TextChoices):
    ERROR = "error", _("Something is wrong or inaccurate")
    OUTDATED = "outdated", _("Something is out of date")
    UNCLEAR = "unclear", _("Something is hard to understand")
    LINK = "link", _("A link or reference does not work")
    OTHER = "other", _("Something else")


class ReportStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("Being looked at")
    RESOLVED = "resolved", _("Resolved")
    DISMISSED = "dismissed", _("Dismissed")


# Reports the editors still have to handle.
OPEN_REPORT_STATUSES = (ReportStatus.NEW, ReportStatus.IN_PROGRESS)
