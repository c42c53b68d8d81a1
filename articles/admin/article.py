"""The article's admin page: writing it, its references, its list; and topics.

The admin only gathers input and shows results. Every change of state,
assignment or decision goes through articles.services or reviewers.services,
which check permissions and conditions and say why they refuse. The workflow
panel and its actions are articles.admin.workflow; who may open which
article is articles.admin.visibility.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from articles import services
from articles.admin.forms import ArticleForm, ReferenceForm
from articles.admin.inputs import references_renderer
from articles.admin.logged import ActionLoggedAdmin
from articles.admin.panel import state_pill
from articles.admin.visibility import articles_visible_to
from articles.admin.workflow import WorkflowPanelMixin, change_url
from articles.conditions import may_edit_content, wrote
from articles.exceptions import WorkflowError
from articles.models import Article, Reference, Topic
from articles.rendering import unresolved_markers
from articles.roles import display_name, is_editor
from editorial.admin_bases import ReadOnlyHistoryAdmin


@admin.register(Topic)
class TopicAdmin(ActionLoggedAdmin, ReadOnlyHistoryAdmin):
    logged_action = "policy.topic"

    list_display = [
        "name",
        "specialty",
        "approvals",
        "require_specialty_match",
        "review_interval",
    ]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_fieldsets(self, request, obj=None):
        policy = _(
            "Empty fields follow the global policy: %(n)s approval(s), re-review every "
            "%(m)s months."
        ) % {
            "n": settings.EDITORIAL_REQUIRED_APPROVALS,
            "m": settings.EDITORIAL_REVIEW_INTERVAL_MONTHS,
        }
        return [
            (None, {"fields": ["name", "slug", "description"]}),
            (
                _("Review policy"),
                {
                    "fields": [
                        "specialty",
                        "required_approvals",
                        "require_specialty_match",
                        "review_interval_months",
                    ],
                    "description": policy,
                },
            ),
        ]

    @admin.display(description=_("approvals required"), ordering="required_approvals")
    def approvals(self, obj):
        if obj.required_approvals:
            return obj.required_approvals
        return _("%(n)s (default)") % {"n": settings.EDITORIAL_REQUIRED_APPROVALS}

    @admin.display(description=_("re-review every"), ordering="review_interval_months")
    def review_interval(self, obj):
        months = obj.review_interval_months or settings.EDITORIAL_REVIEW_INTERVAL_MONTHS
        label = _("%(m)s months") % {"m": months}
        return label if obj.review_interval_months else _("%(l)s (default)") % {"l": label}


def may_edit(request, article: Article | None) -> bool:
    """Whether the article's page (and its references) open as an editable form."""
    if article is None:
        return request.user.has_perm("articles.add_article")
    if may_edit_content(article, request.user):
        return True
    # A save that raced a transition still reaches the form, which refuses
    # it with the user's text on screen rather than a bare 403.
    return request.method == "POST" and (wrote(article, request.user) or is_editor(request.user))


class NumberedReferenceFormSet(BaseInlineFormSet):
    """New rows come numbered after the existing ones: 1, 2, 3…"""

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None and index >= self.initial_form_count():
            kwargs["initial"] = {"position": index + 1}
        return kwargs


class ReferenceInline(admin.StackedInline):
    """Each reference a card: full-width title, the identifiers beside the lookup."""

    model = Reference
    form = ReferenceForm
    formset = NumberedReferenceFormSet
    extra = 1
    fields = [("pmid", "doi"), "authors", "title", ("journal", "year"), ("url", "position")]
    classes = ["wf-reference-cards"]
    verbose_name = _("reference")
    verbose_name_plural = _("References — marker [1] cites the first, [2] the second…")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and may_edit(request, obj)

    def get_formset(self, request, obj=None, **kwargs):
        # Some 350 inputs on a long article (articles.admin.inputs).
        kwargs.setdefault("renderer", references_renderer())
        return super().get_formset(request, obj, **kwargs)

    def get_extra(self, request, obj=None, **kwargs):
        if obj is None or not obj.references.exists():
            return 3
        return 1


