"""The back office for articles: writing, the workflow buttons, and the trail.

The admin only gathers input and shows results. Every change of state,
assignment or decision goes through articles.services or reviewers.services,
which check permissions and conditions and say why they refuse.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db import models
from django.db.models import Q, prefetch_related_objects
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from articles import history, services, transitions
from articles.admin.forms import (
    AcceptForm,
    ArticleForm,
    AssignForm,
    CancelAssignmentForm,
    DecisionForm,
    DeclineForm,
    ReferenceForm,
    TransitionForm,
)
from articles.admin.inputs import input_renderer
from articles.admin.logged import ActionLoggedAdmin
from articles.admin.timeline import compare_url as history_compare_url
from articles.admin.timeline import timeline_context, timeline_urls
from articles.choices import ArticleState
from articles.conditions import is_editor, may_edit_content, wrote
from articles.fingerprints import article_fingerprint, short
from articles.models import (
    ActionLogEntry,
    Article,
    AuditEntry,
    PublishedVersion,
    Reference,
    Topic,
)
from articles.rendering import uncited_references, unresolved_markers
from articles.roles import display_name
from articles.services import WorkflowError
from articles.viewer import Viewer
from editorial.admin_bases import ReadOnlyHistoryAdmin
from reviewers import policy as review_policy
from reviewers import selectors as review_selectors
from reviewers import services as review_services
from reviewers.choices import AssignmentStatus, Decision
from reviewers.models import ReviewAssignment
from reviewers.rounds import default_deadlines

STATE_COLOURS = {
    ArticleState.DRAFT: "grey",
    ArticleState.SUBMITTED: "blue",
    ArticleState.UNDER_REVIEW: "violet",
    ArticleState.CHANGES_REQUESTED: "amber",
    ArticleState.APPROVED: "green",
    ArticleState.REJECTED: "red",
    ArticleState.RETRACTED: "red",
}


# Days ahead in which a published version's next review counts as due.
REVIEW_DUE_WINDOW = 30


def state_pill(state: str, label: str) -> str:
    return format_html(
        '<span class="wf-pill wf-{}">{}</span>', STATE_COLOURS.get(state, "grey"), label
    )


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
        # Some 350 inputs on a long article: written without the template engine.
        kwargs.setdefault("renderer", input_renderer)
        return super().get_formset(request, obj, **kwargs)

    def get_extra(self, request, obj=None, **kwargs):
        if obj is None or not obj.references.exists():
            return 3
        return 1


@admin.register(Article)
class ArticleAdmin(ReadOnlyHistoryAdmin):
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
        user = request.user
        if is_editor(user):
            return queryset
        reviewing = ReviewAssignment.objects.filter(reviewer__user=user).exclude(
            status=AssignmentStatus.CANCELLED
        )
        return queryset.filter(Q(author=user) | Q(pk__in=reviewing.values("article")))

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
            return HttpResponseRedirect(self._change_url(obj.pk))
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
        return HttpResponseRedirect(self._change_url(obj.pk))

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
                return HttpResponseRedirect(self._change_url(unquote(object_id)))
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

    # --- The workflow panel -------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/transition/<str:name>/",
                wrap(self.transition_view),
                name="articles_article_transition",
            ),
            path(
                "<path:object_id>/assign/", wrap(self.assign_view), name="articles_article_assign"
            ),
            path(
                "<path:object_id>/cancel-assignment/",
                wrap(self.cancel_assignment_view),
                name="articles_article_cancel_assignment",
            ),
            path(
                "<path:object_id>/decide/", wrap(self.decide_view), name="articles_article_decide"
            ),
            path(
                "<path:object_id>/accept/", wrap(self.accept_view), name="articles_article_accept"
            ),
            path(
                "<path:object_id>/decline/",
                wrap(self.decline_view),
                name="articles_article_decline",
            ),
            path(
                "<path:object_id>/preview/",
                wrap(self.preview_view),
                name="articles_article_preview",
            ),
            *timeline_urls(self),
            *super().get_urls(),
        ]

    def _change_url(self, pk) -> str:
        return reverse("admin:articles_article_change", args=[pk])

    def _visible_article(self, request, object_id) -> Article:
        """The article if this user may see it; 404 otherwise, as for unknown ids."""
        article = self.get_object(request, unquote(object_id))
        if article is None or not self.has_view_or_change_permission(request, article):
            raise Http404(_("No such article."))
        return article

    def _session_key(self, article) -> str:
        return f"editorial:article:{article.pk}:pending"

    def _keep_input(self, request, article, name: str, data) -> None:
        """Keep what the user typed so a refused action loses nothing."""
        request.session[self._session_key(article)] = {
            "form": name,
            "data": {key: data.get(key, "") for key in data if key != "csrfmiddlewaretoken"},
        }

    def _refuse(self, request, article, name, data, message):
        self._keep_input(request, article, name, data)
        self.message_user(request, message, messages.ERROR)
        return HttpResponseRedirect(self._change_url(article.pk))

    def get_object(self, request, object_id, from_field=None):
        shown = getattr(request, "_editorial_article", None)
        if shown is not None and from_field is None and str(shown.pk) == str(object_id):
            return shown
        return super().get_object(request, object_id, from_field)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, unquote(object_id))
        if article is not None and request.method in ("GET", "HEAD"):
            # The workflow panel and its transitions' conditions count, list
            # and cite the references, and Django's changeform_view reads
            # the article again: on a page view one read serves them all.
            prefetch_related_objects([article], "references")
            request._editorial_article = article
        if article is not None:
            extra_context = {**(extra_context or {}), **self.workflow_context(request, article)}
        return super().change_view(request, object_id, form_url, extra_context)

    def workflow_context(self, request, article: Article) -> dict:
        user = request.user
        pending = request.session.pop(self._session_key(article), None) or {}
        pending_form = pending.get("form")
        pending_data = pending.get("data")

        def restored(form_class, name: str, initial=None, **kwargs):
            """The form as the user last sent it, errors shown, or a fresh one."""
            if pending_form == name:
                form = form_class(pending_data, **kwargs)
                form.is_valid()
                return form
            return form_class(initial=initial, **kwargs)

        actions = [
            {
                "info": info,
                "form": restored(
                    TransitionForm, f"transition:{info.name}", initial={"state": article.state}
                ),
                "effect": effect_on_readers(info.name, article),
                "danger": info.name in DESTRUCTIVE_TRANSITIONS,
            }
            for info in transitions.available_transitions(article, user)
        ]

        blocked = [
            {"info": info, "reason": reason}
            for info, reason in transitions.blocked_transitions(article, user)
        ]

        viewer = Viewer.of(user, article)
        editor = viewer.editor
        author = viewer.author
        assignments = list(
            article.assignments.select_related(
                "reviewer__user", "decision", "assigned_by"
            ).order_by("-round", "assigned_at", "id")
        )
        if not is_editor(user) and not author:
            # A board member sees their own assignments, not their colleagues'.
            assignments = [a for a in assignments if a.reviewer.user_id == user.pk]
        elif not editor:
            # The author follows the decisions, not the editors' staffing.
            assignments = [
                a
                for a in assignments
                if a.status not in (AssignmentStatus.DECLINED, AssignmentStatus.CANCELLED)
            ]
        listing = history.revisions(article)
        _number_reviewed_revisions(assignments, listing)

        reviewing = article.state in (ArticleState.SUBMITTED, ArticleState.UNDER_REVIEW)
        assign_form = None
        unavailable = []
        if editor and not author and reviewing:
            respond_by, due_date = default_deadlines()
            assign_form = restored(
                AssignForm,
                "assign",
                initial={"respond_by": respond_by, "due_date": due_date},
                candidates=review_selectors.assignable_members(article),
            )
            unavailable = review_selectors.unavailable_members(article)

        def mine(status):
            return next(
                (
                    a
                    for a in assignments
                    if a.reviewer.user_id == user.pk
                    and a.status == status
                    and a.round == article.review_round
                ),
                None,
            )

        my_invitation = mine(AssignmentStatus.INVITED) if reviewing else None
        decline_form = restored(DeclineForm, "decline") if my_invitation else None
        my_assignment = mine(AssignmentStatus.OPEN)
        decision_form = None
        preview_html = None
        fingerprint = ""
        if (my_assignment or my_invitation) and reviewing:
            fingerprint = article_fingerprint(article)
        if my_assignment is not None and article.state == ArticleState.UNDER_REVIEW:
            on_screen = {"fingerprint": fingerprint, "revision": listing[-1].history_id}
            if pending_form == "decide" and pending_data:
                # The form comes back under the text now shown, which it names.
                pending_data = {**pending_data, **on_screen}
            decision_form = restored(
                DecisionForm,
                "decide",
                initial=on_screen,
                questions=review_policy.checklist_for(article.topic),
            )
        if (my_assignment or my_invitation) and reviewing:
            preview_html = services.version_from_working_copy(article).body_html

        # Text typed into an action that is no longer offered (the article
        # changed meanwhile) is shown back rather than lost.
        shown = {f"transition:{a['info'].name}" for a in actions}
        if decision_form is not None:
            shown.add("decide")
        if assign_form is not None:
            shown.add("assign")
        if decline_form is not None:
            shown.add("decline")
        unsent = []
        if pending_form and pending_form not in shown:
            unsent = [
                value
                for key, value in (pending_data or {}).items()
                if key
                in {
                    "comment",
                    "comment_to_author",
                    "confidential_note",
                    "conflict_statement",
                    "reason",
                }
                and value.strip()
            ]

        in_review = article.state == ArticleState.UNDER_REVIEW
        counting = {m.pk for m in review_policy.approving_members(article)} if in_review else set()
        for a in assignments:
            a.not_counted = ""
            decision = getattr(a, "decision", None)
            if (
                in_review
                and decision is not None
                and a.round == article.review_round
                and decision.decision == Decision.APPROVE
                and not decision.conflict_declared
                and a.reviewer_id not in counting
            ):
                a.not_counted = a.reviewer.unavailability() or _("Not on the board any more.")
        rounds = []
        for a in assignments:
            if not rounds or rounds[-1]["number"] != a.round:
                rounds.append({"number": a.round, "assignments": []})
            rounds[-1]["assignments"].append(a)
        requested = [
            a.decision
            for a in assignments
            if article.state == ArticleState.CHANGES_REQUESTED
            and a.round == article.review_round
            and getattr(a, "decision", None) is not None
            and a.decision.decision == Decision.REQUEST_CHANGES
        ]
        topic = article.topic
        context = {
            "wf_requested_changes": requested,
            "wf_uncited": uncited_references(
                article.body, len(article.references.all()), article.plain_body
            )
            if article.state not in (ArticleState.APPROVED, ArticleState.RETRACTED)
            else [],
            "wf_unsent": unsent,
            "wf_state": state_pill(article.state, article.get_state_display()),
            "wf_actions": actions,
            "wf_blocked": blocked,
            "wf_assignments": assignments,
            "wf_rounds": rounds,
            "wf_assign_form": assign_form,
            "wf_unavailable": unavailable,
            "wf_can_cancel": editor and not author,
            "wf_my_invitation": my_invitation,
            "wf_decline_form": decline_form,
            "wf_my_assignment": my_assignment,
            "wf_decision_form": decision_form,
            "wf_preview_html": preview_html,
            "wf_fingerprint": fingerprint,
            "wf_fingerprint_short": short(fingerprint),
            "wf_live": article.live_version,
            "wf_approvals": review_policy.approval_count(article) if in_review else None,
            "wf_required": review_policy.required_approvals(topic),
            "wf_specialist": topic.specialty if review_policy.needs_specialist(topic) else "",
            "wf_shortfall": review_policy.approval_shortfall(article) if in_review else "",
            # Conflict statements may name private relationships, and notes
            # to the editors are confidential: editors and the member who
            # wrote one read it; the author sees the recusal only.
            "wf_sees_statements": editor,
            "wf_is_editor": editor,
            # A revision's approval asks for the public "What changed" line.
            "wf_is_revision": article.live_version_id is not None,
            "wf_review_soon": timezone.localdate() + datetime.timedelta(days=REVIEW_DUE_WINDOW),
            **timeline_context(request, article, listing=listing),
        }
        context.update(desk_context(request, article, assignments, context))
        return context

    def transition_view(self, request, object_id, name):
        if request.method != "POST":
            return _method_not_allowed()
        article = self._visible_article(request, object_id)
        form = TransitionForm(request.POST)
        key = f"transition:{name}"
        if not form.is_valid():
            return self._refuse(
                request, article, key, request.POST, _("The form was incomplete: nothing was done.")
            )
        try:
            info = transitions.transition_info(name)
            services.article_transition(
                article=article,
                name=name,
                by=request.user,
                comment=form.cleaned_data["comment"],
                expected_state=form.cleaned_data["state"] or None,
                # Only the approval form has the field; elsewhere nothing changes.
                change_note=(
                    form.cleaned_data["change_note"] if "change_note" in request.POST else None
                ),
            )
        except WorkflowError as error:
            return self._refuse(request, article, key, request.POST, error.message)
        comment = form.cleaned_data["comment"]
        self.log_change(request, article, f"{info.label}: {comment}" if comment else info.label)
        self.message_user(request, info.done, messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(article.pk))

    def assign_view(self, request, object_id):
        if request.method != "POST":
            return _method_not_allowed()
        article = self._visible_article(request, object_id)
        form = AssignForm(request.POST, candidates=review_selectors.assignable_members(article))
        if not form.is_valid():
            errors = " ".join(e for field in form.errors.values() for e in field)
            return self._refuse(request, article, "assign", request.POST, errors)
        invited, refused = [], []
        # One transaction per member: one refusal does not undo the others.
        for reviewer in form.cleaned_data["reviewer"]:
            try:
                assignment = review_services.assignment_create(
                    article=article,
                    reviewer=reviewer,
                    by=request.user,
                    due_date=form.cleaned_data["due_date"],
                    respond_by=form.cleaned_data["respond_by"],
                    message=form.cleaned_data["message"],
                )
            except WorkflowError as error:
                refused.append(error.message)
            else:
                invited.append(assignment)
        if not invited:
            return self._refuse(request, article, "assign", request.POST, " ".join(refused))
        self.message_user(
            request,
            ngettext(
                "%(names)s was invited to review: reply by %(respond)s, review due by %(due)s. "
                "They have been emailed.",
                "%(names)s were invited to review: reply by %(respond)s, review due by %(due)s. "
                "Each has been emailed.",
                len(invited),
            )
            % {
                "names": ", ".join(a.reviewer.name for a in invited),
                "respond": invited[0].respond_by.strftime("%-d %B %Y"),
                "due": invited[0].due_date.strftime("%-d %B %Y"),
            },
            messages.SUCCESS,
        )
        for message in refused:
            self.message_user(request, message, messages.ERROR)
        return HttpResponseRedirect(self._change_url(article.pk))

    def cancel_assignment_view(self, request, object_id):
        if request.method != "POST":
            return _method_not_allowed()
        article = self._visible_article(request, object_id)
        form = CancelAssignmentForm(request.POST)
        if not form.is_valid():
            return self._refuse(
                request, article, "cancel", request.POST, _("Say why the assignment is cancelled.")
            )
        assignment = article.assignments.filter(pk=form.cleaned_data["assignment"]).first()
        if assignment is None:
            raise Http404(_("No such assignment."))
        try:
            review_services.assignment_cancel(
                assignment=assignment, by=request.user, reason=form.cleaned_data["reason"]
            )
        except WorkflowError as error:
            return self._refuse(request, article, "cancel", request.POST, error.message)
        self.message_user(request, _("The assignment was cancelled."), messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(article.pk))

    def decide_view(self, request, object_id):
        if request.method != "POST":
            return _method_not_allowed()
        article = self._visible_article(request, object_id)
        form = DecisionForm(request.POST, questions=review_policy.checklist_for(article.topic))
        if not form.is_valid():
            return self._refuse(
                request,
                article,
                "decide",
                request.POST,
                _("Your decision was not recorded: please correct the form below."),
            )
        assignment = article.assignments.filter(
            reviewer__user=request.user, round=article.review_round, status=AssignmentStatus.OPEN
        ).first()
        if assignment is None:
            return self._refuse(
                request,
                article,
                "decide",
                request.POST,
                _("You have no open review of this article: nothing was recorded."),
            )
        data = form.cleaned_data
        try:
            decision = review_services.decision_record(
                fingerprint=data["fingerprint"],
                revision=data["revision"],
                assignment=assignment,
                by=request.user,
                decision=data["decision"],
                comment_to_author=data["comment_to_author"],
                confidential_note=data["confidential_note"],
                no_conflict=data["conflict"] == "none",
                conflict_declared=data["conflict"] == "declared",
                conflict_statement=data["conflict_statement"],
                checklist=form.checklist_answers(),
            )
        except review_services.StaleText as error:
            seen = error.seen_revision and history.revision_number(article, error.seen_revision)
            url = (
                history_compare_url(article, seen)
                if seen
                else reverse("admin:articles_article_timeline", args=[article.pk])
            )
            message = format_html(
                '{} <a href="{}">{}</a>',
                error.message,
                url,
                _("What changed since the text you saw"),
            )
            return self._refuse(request, article, "decide", request.POST, message)
        except WorkflowError as error:
            return self._refuse(request, article, "decide", request.POST, error.message)
        article.refresh_from_db()
        outcome = {
            ArticleState.APPROVED: _("The article is approved and now public."),
            ArticleState.CHANGES_REQUESTED: _("The article went back to its author for changes."),
        }.get(article.state, _("The article stays under review."))
        self.message_user(
            request,
            _("Your decision “%(decision)s” was recorded. %(outcome)s")
            % {"decision": decision.get_decision_display(), "outcome": outcome},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._change_url(article.pk))

    def _my_invitation(self, request, article):
        return article.assignments.filter(
            reviewer__user=request.user,
            round=article.review_round,
            status=AssignmentStatus.INVITED,
        ).first()

    def accept_view(self, request, object_id):
        if request.method != "POST":
            return _method_not_allowed()
        article = self._visible_article(request, object_id)
        assignment = self._my_invitation(request, article)
        if assignment is None:
            return self._refuse(
                request,
                article,
                "accept",
                request.POST,
                _("You have no open invitation to review this article: nothing was done."),
            )
        accept_form = AcceptForm(request.POST)
        if not accept_form.is_valid():
            errors = " ".join(e for field in accept_form.errors.values() for e in field)
            return self._refuse(request, article, "accept", request.POST, errors)
        try:
            review_services.assignment_accept(assignment=assignment, by=request.user)
        except WorkflowError as error:
            return self._refuse(request, article, "accept", request.POST, error.message)
        self.message_user(
            request,
            _("You accepted the review. It is due by %(due)s; your decision form is below.")
            % {"due": assignment.due_date.strftime("%-d %B %Y")},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._change_url(article.pk) + "#your-review")

    def decline_view(self, request, object_id):
        if request.method != "POST":
            return _method_not_allowed()
        article = self._visible_article(request, object_id)
        form = DeclineForm(request.POST)
        if not form.is_valid():
            errors = " ".join(e for field in form.errors.values() for e in field)
            return self._refuse(request, article, "decline", request.POST, errors)
        assignment = self._my_invitation(request, article)
        if assignment is None:
            return self._refuse(
                request,
                article,
                "decline",
                request.POST,
                _("You have no open invitation to review this article: nothing was done."),
            )
        try:
            review_services.assignment_decline(
                assignment=assignment, by=request.user, reason=form.cleaned_data["reason"]
            )
        except WorkflowError as error:
            return self._refuse(request, article, "decline", request.POST, error.message)
        self.message_user(
            request,
            _("You declined the review. The editors have been told and will ask someone else."),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._change_url(article.pk))

    def preview_view(self, request, object_id):
        article = self._visible_article(request, object_id)
        version = services.version_from_working_copy(article)
        return TemplateResponse(
            request,
            "public/article.html",
            {
                "version": version,
                "preview": True,
                "change_url": self._change_url(article.pk),
            },
        )


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


# Set apart and styled as destructive: they take something away from readers
# or end the article's road to publication.
DESTRUCTIVE_TRANSITIONS = frozenset({"retract", "reject"})


def effect_on_readers(name: str, article: Article) -> str:
    """One line under a workflow button: what pressing it does to what readers see."""
    public = article.live_version_id is not None
    effects = {
        "submit": _("Readers see no change: the text goes to the editors and is frozen."),
        "withdraw": _("Readers see no change: the article becomes a draft again."),
        "start_review": _("Readers see no change: the invited members may decide."),
        "request_changes": _("Readers see no change: the author revises and resubmits."),
        "approve": _("Readers see this text at once, replacing any earlier version."),
        "reject": (
            _(
                "Closes this revision. Readers keep seeing the live version; retract it to "
                "take it down."
            )
            if public
            else _("Closes the article: nothing of it was ever public.")
        ),
        "reopen": _("Readers see no change: the article becomes a draft again."),
        "revise": _("Readers keep the approved version until the revision is approved."),
        "start_rereview": _(
            "Readers keep seeing the approved text, unchanged, while the board reviews it."
        ),
        "retract": _(
            "Readers lose the page at once: its address shows a retraction notice instead."
        ),
    }
    return str(effects.get(name, ""))


def _rendered_words(markdown: str) -> str:
    """The text a reader sees, without Markdown or tags, one paragraph a line."""
    from django.utils.html import strip_tags

    from articles.rendering import render_markdown

    return strip_tags(render_markdown(markdown or ""))


def desk_context(request, article: Article, assignments, context: dict) -> dict:
    """The article page's part of each role's desk: reports, declines, candidates, diff."""
    from articles.models import ProblemReport

    user = request.user
    extra: dict = {
        "wf_reports": [],
        "wf_declines": [],
        "wf_candidates": [],
        "wf_diff": None,
        "wf_danger_actions": [a for a in context["wf_actions"] if a["danger"]],
    }
    if context["wf_is_editor"]:
        extra["wf_reports"] = list(
            ProblemReport.objects.filter(article=article, status__in=["new", "in_progress"])
            .select_related("version")
            .order_by("created_at", "id")
        )
        extra["wf_declines"] = [
            a
            for a in assignments
            if a.status == AssignmentStatus.DECLINED and a.round == article.review_round
        ]
    form = context.get("wf_assign_form")
    if form is not None:
        extra["wf_candidates"] = review_selectors.candidate_rows(form.fields["reviewer"].queryset)
        chosen = set(map(str, form["reviewer"].value() or []))
        for row in extra["wf_candidates"]:
            row.checked = str(row.member.pk) in chosen
    if context.get("wf_my_invitation") is not None:
        extra["wf_accept_form"] = AcceptForm()
    if context.get("wf_decision_form") is not None and context.get("wf_compare_reviewed_url"):
        decision = history.reviewed_decision(article, user)
        if decision is not None:
            number = history.reviewed_revision_number(article, decision)
            row = history.revision_row(article, number)
            extra["wf_diff"] = {
                "number": number,
                "body": history.word_diff(_rendered_words(row.body), _rendered_words(article.body)),
                "plain": history.word_diff(
                    _rendered_words(row.plain_body), _rendered_words(article.plain_body)
                ),
            }
    return extra


def _number_reviewed_revisions(assignments, listing: list[history.Revision]) -> None:
    """Give each decision the timeline's number of the revision it reviewed."""
    decisions = [
        a.decision
        for a in assignments
        if getattr(a, "decision", None) is not None and a.decision.reviewed_revision
    ]
    if not decisions:
        return
    numbers = {r.history_id: r.number for r in listing}
    for decision in decisions:
        decision.revision_number = numbers.get(decision.reviewed_revision)


