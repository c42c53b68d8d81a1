"""The article admin's workflow panel: its pages and the one view behind its buttons.

Every button of the panel posts to ``action_view``, which finds the action
in ``ACTIONS``: the address it answers, the form it reads, the service it
calls and what it says when done. The steps around them are the same for
all: POST only; the article only for people who may see it (404 for anyone
else, as for an unknown id); a refusal keeps what the user typed, says why
and changes nothing; success says what happened. Writes go through
articles.services and reviewers.services only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from articles import history
from articles.admin.forms import TransitionForm
from articles.admin.panel import keep_input, workflow_context
from articles.admin.timeline import compare_url, timeline_urls
from articles.choices import ArticleState
from articles.exceptions import WorkflowError
from articles.models import Article
from articles.publishing import version_from_working_copy
from articles.services import article_transition
from articles.transitions import transition_info
from reviewers.choices import AssignmentStatus
from reviewers.forms import AcceptForm, AssignForm, CancelAssignmentForm, DecisionForm, DeclineForm
from reviewers.policy import checklist_for
from reviewers.selectors import assignable_members
from reviewers.services import (
    StaleText,
    assignment_accept,
    assignment_cancel,
    assignment_create,
    assignment_decline,
    decision_record,
)


def change_url(pk) -> str:
    return reverse("admin:articles_article_change", args=[pk])


def _day(date) -> str:
    return date.strftime("%-d %B %Y")


@dataclass(frozen=True)
class Done:
    """What an action that went through tells its user."""

    message: str
    # Where the article's page opens, e.g. "#your-review".
    anchor: str = ""
    # The line for the article's admin history, when the action leaves one.
    log: str = ""
    # Parts of the action that were refused while the rest went through.
    refused: tuple[str, ...] = ()


@dataclass(frozen=True)
class Action:
    """One button of the panel: where it posts, what it reads, what it does."""

    route: str  # under the article's admin address
    url_name: str  # admin:articles_article_<url_name>
    form: Callable[[HttpRequest, Article], forms.Form]  # the bound form
    run: Callable[..., Done]  # (request, article, valid form, **route) -> Done, or WorkflowError
    # The refusal when the form is not valid; empty: the form's own errors.
    invalid: str = ""


# --- The actions -------------------------------------------------------------------------


def _transition(request, article: Article, form: TransitionForm, name: str) -> Done:
    info = transition_info(name)
    comment = form.cleaned_data["comment"]
    article_transition(
        article=article,
        name=name,
        by=request.user,
        comment=comment,
        expected_state=form.cleaned_data["state"] or None,
        # Only the approval form has the field; elsewhere nothing changes.
        change_note=form.cleaned_data["change_note"] if "change_note" in request.POST else None,
    )
    return Done(info.done, log=f"{info.label}: {comment}" if comment else info.label)


def _assign(request, article: Article, form: AssignForm) -> Done:
    invited, refused = [], []
    # One transaction per member: one refusal does not undo the others.
    for reviewer in form.cleaned_data["reviewer"]:
        try:
            assignment = assignment_create(
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
        raise WorkflowError(" ".join(refused))
    message = ngettext(
        "%(names)s was invited to review: reply by %(respond)s, review due by %(due)s. "
        "They have been emailed.",
        "%(names)s were invited to review: reply by %(respond)s, review due by %(due)s. "
        "Each has been emailed.",
        len(invited),
    ) % {
        "names": ", ".join(a.reviewer.name for a in invited),
        "respond": _day(invited[0].respond_by),
        "due": _day(invited[0].due_date),
    }
    return Done(message, refused=tuple(refused))


def _cancel(request, article: Article, form: CancelAssignmentForm) -> Done:
    assignment = article.assignments.filter(pk=form.cleaned_data["assignment"]).first()
    if assignment is None:
        raise Http404(_("No such assignment."))
    assignment_cancel(assignment=assignment, by=request.user, reason=form.cleaned_data["reason"])
    return Done(_("The assignment was cancelled."))


def _stale_text_refusal(article: Article, error: StaleText) -> str:
    """The refusal of a decision on an old text, with a link to what changed since."""
    seen = error.seen_revision and history.revision_number(article, error.seen_revision)
    url = (
        compare_url(article, seen)
        if seen
        else reverse("admin:articles_article_timeline", args=[article.pk])
    )
    return format_html(
        '{} <a href="{}">{}</a>', error.message, url, _("What changed since the text you saw")
    )


def _decide(request, article: Article, form: DecisionForm) -> Done:
    assignment = article.assignments.filter(
        reviewer__user=request.user, round=article.review_round, status=AssignmentStatus.OPEN
    ).first()
    if assignment is None:
        raise WorkflowError(_("You have no open review of this article: nothing was recorded."))
    data = form.cleaned_data
    try:
        decision = decision_record(
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
    except StaleText as error:
        raise WorkflowError(_stale_text_refusal(article, error)) from error
    article.refresh_from_db()
    outcome = {
        ArticleState.APPROVED: _("The article is approved and now public."),
        ArticleState.CHANGES_REQUESTED: _("The article went back to its author for changes."),
    }.get(article.state, _("The article stays under review."))
    return Done(
        _("Your decision “%(decision)s” was recorded. %(outcome)s")
        % {"decision": decision.get_decision_display(), "outcome": outcome}
    )


def _my_invitation(request, article: Article):
    invitation = article.assignments.filter(
        reviewer__user=request.user,
        round=article.review_round,
        status=AssignmentStatus.INVITED,
    ).first()
    if invitation is None:
        raise WorkflowError(
            _("You have no open invitation to review this article: nothing was done.")
        )
    return invitation


def _accept_form(request, article: Article) -> AcceptForm:
    # Without an open invitation there is nothing to accept, whatever was
    # ticked: that is said first.
    invitation = _my_invitation(request, article)
    form = AcceptForm(request.POST)
    form.invitation = invitation
    return form


def _accept(request, article: Article, form: AcceptForm) -> Done:
    assignment = form.invitation
    assignment_accept(assignment=assignment, by=request.user)
    return Done(
        _("You accepted the review. It is due by %(due)s; your decision form is below.")
        % {"due": _day(assignment.due_date)},
        anchor="#your-review",
    )


def _decline(request, article: Article, form: DeclineForm) -> Done:
    assignment = _my_invitation(request, article)
    assignment_decline(assignment=assignment, by=request.user, reason=form.cleaned_data["reason"])
    return Done(_("You declined the review. The editors have been told and will ask someone else."))


# Keyed by the name of the form on the page, under which a refusal keeps
# what was typed (articles.admin.panel.keep_input); a transition's is
# "transition:<name>".
ACTIONS: dict[str, Action] = {
    "transition": Action(
        route="transition/<str:name>/",
        url_name="transition",
        form=lambda request, article: TransitionForm(request.POST),
        run=_transition,
        invalid=_("The form was incomplete: nothing was done."),
    ),
    "assign": Action(
        route="assign/",
        url_name="assign",
        form=lambda request, article: AssignForm(
            request.POST, candidates=assignable_members(article)
        ),
        run=_assign,
    ),
    "cancel": Action(
        route="cancel-assignment/",
        url_name="cancel_assignment",
        form=lambda request, article: CancelAssignmentForm(request.POST),
        run=_cancel,
        invalid=_("Say why the assignment is cancelled."),
    ),
    "decide": Action(
        route="decide/",
        url_name="decide",
        form=lambda request, article: DecisionForm(
            request.POST, questions=checklist_for(article.topic)
        ),
        run=_decide,
        invalid=_("Your decision was not recorded: please correct the form below."),
    ),
    "accept": Action(route="accept/", url_name="accept", form=_accept_form, run=_accept),
    "decline": Action(
        route="decline/",
        url_name="decline",
        form=lambda request, article: DeclineForm(request.POST),
        run=_decline,
    ),
}


def _form_errors(form: forms.Form) -> str:
    return " ".join(e for field in form.errors.values() for e in field)


# --- The mixin ---------------------------------------------------------------------------


class WorkflowPanelMixin:
    """For the article's ModelAdmin: the panel on its page, the actions, the preview."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            *(
                path(
                    f"<path:object_id>/{action.route}",
                    wrap(self.action_view),
                    {"action": key},
                    name=f"articles_article_{action.url_name}",
                )
                for key, action in ACTIONS.items()
            ),
            path(
                "<path:object_id>/preview/",
                wrap(self.preview_view),
                name="articles_article_preview",
            ),
            *timeline_urls(self),
            *super().get_urls(),
        ]

    def visible_article(self, request, object_id) -> Article:
        """The article if this user may see it; 404 otherwise, as for unknown ids."""
        article = self.get_object(request, unquote(object_id))
        if article is None or not self.has_view_or_change_permission(request, article):
            raise Http404(_("No such article."))
        return article

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
            extra_context = {**(extra_context or {}), **workflow_context(request, article)}
        return super().change_view(request, object_id, form_url, extra_context)

    @method_decorator(require_POST)
    def action_view(self, request, object_id, action: str, name: str = ""):
        """Carry out one button of the panel (``ACTIONS[action]``), or say why not."""
        article = self.visible_article(request, object_id)
        step = ACTIONS[action]
        try:
            form = step.form(request, article)
            if not form.is_valid():
                raise WorkflowError(step.invalid or _form_errors(form))
            done = step.run(request, article, form, **({"name": name} if name else {}))
        except WorkflowError as error:
            keep_input(request, article, f"{action}:{name}" if name else action, request.POST)
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(change_url(article.pk))
        if done.log:
            self.log_change(request, article, done.log)
        self.message_user(request, done.message, messages.SUCCESS)
        for message in done.refused:
            self.message_user(request, message, messages.ERROR)
        return HttpResponseRedirect(change_url(article.pk) + done.anchor)

    def preview_view(self, request, object_id):
        article = self.visible_article(request, object_id)
        return TemplateResponse(
            request,
            "public/article.html",
            {
                "version": version_from_working_copy(article),
                "preview": True,
                "change_url": change_url(article.pk),
            },
        )
