"""What happened and what readers got: records written once and never changed.

Published versions (the article frozen at each approval), the audit trail,
the hash-chained action log, and the number the database raises whenever
the live set changes.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.choices import ArticleState, TextOrigin
from articles.immutable import ImmutableModel
from articles.models.article import Article


class PublishedVersion(ImmutableModel):
    """What readers saw: the article frozen at an approval, rendered once."""

    article = models.ForeignKey(
        Article, on_delete=models.PROTECT, related_name="versions", verbose_name=_("article")
    )
    number = models.PositiveIntegerField(_("version"))
    review_round = models.PositiveIntegerField(_("review round"))
    title = models.CharField(_("question"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    topic_name = models.CharField(_("topic"), max_length=100)
    topic_slug = models.SlugField(_("topic slug"), max_length=100)
    body_source = models.TextField(_("approved Markdown"))
    body_html = models.TextField(_("rendered answer"))
    plain_body_source = models.TextField(_("approved plain-language Markdown"), blank=True)
    plain_body_html = models.TextField(_("rendered plain-language answer"), blank=True)
    urgent_help_source = models.TextField(
        _("approved “when to get help urgently” Markdown"), blank=True
    )
    urgent_help_html = models.TextField(_("rendered “when to get help urgently”"), blank=True)
    origin = models.CharField(
        _("how the text was made"),
        max_length=20,
        choices=TextOrigin.choices,
        default=TextOrigin.HUMAN,
    )
    generator = models.CharField(_("generating system"), max_length=200, blank=True)
    generator_version = models.CharField(_("model version"), max_length=200, blank=True)
    source_reference = models.CharField(_("source of the question"), max_length=500, blank=True)
    change_note = models.CharField(
        _("change note"),
        max_length=500,
        blank=True,
        help_text=_("What this version changed, as shown in the public change log."),
    )
    references = models.JSONField(_("references"), default=list)
    reviewers = models.JSONField(
        _("approving board members"),
        default=list,
        help_text=_("Name, credentials and specialties of each member whose approval counted."),
    )
    author_name = models.CharField(_("author"), max_length=200)
    submitted_at = models.DateTimeField(_("submitted at"))
    review_started_at = models.DateTimeField(_("review started at"))
    approved_at = models.DateTimeField(_("approved at"))
    last_reviewed = models.DateField(
        _("last reviewed"),
        null=True,
        help_text=_("The date of the approving review, not of any edit."),
    )
    next_review_due = models.DateField(_("next review due"), null=True, db_index=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
        help_text=_("The user whose action completed the approval."),
    )
    fingerprint = models.CharField(
        _("content fingerprint"),
        max_length=64,
        blank=True,
        help_text=_(
            "SHA-256 of the approved text and references; every counted approval names it. "
            "Empty for versions approved before fingerprints were kept."
        ),
    )

    # Where each of Article.REVIEWABLE_FIELDS was frozen.
    SOURCE_OF = {
        "title": "title",
        "body": "body_source",
        "plain_body": "plain_body_source",
        "urgent_help": "urgent_help_source",
    }

    class Meta:
        ordering = ["-approved_at", "-id"]
        verbose_name = _("published version")
        verbose_name_plural = _("published versions")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "number"], name="published_version_number_unique"
            )
        ]
        indexes = [
            models.Index(fields=["slug"], name="published_version_slug"),
            # Lists of the newest live articles (home, feed) walk this instead of
            # sorting every version ever approved.
            models.Index(fields=["-approved_at", "-id"], name="published_version_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", kwargs={"slug": self.slug})


class AuditEntry(ImmutableModel):
    """One line of the article's workflow trail: who moved it, when, and why."""

    article = models.ForeignKey(
        Article, on_delete=models.PROTECT, related_name="audit_entries", verbose_name=_("article")
    )
    transition = models.CharField(_("transition"), max_length=40)
    from_state = models.CharField(_("from"), max_length=20, choices=ArticleState.choices)
    to_state = models.CharField(_("to"), max_length=20, choices=ArticleState.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")

    def __str__(self) -> str:
        return f"{self.article} · {self.transition} · {self.at:%Y-%m-%d %H:%M}"


class LiveSetGeneration(models.Model):
    """A number the database raises whenever any article's live version changes.

    Triggers on the article table (migration 0007) raise it in the same
    transaction as every approval, retraction or deletion that moves a live
    pointer, whatever wrote it: the services, the admin, a bulk load. The
    public lists and search are cached under it, so the first request after
    such a change, in any process, renders them afresh. One row; a missing
    row reads as generation 0 and the next change writes it again.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    value = models.BigIntegerField(default=0)
    # With the value, tells a restored backup's generations from the lost ones.
    changed_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("live set generation")

    def __str__(self) -> str:
        return f"{self.value} ({self.changed_at})"


class ActionLogChain(models.Model):
    """The head of one chain of the action log: the row writers lock to append.

    Every article has its own chain (``article-<id>``); actions about no one
    article share the site-wide chain (``site``). Appending locks this row to
    the end of the transaction, so two writers of one chain take turns on
    both databases and each row names the one written just before it.
    """

    key = models.CharField(_("chain"), max_length=40, unique=True)
    length = models.PositiveIntegerField(_("rows"), default=0)
    head_hash = models.CharField(_("hash of the last row"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("action-log chain")
        verbose_name_plural = _("action-log chains")

    def __str__(self) -> str:
        return f"{self.key} ({self.length})"


class ActionLogEntry(ImmutableModel):
    """One action, written in the transaction that did it and never changed.

    ``row_hash`` is the SHA-256 of the row's canonical content, which includes
    ``prev_hash``, the hash of the row before it in the same chain: editing,
    deleting or reordering any row breaks every hash after it (see
    articles.actionlog for the canonical form and ``manage.py verify_audit``).
    """

    chain = models.CharField(
        _("chain"),
        max_length=40,
        help_text=_("“article-<id>” for an article's actions, “site” for the rest."),
    )
    seq = models.PositiveIntegerField(_("position in its chain"), help_text=_("1, 2, 3…"))
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty for an action the system took by itself."),
    )
    action = models.CharField(
        _("action"), max_length=60, help_text=_("A dotted verb, e.g. “article.submit”.")
    )
    # Not a constraint: the trail outlives anything it mentions.
    article = models.ForeignKey(
        Article,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("article"),
    )
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)
    fingerprint = models.CharField(
        _("content fingerprint"),
        max_length=64,
        blank=True,
        help_text=_("SHA-256 of the reviewable content the action concerned, if any."),
    )
    payload = models.JSONField(
        _("details"), default=dict, blank=True, help_text=_("The comment, ids, changes…")
    )
    backfilled = models.BooleanField(
        _("backfilled"),
        default=False,
        help_text=_("Written afterwards from older records, not at the moment of the action."),
    )
    prev_hash = models.CharField(_("hash of the previous row"), max_length=64, blank=True)
    row_hash = models.CharField(_("hash of this row"), max_length=64)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("action-log entry")
        verbose_name_plural = _("action log")
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="action_log_chain_seq_unique")
        ]
        indexes = [models.Index(fields=["article", "seq"], name="action_log_article_seq")]

    def __str__(self) -> str:
        return f"{self.chain} #{self.seq} · {self.action} · {self.at:%Y-%m-%d %H:%M}"