def _method_not_allowed():
    response = HttpResponseNotAllowed(["POST"])
    response.content = _(
        "This address carries out an action from a button on the article's page; it cannot "
        "be opened directly. Go back to the article and use the button."
    )
    response["Content-Type"] = "text/plain; charset=utf-8"
    return response


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the application writes once and nobody edits or deletes."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _articles_visible_to(request):
    return ArticleAdmin(Article, admin.site).get_queryset(request)


@admin.register(Reference)
class ReferenceAdmin(ReadOnlyHistoryAdmin, ReadOnlyAdmin):
    """References are edited inline on their article; this serves their history."""

    list_display = ["title", "article", "position"]
    list_select_related = ["article"]
    search_fields = ["title", "article__title"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(article__in=_articles_visible_to(request))

    def get_model_perms(self, request):
        # Kept off the index: references are reached from their article.
        return {}


@admin.register(PublishedVersion)
class PublishedVersionAdmin(ReadOnlyAdmin):
    list_display = ["title", "number", "approved_at", "approved_by", "is_live"]
    list_select_related = ["approved_by", "article__live_version"]
    search_fields = ["title", "slug"]
    exclude = ["body_html"]
    readonly_fields = ["rendered"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(article__in=_articles_visible_to(request))

    @admin.display(description=_("live"), boolean=True)
    def is_live(self, obj):
        return obj.article.live_version_id == obj.pk

    @admin.display(description=_("rendered answer"))
    def rendered(self, obj):
        # body_html was sanitised with nh3 when the version was written.
        return format_html('<div class="wf-preview">{}</div>', mark_safe(obj.body_html))


class TransitionFilter(admin.SimpleListFilter):
    """Filter by workflow action, named as on the buttons (“Request changes”)."""

    title = _("action")
    parameter_name = "transition"

    def lookups(self, request, model_admin):
        names = model_admin.get_queryset(request).values_list("transition", flat=True)
        return [(name, history.action_label(f"article.{name}")) for name in sorted(set(names))]

    def queryset(self, request, queryset):
        return queryset.filter(transition=self.value()) if self.value() else queryset


class LoggedActionFilter(admin.SimpleListFilter):
    """Filter the action log by action, in people's words."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        names = model_admin.get_queryset(request).values_list("action", flat=True).distinct()
        return sorted(((name, history.action_label(name)) for name in set(names)), key=str)

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "article", "action", "from_state", "to_state", "by", "comment"]
    list_filter = [TransitionFilter, "to_state"]
    list_select_related = ["article", "by"]
    search_fields = ["article__title", "comment"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(article__in=_articles_visible_to(request))

    @admin.display(description=_("action"), ordering="transition")
    def action(self, obj):
        return history.action_label(f"article.{obj.transition}")


@admin.register(ActionLogEntry)
class ActionLogEntryAdmin(ReadOnlyAdmin):
    """The action log, read-only: what happened, who did it, and the row's hashes."""

    list_display = [
        "at",
        "article",
        "action_name",
        "by_whom",
        "from_state",
        "to_state",
        # The chain and position are on each entry's page: the list fits the screen.
    ]
    list_filter = [LoggedActionFilter, "backfilled"]
    list_select_related = ["by"]
    search_fields = ["action", "chain"]
    date_hierarchy = "at"
    # Payloads may hold what only editors read: the log is for editors.
    exclude = ["payload"]

    def has_module_permission(self, request):
        return is_editor(request.user)

    def has_view_permission(self, request, obj=None):
        return is_editor(request.user)

    def get_queryset(self, request):
        # An editor's own articles are read as their author (articles.viewer).
        return super().get_queryset(request).exclude(article__author=request.user)

    @admin.display(description=_("action"), ordering="action")
    def action_name(self, obj):
        return history.action_label(obj.action)

    @admin.display(description=_("by"))
    def by_whom(self, obj):
        return display_name(obj.by) if obj.by_id else _("the system")


# Registered with the rest of the articles app's admin.
from articles.admin import problem_reports as admin_public  # noqa: E402, F401
