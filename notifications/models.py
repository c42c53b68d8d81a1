"""The inbox, outgoing email and the workers that deliver it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.choices import DeliveryStatus, Kind


class Notification(models.Model):
    """One entry in a user's inbox: what happened to their work while they were away."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(
        _("kind"), max_length=30, choices=Kind.choices, help_text=_("What it is about.")
    )
    title = models.CharField(_("title"), max_length=300, help_text=_("The email's subject."))
    text = models.TextField(
        _("text"), blank=True, help_text=_("What the recipient is told, as in the email.")
    )
    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("article"),
        help_text=_("The article it concerns, if any."),
    )
    url = models.CharField(
        _("link"),
        max_length=500,
        blank=True,
        help_text=_("Back-office page of the article, assignment or report it concerns."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(
        _("read at"), null=True, blank=True, help_text=_("Empty while unread.")
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("inbox entry")
        verbose_name_plural = _("inbox")
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    """One email to one address, with what became of it.

    Written in the transaction of the change it reports; the task that sends
    it marks it delivered, so running the task again never sends twice.
    """

    key = models.UUIDField(
        _("key"),
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text=_("Names this message once for all its attempts (its Message-ID)."),
    )
    notification = models.OneToOneField(
        Notification,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="delivery",
        verbose_name=_("inbox entry"),
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    to = models.EmailField(_("to"), help_text=_("The address it goes to."))
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("plain text"))
    html = models.TextField(_("HTML"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.QUEUED,
        db_index=True,
    )
    attempts = models.PositiveIntegerField(
        _("attempts"), default=0, help_text=_("Times a worker tried to send it.")
    )
    last_error = models.TextField(
        _("last error"), blank=True, help_text=_("What the mail server said the last time.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    next_attempt_at = models.DateTimeField(
        _("next attempt"), null=True, blank=True, help_text=_("When a failed send is retried.")
    )
    attempted_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing email")
        permissions = [("retry_delivery", _("Can send a failed email again"))]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"


class NotificationPreference(models.Model):
    """A user's choice of whether one kind of notification is also emailed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    email = models.BooleanField(
        _("also by email"), help_text=_("Off: the notification reaches the inbox only.")
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"


class WorkerHeartbeat(models.Model):
    """A running worker, as last seen: operators and the system check read it."""

    worker_id = models.CharField(_("worker"), max_length=64, unique=True)
    hostname = models.CharField(_("machine"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("process id"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    seen_at = models.DateTimeField(
        _("last seen"),
        default=timezone.now,
        db_index=True,
        help_text=_("Updated every few seconds."),
    )

    class Meta:
        ordering = ["-seen_at"]
        verbose_name = _("worker")
        verbose_name_plural = _("workers")

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.hostname}"
