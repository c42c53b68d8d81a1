import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from articles.immutable import ImmutableModel
from articles.roles import display_name
from reviewers.choices import (
    PENDING_STATUSES,
    AssignmentStatus,
    Decision,
    ReminderEvent,
    ReminderTemplate,
)


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
    board_certification = models.CharField(
        _("board certification"),
        max_length=200,
        blank=True,
        help_text=_("e.g. “Board-certified in dermatology (American Board of Dermatology)”."),
    )
    licence_number = models.CharField(_("licence number"), max_length=50, blank=True)
    licence_region = models.CharField(
        _("licensing region"),
        max_length=100,
        blank=True,
        help_text=_("Where the licence was issued, e.g. “England (GMC)” or “Ontario”."),
    )
    licence_verified_on = models.DateField(
        _("licence last verified on"),
        null=True,
        blank=True,
        help_text=_("When an editor last checked the licence with the issuing body."),
    )
    licence_expires_on = models.DateField(
        _("licence expires on"),
        null=True,
        blank=True,
        help_text=_(
            "From the day after this date the member cannot be assigned and their approvals "
            "do not count."
        ),
    )
    bio = models.TextField(
        _("short biography"), blank=True, help_text=_("Shown on the public advisory board page.")
    )
    photo = models.ImageField(
        _("photo"),
        upload_to="board/",
        blank=True,
        help_text=_("Optional. A head-and-shoulders portrait, shown on the advisory board page."),
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

    def licence_expired(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.licence_expires_on is not None and self.licence_expires_on < on

    def unavailability(self, on: datetime.date | None = None) -> str:
        """Why the member may not review now, in plain words; empty when they may."""
        if not self.active:
            return str(_("Inactive on the board."))
        if not self.user.is_active:
            return str(_("Their account is deactivated."))
        if self.licence_expired(on):
            return str(
                _("Licence expired on %(date)s.")
                % {"date": self.licence_expires_on.strftime("%-d %b %Y")}
            )
        return ""

    def has_specialty(self, specialty: str) -> bool:
        wanted = specialty.strip().casefold()
        return bool(wanted) and wanted in {s.casefold() for s in self.specialty_list}

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
        default=AssignmentStatus.INVITED,
        db_index=True,
    )
    respond_by = models.DateField(
        _("reply to the invitation by"),
        null=True,
        help_text=_("The member accepts or declines by this date."),
    )
    due_date = models.DateField(_("review due by"))
    responded_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    invitation_message = models.TextField(
        _("message with the invitation"),
        blank=True,
        help_text=_("The editor's own words to the member, sent with the invitation."),
    )
    reminded_at = models.DateTimeField(
        _("last reminded at"),
        null=True,
        blank=True,
        help_text=_("When an editor last sent the member a reminder from the desk."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("review assignment")
        verbose_name_plural = _("review assignments")
        constraints = [
            # A member reviews each round of an article once; a cancelled or
            # declined assignment may be replaced by a new one.
            models.UniqueConstraint(
                fields=["article", "reviewer", "round"],
                condition=~Q(status__in=[AssignmentStatus.CANCELLED, AssignmentStatus.DECLINED]),
                name="one_live_assignment_per_reviewer_and_round",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reviewer.name} → {self.article} (round {self.round})"

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES

    @property
    def is_overdue(self) -> bool:
        """The review was not delivered by its due date."""
        return self.is_pending and self.due_date < timezone.localdate()

    @property
    def reply_overdue(self) -> bool:
        """The member has not answered the invitation by its deadline."""
        return (
            self.status == AssignmentStatus.INVITED
            and self.respond_by is not None
            and self.respond_by < timezone.localdate()
        )


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
    confidential_note = models.TextField(
        _("confidential note to the editors"),
        blank=True,
        help_text=_("Only editors read this; the author never sees it."),
    )
    no_conflict_confirmed = models.BooleanField(
        _("no conflict of interest confirmed"),
        default=False,
        help_text=_("The member ticked that they have no conflict of interest."),
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
    checklist = models.JSONField(
        _("checklist answers"),
        default=list,
        blank=True,
        help_text=_("Each question as it was worded when the member answered, with the answer."),
    )
    reviewed_revision = models.PositiveBigIntegerField(
        _("revision reviewed"),
        null=True,
        editable=False,
        help_text=_("The article's history entry that was on screen when deciding."),
    )
    fingerprint = models.CharField(
        _("content fingerprint"),
        max_length=64,
        blank=True,
        help_text=_(
            "SHA-256 of the text and references on the member's screen (articles.fingerprints). "
            "Empty for decisions recorded before fingerprints were kept."
        ),
    )
    # The member's standing when deciding: counting and the byline read these,
    # so a later edit of the member's record changes no past decision.
    member_credentials = models.CharField(
        _("credentials when deciding"), max_length=100, blank=True
    )
    licence_number = models.CharField(_("licence number when deciding"), max_length=50, blank=True)
    licence_region = models.CharField(
        _("licensing region when deciding"), max_length=100, blank=True
    )
    licence_expires_on = models.DateField(_("licence expiry when deciding"), null=True, blank=True)
    member_active = models.BooleanField(
        _("active on the board when deciding"),
        default=True,
        help_text=_("The membership and the account were active on the day of the decision."),
    )
    credentials_valid = models.BooleanField(
        _("credentials valid when deciding"),
        default=True,
        help_text=_(
            "Active on the board with a licence not expired on the day of the decision. An "
            "approval made without it never counts, whatever is edited later."
        ),
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


class StandingConflict(models.Model):
    """A member's lasting conflict with an author or a whole topic: never offered for them."""

    member = models.ForeignKey(
        BoardMember,
        on_delete=models.PROTECT,
        related_name="standing_conflicts",
        verbose_name=_("board member"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("with the author"),
        help_text=_("e.g. a spouse, a business partner or a close collaborator."),
    )
    topic = models.ForeignKey(
        "articles.Topic",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("with the topic"),
        help_text=_("e.g. paid consultancy for a maker of a treatment in this topic."),
    )
    statement = models.TextField(
        _("statement"), help_text=_("What the conflict is, as the member declared it.")
    )
    declared_on = models.DateField(_("declared on"), default=timezone.localdate)
    active = models.BooleanField(
        _("in force"),
        default=True,
        help_text=_("Untick when the conflict has ended; the record stays."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["member__user__last_name", "-declared_on"]
        verbose_name = _("standing conflict of interest")
        verbose_name_plural = _("standing conflicts of interest")
        constraints = [
            models.CheckConstraint(
                condition=Q(author__isnull=False) | Q(topic__isnull=False),
                name="standing_conflict_names_author_or_topic",
                violation_error_message=_("Name the author, the topic, or both."),
            )
        ]

    def __str__(self) -> str:
        with_what = ", ".join(
            str(x) for x in (self.author and display_name(self.author), self.topic) if x
        )
        return f"{self.member.name} ↔ {with_what}"


class ChecklistQuestion(models.Model):
    """A question a member must answer “yes” to before approving."""

    topic = models.ForeignKey(
        "articles.Topic",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("topic"),
        help_text=_("Empty: asked for every article."),
    )
    text = models.CharField(
        _("question"), max_length=300, help_text=_("e.g. “Doses and units checked”.")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(
        _("asked"),
        default=True,
        help_text=_("Untick to stop asking it; past answers keep their wording."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("review checklist question")
        verbose_name_plural = _("review checklist")

    def __str__(self) -> str:
        return self.text


class ReminderRule(models.Model):
    """When the reminder command writes to a member or to the editors."""

    event = models.CharField(_("when"), max_length=20, choices=ReminderEvent.choices)
    days = models.PositiveSmallIntegerField(
        _("days"),
        validators=[MaxValueValidator(90)],
        help_text=_("How many days before or after the deadline (0 to 90); 0 means on the day."),
    )
    template = models.CharField(_("email"), max_length=40, choices=ReminderTemplate.choices)
    active = models.BooleanField(_("in use"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["event", "days"]
        verbose_name = _("reminder rule")
        verbose_name_plural = _("reminder rules")
        constraints = [
            models.UniqueConstraint(fields=["event", "days"], name="one_reminder_rule_per_moment")
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()}: {self.days}"

    def clean(self) -> None:
        # The email must speak to whoever the moment writes to.
        for_editors = self.event == ReminderEvent.OVERDUE_EDITORS
        editors_email = self.template == ReminderTemplate.OVERDUE_EDITORS
        if self.event and self.template and for_editors != editors_email:
            raise ValidationError(
                {
                    "template": _(
                        "This email is written for the editors: choose it for the editors' "
                        "moment only."
                    )
                    if editors_email
                    else _("This moment writes to the editors: choose the editors' email.")
                }
            )


class ReminderSent(ImmutableModel):
    """A reminder that went out, so the same one never goes out twice."""

    rule = models.ForeignKey(
        ReminderRule, on_delete=models.PROTECT, related_name="sent", verbose_name=_("rule")
    )
    assignment = models.ForeignKey(
        ReviewAssignment,
        on_delete=models.PROTECT,
        related_name="reminders",
        verbose_name=_("assignment"),
    )
    deadline = models.DateField(_("deadline reminded of"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    recipients = models.TextField(_("sent to"), blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("sent by"),
    )

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            # The deadline is part of the key: moving a due date earns a new reminder.
            models.UniqueConstraint(
                fields=["rule", "assignment", "deadline"], name="one_reminder_per_rule_and_deadline"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.assignment}"
