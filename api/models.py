"""Integrations (outside systems acting as an author), their keys and webhooks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api.scopes import DeliveryStatus, Event, Scope


class Integration(models.Model):
    """An outside system, such as a drafting pipeline, that acts as one author account."""

    name = models.CharField(
        _("name"),
        max_length=100,
        unique=True,
        help_text=_("How editors know the system, e.g. “Question pipeline”. Used by the commands."),
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="integration",
        verbose_name=_("author account"),
        help_text=_("The author the integration's drafts belong to; created with it."),
    )
    description = models.TextField(
        _("description"), blank=True, help_text=_("What the system does and who runs it.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")

    def __str__(self) -> str:
        return self.name


class ApiKey(models.Model):
    """A secret an integration sends as ``Authorization: Bearer <key>``.

    Only the key's prefix and a SHA-256 digest of the whole key are stored:
    the key is shown once, when it is made, and cannot be read back.
    """

    integration = models.ForeignKey(
        Integration, on_delete=models.PROTECT, related_name="keys", verbose_name=_("integration")
    )
    label = models.CharField(
        _("label"), max_length=100, blank=True, help_text=_("e.g. “production” or “staging”.")
    )
    prefix = models.CharField(
        _("prefix"),
        max_length=16,
        unique=True,
        editable=False,
        help_text=_("The key's first characters, which name it in logs and the admin."),
    )
    digest = models.CharField(_("SHA-256 of the key"), max_length=64, editable=False)
    scopes = models.JSONField(
        _("scopes"),
        default=list,
        help_text=_("What the key may do: %(scopes)s.")
        % {"scopes": ", ".join(s.value for s in Scope)},
    )
    expires_at = models.DateTimeField(
        _("expires at"), null=True, blank=True, help_text=_("Empty: the key does not expire.")
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        verbose_name=_("revoked by"),
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        editable=False,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.integration} · {self.prefix}…"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and (
            self.expires_at is None or self.expires_at > timezone.now()
        )

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class IdempotencyRecord(models.Model):
    """The first answer to a POST with an ``Idempotency-Key``, replayed on a retry."""

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="+", verbose_name=_("integration")
    )
    key = models.CharField(_("idempotency key"), max_length=200)
    request_digest = models.CharField(
        _("request digest"),
        max_length=64,
        help_text=_(
            "SHA-256 of the method, path and body: another body under the same key is refused."
        ),
    )
    status_code = models.PositiveSmallIntegerField(_("response status"))
    response = models.JSONField(_("response body"), null=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["integration", "key"], name="one_answer_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.integration} · {self.key}"


class WebhookSubscription(models.Model):
    """Where an integration wants to hear about workflow events, signed with its secret."""

    integration = models.ForeignKey(
        Integration,
        on_delete=models.PROTECT,
        related_name="subscriptions",
        verbose_name=_("integration"),
    )
    url = models.URLField(
        _("receiver address"),
        max_length=500,
        help_text=_(
            "The address each event is POSTed to, e.g. https://pipeline.example.org/hooks."
        ),
    )
    events = models.JSONField(
        _("events"),
        default=list,
        help_text=_("Events sent: %(events)s.") % {"events": ", ".join(e.value for e in Event)},
    )
    all_articles = models.BooleanField(
        _("every published article"),
        default=False,
        help_text=_(
            "Also send “approved” and “retracted” for articles other authors wrote (for a "
            "headless site). Other events concern the integration's own drafts only."
        ),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=100,
        editable=False,
        help_text=_("Signs every delivery (HMAC-SHA256); the receiver keeps a copy to check it."),
    )
    active = models.BooleanField(_("active"), default=True)
    consecutive_failures = models.PositiveIntegerField(
        _("failed deliveries in a row"), default=0, editable=False
    )
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True, editable=False)
    disabled_reason = models.CharField(
        _("why it was disabled"), max_length=300, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["integration__name", "id"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return f"{self.integration} → {self.url}"


class WebhookDelivery(models.Model):
    """One event for one subscription: its body is fixed when the event happens."""

    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.PROTECT,
        related_name="deliveries",
        verbose_name=_("subscription"),
    )
    event_id = models.UUIDField(_("event id"), unique=True, editable=False)
    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        verbose_name=_("article"),
    )
    body = models.TextField(_("JSON body"), editable=False)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(
        _("last response code"), null=True, blank=True
    )
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription.url}"


class WebhookAttempt(models.Model):
    """One try at POSTing a delivery: the receiver's answer, or why there was none."""

    delivery = models.ForeignKey(
        WebhookDelivery,
        on_delete=models.CASCADE,
        related_name="attempt_log",
        verbose_name=_("delivery"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} · {self.status_code or self.error}"
