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
