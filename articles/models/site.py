"""The reader site's own tables: problem reports, site pages, search synonyms, rate limits."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from articles import validators
from articles.choices import ReportKind, ReportStatus
from articles.models.article import Article
from articles.models.records import PublishedVersion
from articles.text import normalise_words


class ProblemReport(models.Model):
    """A reader's report of a problem with a public article, for the editors."""

    article = models.ForeignKey(
        Article, on_delete=models.PROTECT, related_name="problem_reports", verbose_name=_("article")
    )
    version = models.ForeignKey(
        PublishedVersion,
        on_delete=models.PROTECT,
        related_name="problem_reports",
        verbose_name=_("version read"),
    )
    kind = models.CharField(_("kind of problem"), max_length=20, choices=ReportKind.choices)
    message = models.TextField(_("what is wrong"), max_length=2000)
    email = models.EmailField(_("reader's email"), blank=True)
    created_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ReportStatus.choices,
        default=ReportStatus.NEW,
        db_index=True,
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    editor_note = models.TextField(_("editor's note"), blank=True)
    reply = models.TextField(
        _("reply to the reader"),
        blank=True,
        help_text=_("What the editors wrote back to the reader, as it was emailed."),
    )
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("replied by"),
    )
    revision_started_at = models.DateTimeField(
        _("revision started at"),
        null=True,
        blank=True,
        help_text=_(
            "Set when a revision of the article was started from this report: publishing that "
            "revision closes the report with a note."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("problem report")
        verbose_name_plural = _("problem reports")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.version.title}"


class SitePage(models.Model):
    """A public page whose text editors keep up to date, such as the editorial policy."""

    slug = models.SlugField(_("web address"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("text"),
        validators=[validators.body_length, validators.body_is_renderable],
        help_text=_("Markdown."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]
        verbose_name = _("site page")
        verbose_name_plural = _("site pages")

    def __str__(self) -> str:
        return self.title


class RateLimitCount(models.Model):
    """How often one client address used a limited action (a reader's report) in its window.

    In the database, so every web process counts against the same number
    and nothing a reader does elsewhere (searches filling a cache) can
    evict it. One row per scope and address; an expired window starts over.
    """

    scope = models.CharField(_("limited action"), max_length=40)
    client = models.CharField(_("client address"), max_length=64)
    window_started_at = models.DateTimeField(_("window started at"))
    count = models.PositiveIntegerField(_("uses in the window"), default=0)

    class Meta:
        verbose_name = _("rate limit count")
        verbose_name_plural = _("rate limit counts")
        constraints = [
            models.UniqueConstraint(fields=["scope", "client"], name="rate_limit_scope_client")
        ]
        indexes = [
            models.Index(fields=["scope", "window_started_at"], name="rate_limit_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} · {self.client} · {self.count}"


class SearchSynonym(models.Model):
    """Words readers type that mean a term the answers use, kept by the editors.

    Applied when a reader searches, not when articles are indexed: a new or
    changed synonym works on the next search, with nothing to re-index. Every
    change raises the live set's generation (triggers, migration 0009), so
    no cached search page outlives it.
    """

    words = models.CharField(
        _("readers' words"),
        max_length=300,
        help_text=_(
            "What readers type, separated by commas, e.g. “tylenol, acetaminophen”. A word "
            "or a few words each; capitals do not matter."
        ),
    )
    term = models.CharField(
        _("term in our answers"),
        max_length=100,
        help_text=_(
            "The word or words our answers use for the same thing, e.g. “paracetamol”. A "
            "search for any of the readers' words also finds answers that use this term."
        ),
    )
    note = models.CharField(
        _("note for editors"),
        max_length=300,
        blank=True,
        help_text=_("Optional: why this synonym is here, or where it came from."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["term", "words"]
        verbose_name = _("search synonym")
        verbose_name_plural = _("search synonyms")

    def __str__(self) -> str:
        return f"{self.words} → {self.term}"

    def clean(self) -> None:
        if not normalise_words(self.term):
            raise ValidationError({"term": _("Write the term with letters or digits.")})
        if not [w for w in self.variants() if w]:
            raise ValidationError(
                {"words": _("Write at least one word readers type, separated by commas.")}
            )

    def variants(self) -> list[str]:
        return [normalise_words(part) for part in self.words.split(",") if normalise_words(part)]