@admin.register(Article)
class ArticleAdmin(WorkflowPanelMixin, ReadOnlyHistoryAdmin):
    form = ArticleForm
    change_form_template = "admin/articles/article/change_form.html"
    inlines = [ReferenceInline]
    list_display = ["title", "topic", "author_name", "state_badge", "public", "updated_at"]
    list_filter = ["state", "topic"]
    search_fields = ["title", "summary", "slug"]
    list_select_related = ["topic", "author", "live_version"]
    date_hierarchy = None
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["title", "slug", "topic", "summary"]}),
        (
            _("The answer, for professionals and for patients"),
            {
                # Side by side as equals: patients are the default audience.
                "fields": [("body", "plain_body")],
                "classes": ["wf-answers"],
                "description": _(
                    "Write the answer and its plain-language version together; both cite the "
                    "same references. The preview under each box shows it as readers will "
                    "see it."
                ),
            },
        ),
        (_("When to get help urgently (optional)"), {"fields": ["urgent_help"]}),
        (
            _("Origin and change note"),
            {
                "fields": [
                    "origin",
                    ("generator", "generator_version"),
                    "source_reference",
                    "change_note",
                ]
            },
        ),
    ]
    save_on_top = True
    prepopulated_fields = {"slug": ["title"]}
    # The workflow panel links the live public page when there is one.
    view_on_site = False

    # --- Who sees and edits what --------------------------------------------

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("topic", "author", "live_version")
        return articles_visible_to(request.user, queryset)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Articles are withdrawn, rejected or retracted, never deleted:
        # their history must stay complete.
        return False

    def get_fieldsets(self, request, obj=None):
        if obj is None or self.has_change_permission(request, obj):
            return self.fieldsets
        # Readers of a frozen article want the rendered answer (in the review
        # panel and the preview); the Markdown source stays one click away.
        return [
            (None, {"fields": ["title", "slug", "topic", "summary"]}),
            (
                _("Answer (Markdown source)"),
                {"fields": ["body", "plain_body", "urgent_help"], "classes": ["collapse"]},
            ),
            (
                None,
                {
                    "fields": [
                        "origin",
                        ("generator", "generator_version"),
                        "source_reference",
                        "change_note",
                    ]
                },
            ),
        ]

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            for inline in inlines:
                inline.classes = ["collapse"]
        return inlines

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if obj is None else {}

    def get_changeform_initial_data(self, request):
        return {"topic": Topic.objects.order_by("name").first()}

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and obj.is_editable and request.method in ("GET", "HEAD"):
            # Citation problems beside the text that has them, from the last save.
            count = len(obj.references.all())
            for name in ("body", "plain_body"):
                markers = unresolved_markers(getattr(obj, name), count)
                if name in form.base_fields and markers:
                    form.base_fields[name].help_text = format_html(
                        '{}<strong class="wf-citation-warning" role="note">{}</strong>',
                        form.base_fields[name].help_text,
                        ngettext(
                            "This text cites %(markers)s, but there is no such reference: "
                            "add it below or correct the marker. Until then it cannot be "
                            "submitted.",
                            "This text cites %(markers)s, but there are no such references: "
                            "add them below or correct the markers. Until then it cannot be "
                            "submitted.",
                            len(markers),
                        )
                        % {"markers": ", ".join(dict.fromkeys(markers))},
                    )
        return form

    def save_model(self, request, obj, form, change):
        services.article_save_content(article=obj, by=request.user)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # In the transaction of the save: the log names what the references became.
        notes = [
            note
            for formset in formsets
            if formset.model is Reference
            for note in _reference_notes(formset)
        ]
        services.article_references_saved(
            article=form.instance,
            by=request.user,
            notes=notes,
            part_of=form.instance.action_seq or None,
        )

    def _after_save(self, request, obj):
        """Submit when asked to, and say at once what still stops a submission."""
        article = Article.objects.get(pk=obj.pk)
        if "_submit" in request.POST:
            try:
                services.article_submit(article=article, by=request.user)
            except WorkflowError as error:
                self.message_user(
                    request,
                    _("Saved as a draft, but not submitted: %(reason)s")
                    % {"reason": error.message},
                    messages.WARNING,
                )
            else:
                # Replace Django's "changed successfully": one message, the outcome.
                list(messages.get_messages(request))
                self.message_user(
                    request,
                    _("Saved and submitted for review. The editors have been told."),
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(change_url(obj.pk))
        count = article.references.count()
        markers = unresolved_markers(article.body, count) + unresolved_markers(
            article.plain_body, count
        )
        if markers:
            self.message_user(
                request,
                _(
                    "Saved, with a citation problem: the text cites %(markers)s beyond the "
                    "references. See the warning beside the text."
                )
                % {"markers": ", ".join(dict.fromkeys(markers))},
                messages.WARNING,
            )
        return HttpResponseRedirect(change_url(obj.pk))

    def response_post_save_add(self, request, obj):
        # The workflow buttons live on the article's page: stay there.
        return self._after_save(request, obj)

    def response_post_save_change(self, request, obj):
        return self._after_save(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        article = obj
        context["wf_can_save_and_submit"] = (
            article is None and request.user.has_perm("articles.add_article")
        ) or (
            article is not None
            and article.is_editable
            and wrote(article, request.user)
            and self.has_change_permission(request, article)
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "show_save_and_add_another": False}
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except WorkflowError as error:
            # The article changed state between loading and saving the form.
            self.message_user(request, error.message, messages.ERROR)
            if object_id:
                return HttpResponseRedirect(change_url(unquote(object_id)))
            return HttpResponseRedirect(reverse("admin:articles_article_changelist"))

    # --- List columns ----------------------------------------------------------

    @admin.display(description=_("author"), ordering="author__last_name")
    def author_name(self, obj):
        return display_name(obj.author)

    @admin.display(description=_("state"), ordering="state")
    def state_badge(self, obj):
        return state_pill(obj.state, obj.get_state_display())

    @admin.display(description=_("public"), boolean=True)
    def public(self, obj):
        return obj.live_version_id is not None


def _reference_notes(formset) -> list[str]:
    """One line per reference the admin's form set added, changed or removed."""
    notes = [_("added reference “%(title)s”") % {"title": ref.title} for ref in formset.new_objects]
    notes += [
        _("changed %(fields)s of reference “%(title)s”")
        % {
            "fields": ", ".join(str(ref._meta.get_field(f).verbose_name) for f in fields),
            "title": ref.title,
        }
        for ref, fields in formset.changed_objects
    ]
    notes += [
        _("removed reference “%(title)s”") % {"title": ref.title} for ref in formset.deleted_objects
    ]
    return notes
