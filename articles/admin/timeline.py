"""The article's trail in the admin: what happened to it, in order, and who did it.

Pages mounted under the article admin (names ``admin:articles_article_<page>``):

- ``timeline``: every revision, transition, decision and published version;
- ``revision``: the article as it stood at one revision, references included;
- ``compare``: two revisions side by side, word by word; either side may be
  a number or ``current``, ``live`` or ``reviewed``;
- ``restore``: start a new revision from an earlier one (GET asks, POST does);
- ``export``: the audit trail as ``csv`` or ``json``;
- ``live_on``: which version readers saw on a date, and who approved it.

Each answers only people who may see the article in the admin
(articles.admin.visibility, through the article admin), and 404 for everyone
else, as for unknown ids. Only ``restore`` writes, through
``articles.services.article_restore``; the other pages answer GET and HEAD only.
"""

from __future__ import annotations

import csv
import datetime
import io
import json

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from articles import conditions, history, services
from articles.exceptions import WorkflowError
from articles.models import Article, Topic
from articles.viewer import Viewer

TIMELINE_PAGE_SIZE = 50
# Events shown in the trail section at the bottom of the article's page.
RECENT_EVENTS = 8


def timeline_urls(model_admin) -> list[URLPattern]:
    """Admin URLs for the trail's own pages, mounted under the article admin."""
    views = TimelineViews(model_admin)
    wrap = model_admin.admin_site.admin_view
    return [
        path(
            "<path:object_id>/timeline/",
            wrap(views.timeline_view),
            name="articles_article_timeline",
        ),
        path(
            "<path:object_id>/timeline/revision/<int:number>/",
            wrap(views.revision_view),
            name="articles_article_revision",
        ),
        path(
            "<path:object_id>/timeline/compare/<str:old>/<str:new>/",
            wrap(views.compare_view),
            name="articles_article_compare",
        ),
        path(
            "<path:object_id>/timeline/restore/<int:number>/",
            wrap(views.restore_view),
            name="articles_article_restore",
        ),
        path(
            "<path:object_id>/timeline/export/<str:fmt>/",
            wrap(views.export_view),
            name="articles_article_export",
        ),
        path(
            "<path:object_id>/timeline/live-on/",
            wrap(views.live_on_view),
            name="articles_article_live_on",
        ),
    ]


def compare_url(article: Article, old: str | int, new: str | int = "current") -> str:
    return reverse("admin:articles_article_compare", args=[article.pk, old, new])


def compare_links(request, article: Article, listing=None) -> dict:
    """The “what changed since…” links that make sense for this user now.

    ``since_reviewed``: from the version the user (a board member) last
    reviewed, or for an editor or the author the version the board last
    reviewed, to the current text, when its text or references changed since.
    ``since_live``: from the live version to the current text, when they differ.
    ``listing``: ``history.revisions(article)``, which numbers the revisions
    here without a query each.
    """
    if listing is None:
        listing = history.revisions(article)
    numbers = {rev.history_id: rev.number for rev in listing}
    links = {"since_reviewed": None, "since_live": None}
    decision = history.reviewed_decision(article, request.user)
    if decision is not None:
        reviewed = numbers.get(decision.reviewed_revision)
        if reviewed is None:
            reviewed = history.reviewed_revision_number(article, decision)
        if history.changed_since(article, reviewed):
            links["since_reviewed"] = compare_url(article, "reviewed")
    if article.live_version_id is not None:
        # The live version's revision is the approval's save: the first to carry it.
        live = next(
            (rev.number for rev in listing if rev.live_version_id == article.live_version_id),
            None,
        )
        if live is None:  # pragma: no cover - approval always saves a revision
            return links
        if history.changed_since(article, live):
            links["since_live"] = compare_url(article, "live")
    return links


