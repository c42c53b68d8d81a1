from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from articles.models import ImmutableModel, display_name
from reviewers.choices import AssignmentStatus, Decision


class BoardMember(models.Model):
    """A member of the Medical Advisory Board, as readers and editors see them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="board_member",
        verbose_name=_("user"),
    )
    credentials = models.CharField(
        _("credentials"), max_length=100, help_text=_("Degrees and fellowships, e.g. “MD, FAAD”.")
    )
    specialties = models.CharField(
        _("specialties"),
        max_length=200,
        help_text=_("Comma-separated, e.g. “Dermatology, Paediatric dermatology”."),
    )
    bio = models.TextField(
        _("short biography"), blank=True, help_text=_("Shown on the public advisory board page.")
    )
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive members cannot be assigned and are not listed publicly."),
    )
    joined_on = models.DateField(_("joined the board on"), default=timezone.localdate)

    history = HistoricalRecords()

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        verbose_name = _("board member")
        verbose_name_plural = _("advisory board")

    def __str__(self) -> str:
        return f"{self.name}, {self.credentials}" if self.credentials else self.name

    @property
    def name(self) -> str:
        return display_name(self.user)

    @property
    def specialty_list(self) -> list[str]:
        return [s.strip() for s in self.specialties.split(",") if s.strip()]

    def as_snapshot(self) -> dict:
        return {
            "member_id": self.pk,
            "name": self.name,
            "credentials": self.credentials,
            "specialties": self.specialty_list,
        }


class ReviewAssignment(models.Model):
    """An editor's request that one board member review one round of an article."""

    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("article"),
    )
    reviewer = models.ForeignKey(
        BoardMember,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("board member"),
    )
    round = models.PositiveIntegerField(_("review round"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AssignmentStatus.choices,
        default=AssignmentStatus.OPEN,
        db_index=True,
    )
    due_date = models.DateField(_("review due by"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("review assignment")
        verbose_name_plural = _("review assignments")
        constraints = [
            # A member reviews each round of an article once; a cancelled
            # assignment may be replaced by a new one.
            models.UniqueConstraint(
                fields=["article", "reviewer", "round"],
                condition=~Q(status=AssignmentStatus.CANCELLED),
                name="one_assignment_per_reviewer_and_round",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reviewer.name} → {self.article} (round {self.round})"

    @property
    def is_overdue(self) -> bool:
        return self.status == AssignmentStatus.OPEN and self.due_date < timezone.localdate()


class ReviewDecision(ImmutableModel):
    """A board member's recorded verdict on one assignment. Never edited."""

    assignment = models.OneToOneField(
        ReviewAssignment,
        on_delete=models.PROTECT,
        related_name="decision",
        verbose_name=_("assignment"),
    )
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    comment_to_author = models.TextField(
        _("comment to the author"),
        blank=True,
        help_text=_("What the author should know or change. Required unless you approve."),
    )
    conflict_declared = models.BooleanField(
        _("conflict of interest declared"),
        default=False,
        help_text=_("A declared conflict recuses the member: the decision does not count."),
    )
    conflict_statement = models.TextField(
        _("conflict-of-interest statement"),
        blank=True,
        help_text=_("Describe the conflict, or leave empty when there is none."),
    )
    reviewed_revision = models.PositiveBigIntegerField(
        _("revision reviewed"),
        null=True,
        editable=False,
        help_text=_("The article's history entry that was on screen when deciding."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("review decision")
        verbose_name_plural = _("review decisions")

    def __str__(self) -> str:
        return f"{self.get_decision_display()} · {self.assignment}"
