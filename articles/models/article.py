"""The working copy of an article and its transition table, its topic and its references.

A transition body changes only the fields that move with the state; who may
take it and what must hold are in articles.conditions, and
articles.services is the only caller. The manager refuses bulk writes that
would move an article without a trace.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from articles import conditions, validators
from articles.choices import EDITABLE_STATES, ArticleState, TextOrigin


class Topic(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(
        _("description"), blank=True, help_text=_("One or two sentences shown to readers.")
    )
    # Review policy for the topic; empty fields follow the global settings.
    specialty = models.CharField(
        _("matching specialty"),
        max_length=100,
        blank=True,
        help_text=_(
            "The board specialty that fits this topic, e.g. “Dermatology”. Members who list it "
            "are offered first when reviewers are assigned."
        ),
    )
    required_approvals = models.PositiveSmallIntegerField(
        _("approvals required"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Overrides the global number of approvals, e.g. 2 for drug dosing."),
    )
    require_specialty_match = models.BooleanField(
        _("needs a specialist's approval"),
        default=False,
        help_text=_("At least one approving member must list the matching specialty."),
    )
    review_interval_months = models.PositiveSmallIntegerField(
        _("re-review every (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("How long an approval stays current; empty follows the global default."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.name


# Fields only the workflow services write, each change with its action-log row.
WORKFLOW_FIELDS = frozenset(
    {
        "state",
        "review_round",
        "submitted_at",
        "review_started_at",
        "live_version",
        "live_version_id",
        "action_seq",
    }
)
_bulk_load: ContextVar[bool] = ContextVar("article_bulk_load", default=False)


@contextmanager
def bulk_load() -> Iterator[None]:
    """Let a loader that writes the action log itself insert articles in bulk.

    The benchmark's archive builder writes each article's history, action-log
    rows and all in one go; nothing else should need this.
    """
    token = _bulk_load.set(True)
    try:
        yield
    finally:
        _bulk_load.reset(token)


def _refuse_silent_change(what: str) -> None:
    raise ValidationError(
        _(
            "%(what)s would change an article's workflow without a trace. Use the workflow "
            "services in articles.services (article_submit, article_approve, … or "
            "article_transition), which check the change and write its action-log row."
        )
        % {"what": what}
    )


class ArticleQuerySet(models.QuerySet):
    """Bulk writes bypass the workflow: refused where they would move an article silently."""

    def locked(self, article: "Article | int") -> "Article":
        """Re-read the article's row under a lock held to the end of the transaction.

        Every write of an article or its review takes this lock first, so no
        two of them interleave. FSMModelMixin.refresh_from_db would skip the
        protected state field, so the row is fetched afresh, not refreshed.
        """
        pk = article.pk if isinstance(article, models.Model) else article
        return self.select_for_update().select_related("topic", "author").get(pk=pk)

    def update(self, **kwargs):
        touched = WORKFLOW_FIELDS.intersection(kwargs)
        if touched and not _bulk_load.get():
            _refuse_silent_change(
                _("Updating %(fields)s in bulk") % {"fields": ", ".join(sorted(touched))}
            )
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, batch_size=None):
        touched = WORKFLOW_FIELDS.intersection(fields)
        if touched and not _bulk_load.get():
            _refuse_silent_change(
                _("Updating %(fields)s in bulk") % {"fields": ", ".join(sorted(touched))}
            )
        return super().bulk_update(objs, fields, batch_size=batch_size)

    def create(self, **kwargs):
        if kwargs.get("state", ArticleState.DRAFT) != ArticleState.DRAFT and not _bulk_load.get():
            _refuse_silent_change(
                _("Creating an article as “%(state)s”") % {"state": kwargs["state"]}
            )
        return super().create(**kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if not _bulk_load.get() and any(
            o.state != ArticleState.DRAFT or o.live_version_id is not None for o in objs
        ):
            _refuse_silent_change(_("Creating articles beyond a draft in bulk"))
        return super().bulk_create(objs, *args, **kwargs)


class Article(FSMModelMixin, models.Model):
    """The working copy of an article: what authors write and the board reviews.

    Readers never see this row. Approval freezes it into a PublishedVersion,
    and ``live_version`` points at the version the public site serves.
    """

    title = models.CharField(
        _("question"),
        max_length=200,
        help_text=_("The reader's question, e.g. “What are the treatment options for milia?”"),
    )
    slug = models.SlugField(
        _("web address"),
        max_length=200,
        unique=True,
        help_text=_("The last part of the public address, e.g. /articles/milia-treatment/."),
    )
    summary = models.CharField(
        _("summary"),
        max_length=300,
        blank=True,
        help_text=_("One or two plain sentences shown in lists and search results."),
    )
    body = models.TextField(
        _("answer"),
        blank=True,
        validators=[validators.body_length, validators.body_is_renderable],
        help_text=_(
            "Markdown. Cite sources with numbered markers such as [1] or [2, 3]; "
            "the numbers follow the order of the references below."
        ),
    )
    plain_body = models.TextField(
        _("plain-language answer"),
        blank=True,
        validators=[validators.body_length, validators.body_is_renderable],
        help_text=_(
            "Optional. The same answer in everyday words for patients and carers, citing the "
            "same references. Reviewed together with the answer above."
        ),
    )
    urgent_help = models.TextField(
        _("when to get help urgently"),
        blank=True,
        max_length=2000,
        validators=[validators.body_is_renderable],
        help_text=_(
            "Optional. The warning signs that mean a reader should get medical help at once, "
            "and where (e.g. “Call 999 if your child has a fit.”). Shown in a box beside the "
            "answer and reviewed by the board with the text."
        ),
    )
    origin = models.CharField(
        _("how the text was made"),
        max_length=20,
        choices=TextOrigin.choices,
        default=TextOrigin.HUMAN,
        help_text=_("Stated on the public page beside the board's review."),
    )
    # Provenance of machine-involved text: who or what produced it, stated to
    # reviewers beside the text and frozen on the published version.
    generator = models.CharField(
        _("generating system"),
        max_length=200,
        blank=True,
        help_text=_(
            "For machine-assisted or machine-generated text: the system that produced it, "
            "e.g. “Acme Drafting Pipeline”."
        ),
    )
    generator_version = models.CharField(
        _("model version"),
        max_length=200,
        blank=True,
        help_text=_("The model and version that system used, e.g. “example-llm 2026-03”."),
    )
    source_reference = models.CharField(
        _("source of the question"),
        max_length=500,
        blank=True,
        help_text=_("Optional: the reader question's id or address this answer responds to."),
    )
    change_note = models.CharField(
        _("what changed"),
        max_length=300,
        blank=True,
        help_text=_(
            "For a revision: one sentence for the public change log, e.g. “Updated the dose "
            "table after the 2026 guideline.”"
        ),
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.PROTECT, related_name="articles", verbose_name=_("topic")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="articles",
        verbose_name=_("author"),
    )
    state = FSMField(
        _("state"),
        default=ArticleState.DRAFT,
        choices=ArticleState.choices,
        protected=True,
        db_index=True,
    )
    review_round = models.PositiveIntegerField(
        _("review round"),
        default=0,
        editable=False,
        help_text=_("Counts submissions: each one starts a new round of review."),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, editable=False)
    review_started_at = models.DateTimeField(_("review started at"), null=True, editable=False)
    live_version = models.OneToOneField(
        "PublishedVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="live_for",
        verbose_name=_("live version"),
        help_text=_("The approved version readers see; empty when nothing is public."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    action_seq = models.PositiveIntegerField(
        _("last action"),
        default=0,
        editable=False,
        help_text=_(
            "Position in the article's action log of the action that last saved it; each "
            "revision in the history names the action that made it."
        ),
    )

    objects = ArticleQuerySet.as_manager()
    history = HistoricalRecords()

    # What the board reviews and a fingerprint covers, with the references in
    # order (articles.fingerprints). A field readers are shown as part of the
    # answer belongs here.
    REVIEWABLE_FIELDS = ("title", "body", "plain_body", "urgent_help")
    # Everything an author edits as the article's content: what the form
    # shows, a save compares, a restore brings back and history compares.
    CONTENT_FIELDS = (
        "title",
        "slug",
        "summary",
        "body",
        "plain_body",
        "urgent_help",
        "origin",
        "generator",
        "generator_version",
        "source_reference",
        "change_note",
        "topic",
    )

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        # The admin's list sorts by this (the changelist adds -pk to break ties):
        # without it, every page of the list sorts the whole archive.
        indexes = [models.Index(fields=["-updated_at", "-id"], name="article_recent_first")]
        permissions = [
            ("manage_reviews", _("Can triage, assign reviewers, reject, reopen and retract")),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", kwargs={"slug": self.slug})

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    # --- Transitions ------------------------------------------------------
    # Each body changes only the fields that move with the state. Locking,
    # saving, the audit entry, the published version and email belong to
    # articles.services, the only caller of these methods.

    @transition(
        field=state,
        source=[ArticleState.DRAFT, ArticleState.CHANGES_REQUESTED],
        target=ArticleState.SUBMITTED,
        permission=conditions.by_author,
        conditions=[
            conditions.has_body,
            conditions.has_references,
            conditions.citations_resolve,
            conditions.slug_is_free,
        ],
        custom={
            "label": _("Submit for review"),
            "done": _("Submitted for review. The editors have been told."),
        },
    )
    def submit(self) -> None:
        self.review_round += 1
        self.submitted_at = timezone.now()
        self.review_started_at = None

    @transition(
        field=state,
        source=[ArticleState.SUBMITTED, ArticleState.UNDER_REVIEW],
        target=ArticleState.DRAFT,
        permission=conditions.by_author,
        custom={
            "label": _("Withdraw"),
            "done": _("Withdrawn from review: the article is a draft again."),
        },
    )
    def withdraw(self) -> None:
        pass

    @transition(
        field=state,
        source=ArticleState.SUBMITTED,
        target=ArticleState.UNDER_REVIEW,
        permission=conditions.by_other_editor_or_accepting_member,
        conditions=[conditions.has_reviewers],
        custom={"label": _("Start review"), "done": _("The review has started.")},
    )
    def start_review(self) -> None:
        self.review_started_at = timezone.now()

    @transition(
        field=state,
        source=ArticleState.UNDER_REVIEW,
        target=ArticleState.CHANGES_REQUESTED,
        permission=conditions.by_change_request_or_editor,
        custom={
            "label": _("Request changes"),
            "comment": "required",
            "done": _("Sent back to the author with your comments."),
        },
    )
    def request_changes(self) -> None:
        pass

    @transition(
        field=state,
        source=ArticleState.UNDER_REVIEW,
        target=ArticleState.APPROVED,
        permission=conditions.by_approval_or_editor,
        conditions=[
            conditions.approval_rule_holds,
            conditions.citations_resolve,
            conditions.slug_is_free,
        ],
        custom={
            "label": _("Approve"),
            "done": _("Approved and published: readers now see this version."),
        },
    )
    def approve(self) -> None:
        pass

    @transition(
        field=state,
        source=[ArticleState.SUBMITTED, ArticleState.UNDER_REVIEW],
        target=ArticleState.REJECTED,
        permission=conditions.by_other_editor,
        custom={
            "label": _("Reject"),
            "comment": "required",
            "done": _("Rejected. The author has been told why."),
        },
    )
    def reject(self) -> None:
        pass

    @transition(
        field=state,
        source=[ArticleState.REJECTED, ArticleState.RETRACTED],
        target=ArticleState.DRAFT,
        permission=conditions.by_other_editor,
        custom={"label": _("Reopen as draft"), "done": _("Reopened as a draft.")},
    )
    def reopen(self) -> None:
        pass

    @transition(
        field=state,
        source=ArticleState.APPROVED,
        target=ArticleState.DRAFT,
        permission=conditions.by_author_or_editor,
        custom={
            "label": _("Start a revision"),
            "done": _(
                "A revision is open as a draft. Readers keep seeing the approved version "
                "until the revision is approved."
            ),
        },
    )
    def revise(self) -> None:
        pass

    @transition(
        field=state,
        source=ArticleState.APPROVED,
        target=ArticleState.SUBMITTED,
        permission=conditions.by_other_editor,
        custom={
            "label": _("Start a re-review"),
            "done": _(
                "A re-review has started on the approved text, unchanged. Readers keep seeing "
                "it; assign board members to review it again."
            ),
        },
    )
    def start_rereview(self) -> None:
        self.review_round += 1
        self.submitted_at = timezone.now()
        self.review_started_at = None

    # An editor must be able to take down what readers see at any moment,
    # also while a revision of it is being written or reviewed.
    @transition(
        field=state,
        source=[
            ArticleState.DRAFT,
            ArticleState.SUBMITTED,
            ArticleState.UNDER_REVIEW,
            ArticleState.CHANGES_REQUESTED,
            ArticleState.APPROVED,
            ArticleState.REJECTED,
        ],
        target=ArticleState.RETRACTED,
        permission=conditions.by_editor,
        conditions=[conditions.is_public],
        custom={
            "label": _("Retract"),
            "comment": "required",
            "done": _("Retracted: readers can no longer see this article."),
        },
    )
    def retract(self) -> None:
        self.live_version = None


def _validate_year(value: int) -> None:
    if value > timezone.now().year + 1:
        raise ValidationError(_("%(year)s is in the future."), params={"year": value})


class Reference(models.Model):
    """A source the article cites; marker [n] points at the n-th reference."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="references", verbose_name=_("article")
    )
    position = models.PositiveSmallIntegerField(
        _("order"),
        default=0,
        help_text=_("References are numbered in this order: the first is [1]."),
    )
    authors = models.CharField(
        _("authors"), max_length=500, blank=True, help_text=_("e.g. “Berk DR, Bayliss SJ”.")
    )
    title = models.CharField(_("title"), max_length=500)
    journal = models.CharField(_("journal or publisher"), max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(
        _("year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), _validate_year],
    )
    pmid = models.CharField(
        _("PubMed ID"),
        max_length=12,
        blank=True,
        validators=[RegexValidator(r"^\d{1,9}$", _("A PubMed ID is a number, e.g. 20598394."))],
    )
    doi = models.CharField(
        _("DOI"),
        max_length=200,
        blank=True,
        validators=[
            RegexValidator(
                r"^10\.\d{4,9}/\S+$", _("A DOI starts with “10.” and a slash, e.g. 10.1000/xyz123.")
            )
        ],
    )
    url = models.URLField(
        _("link"), max_length=500, blank=True, validators=[validators.web_address]
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("reference")
        verbose_name_plural = _("references")

    def __str__(self) -> str:
        return self.title

    def as_snapshot(self, number: int) -> dict:
        return {
            "number": number,
            "authors": self.authors,
            "title": self.title,
            "journal": self.journal,
            "year": self.year,
            "pmid": self.pmid,
            "doi": self.doi,
            "url": self.url,
        }