def timeline_context(request, article: Article, listing=None) -> dict:
    """What the trail section of an article's admin page shows.

    Only the recent events are built: the page's cost does not grow with
    the article's past, which the full timeline, one click away, shows.
    ``listing``: ``history.revisions(article)``, when the caller has it.
    """
    viewer = Viewer.of(request.user, article)
    if listing is None:
        listing = history.revisions(article)
    events = history.build_timeline(article, viewer, recent=RECENT_EVENTS, listing=listing)
    recent = list(reversed(events[-RECENT_EVENTS:]))
    history.annotate_changes(article, recent)
    links = compare_links(request, article, listing)
    return {
        "hist_recent": recent,
        # Older events than these: all of them when the window left none out.
        "hist_more": len(listing) > RECENT_EVENTS or len(events) > RECENT_EVENTS,
        "hist_revisions": len(listing),
        "hist_timeline_url": reverse("admin:articles_article_timeline", args=[article.pk]),
        "hist_live_on_url": reverse("admin:articles_article_live_on", args=[article.pk]),
        "hist_export_csv_url": reverse("admin:articles_article_export", args=[article.pk, "csv"]),
        "hist_export_json_url": reverse("admin:articles_article_export", args=[article.pk, "json"]),
        # For the decision form: "what changed since the version I reviewed /
        # since the live version", when there is such a change.
        "wf_compare_reviewed_url": links["since_reviewed"],
        "wf_compare_live_url": links["since_live"],
    }


class LiveOnForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("The day a reader saw the article."),
    )
    time = forms.TimeField(
        label=gettext_lazy("Time (optional)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=gettext_lazy("Leave empty to list every version that was live that day."),
    )

    def clean_date(self):
        value = self.cleaned_data["date"]
        if value > timezone.localdate() + datetime.timedelta(days=1):
            raise forms.ValidationError(_("That day has not come yet."))
        return value


class TimelineViews:
    """The views of the timeline pages, sharing the article admin's rules."""

    def __init__(self, model_admin) -> None:
        self.model_admin = model_admin

    # --- Helpers ---------------------------------------------------------------

    def article(self, request, object_id) -> Article:
        # Who sees what is articles.admin.visibility's: editors all, authors
        # their own, board members the articles they were asked to review.
        return self.model_admin.visible_article(request, object_id)

    def render(self, request, template: str, article: Article, title: str, **context):
        admin = self.model_admin
        return TemplateResponse(
            request,
            f"admin/articles/history/{template}",
            {
                **admin.admin_site.each_context(request),
                "opts": admin.model._meta,
                "original": article,
                "title": title,
                "subtitle": article.title,
                "change_url": reverse("admin:articles_article_change", args=[article.pk]),
                "timeline_url": reverse("admin:articles_article_timeline", args=[article.pk]),
                **context,
            },
        )

    def back_to_timeline(self, request, article: Article, message: str):
        messages.error(request, message)
        return HttpResponseRedirect(reverse("admin:articles_article_timeline", args=[article.pk]))

    # --- Pages -------------------------------------------------------------------

    @method_decorator(require_safe)
    def timeline_view(self, request, object_id):
        article = self.article(request, object_id)
        old, new = request.GET.get("old"), request.GET.get("new")
        if old or new:
            if not (old and new):
                return self.back_to_timeline(
                    request, article, _("Choose two revisions to compare: one old, one new.")
                )
            return HttpResponseRedirect(compare_url(article, old, new))
        viewer = Viewer.of(request.user, article)
        events = history.build_timeline(article, viewer)
        oldest_first = request.GET.get("order") == "oldest"
        ordered = events if oldest_first else list(reversed(events))
        page = Paginator(ordered, TIMELINE_PAGE_SIZE).get_page(request.GET.get("page"))
        history.annotate_changes(article, page.object_list)
        revision_count = sum(1 for e in events if e.revision and e.kind != "decision")
        return self.render(
            request,
            "timeline.html",
            article,
            _("Timeline"),
            page=page,
            oldest_first=oldest_first,
            revision_count=revision_count,
            latest_revision=revision_count,
            event_count=len(events),
            restore_refusal=conditions.restore_refusal(article, request.user),
            may_restore=conditions.may_restore(article, request.user),
            links=compare_links(request, article),
            live_on_form=LiveOnForm(),
        )

    @method_decorator(require_safe)
    def revision_view(self, request, object_id, number):
        article = self.article(request, object_id)
        try:
            row = history.revision_row(article, number)
            references = history.references_as_of(article, number)
        except history.HistoryError as error:
            return self.back_to_timeline(request, article, error.message)
        count = Article.history.filter(id=article.pk).count()
        topic = Topic.objects.filter(pk=row.topic_id).values_list("name", flat=True)
        return self.render(
            request,
            "revision.html",
            article,
            _("Revision %(number)s") % {"number": number},
            number=number,
            row=row,
            actor=row.history_user,
            topic_name=next(iter(topic), ""),
            references=references,
            revision_count=count,
            fields=[
                (str(Article._meta.get_field(name).verbose_name), getattr(row, name))
                for name in ("title", "slug", "summary")
            ],
            restore_refusal=conditions.restore_refusal(article, request.user),
            may_restore=conditions.may_restore(article, request.user),
        )

    @method_decorator(require_safe)
    def compare_view(self, request, object_id, old, new):
        article = self.article(request, object_id)
        try:
            old_number = history.resolve_revision(article, old, request.user)
            new_number = history.resolve_revision(article, new, request.user)
            comparison = history.compare(article, old_number, new_number)
        except history.HistoryError as error:
            return self.back_to_timeline(request, article, error.message)
        return self.render(
            request,
            "compare.html",
            article,
            _("Revision %(old)s compared with revision %(new)s")
            % {"old": old_number, "new": new_number},
            comparison=comparison,
            keywords={"old": old, "new": new},
            swapped_url=compare_url(article, new_number, old_number),
            latest_revision=history.resolve_revision(article, "current", request.user),
            restore_refusal=conditions.restore_refusal(article, request.user),
            may_restore=conditions.may_restore(article, request.user),
        )

    @method_decorator(require_http_methods(["GET", "HEAD", "POST"]))
    def restore_view(self, request, object_id, number):
        article = self.article(request, object_id)
        if request.method == "POST":
            try:
                services.article_restore(article=article, number=number, by=request.user)
            except WorkflowError as error:
                messages.error(request, error.message)
                return HttpResponseRedirect(
                    reverse("admin:articles_article_timeline", args=[article.pk])
                )
            reason = services.restore_reason(number)
            self.model_admin.log_change(request, article, reason)
            messages.success(
                request,
                _(
                    "%(reason)s: the text is back as a new revision; no revision was removed. "
                    "Check it, then submit it for review as usual."
                )
                % {"reason": reason},
            )
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
        try:
            current = history.resolve_revision(article, "current", request.user)
            comparison = history.compare(article, current, number)
        except history.HistoryError as error:
            return self.back_to_timeline(request, article, error.message)
        return self.render(
            request,
            "restore.html",
            article,
            _("Restore revision %(number)s") % {"number": number},
            number=number,
            comparison=comparison,
            restore_refusal=conditions.restore_refusal(article, request.user),
        )

    @method_decorator(require_safe)
    def export_view(self, request, object_id, fmt):
        article = self.article(request, object_id)
        if fmt not in ("csv", "json"):
            raise Http404(_("Exports come as CSV or JSON."))
        viewer = Viewer.of(request.user, article)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        name = f"audit-{slugify(article.slug)[:80]}-{stamp}.{fmt}"
        if fmt == "json":
            document = history.audit_document([article], lambda a: viewer)
            response = HttpResponse(
                json.dumps(document, ensure_ascii=False, indent=2, default=str),
                content_type="application/json; charset=utf-8",
            )
        else:
            buffer = io.StringIO()
            csv.writer(buffer).writerows(history.csv_rows(history.audit_records(article, viewer)))
            response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response

    @method_decorator(require_safe)
    def live_on_view(self, request, object_id):
        article = self.article(request, object_id)
        form = LiveOnForm(request.GET or None)
        answer = None
        if form.is_valid():
            answer = history.live_on(article, form.cleaned_data["date"], form.cleaned_data["time"])
        return self.render(
            request,
            "live_on.html",
            article,
            _("Which version was live on a date"),
            form=form,
            answer=answer,
            periods=history.live_periods(article),
        )
