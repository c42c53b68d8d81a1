"""The back office for what readers send and read besides articles.

Problem reports are a work queue: the open ones first, each with the page
the reader saw and the article to fix one click away, and actions that
record who handled them (with history, one save per report).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from articles import reports as report_services
from articles.choices import ReportStatus
from articles.exceptions import WorkflowError
from articles.models import ProblemReport, SearchSynonym, SitePage
from editorial.admin_bases import ReadOnlyHistoryAdmin

OPEN_STATUSES = (ReportStatus.NEW, ReportStatus.IN_PROGRESS)


@admin.register(SitePage)
class SitePageAdmin(ReadOnlyHistoryAdmin):
    list_display = ["title", "public_link", "updated_at"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (
            None,
            {
                "fields": ["title", "slug", "body"],
                "description": _(
                    "The page with the web address “editorial-policy” replaces the built-in "
                    "editorial policy at /editorial-policy/. The rules in force (approvals "
                    "needed, review interval) are always added below it from the settings, so "
                    "they cannot go out of date. Every saved change is kept in the history."
                ),
            },
        )
    ]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if not SitePage.objects.filter(slug="editorial-policy").exists():
            initial.setdefault("slug", "editorial-policy")
            initial.setdefault("title", _("Editorial policy"))
        return initial

    @admin.display(description=_("public page"))
    def public_link(self, page: SitePage) -> str:
        if page.slug == "editorial-policy":
            url = reverse("articles:editorial_policy")
            return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)
        return "—"


@admin.register(SearchSynonym)
class SearchSynonymAdmin(ReadOnlyHistoryAdmin):
    list_display = ["words", "term", "note", "try_it", "updated_at"]
    search_fields = ["words", "term", "note"]
    fieldsets = [
        (
            None,
            {
                "fields": ["words", "term", "note"],
                "description": _(
                    "When a reader searches for any of the readers' words, the search also "
                    "looks for the term our answers use, and ranks the answers that use it "
                    "with the others. A change works on the next search: nothing needs to be "
                    "re-indexed. Map everyday words, brand names and other spellings to the "
                    "word the answers use; do not map words that mean something different."
                ),
            },
        )
    ]

    @admin.display(description=_("try it"))
    def try_it(self, synonym: SearchSynonym) -> str:
        variants = synonym.variants()
        if not variants:
            return "—"
        url = reverse("articles:search") + "?" + urlencode({"q": variants[0]})
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, variants[0])


class OpenFilter(admin.SimpleListFilter):
    """Open reports by default: that is the queue editors work through."""

    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("open", _("Open (new or being looked at)")),
            ("closed", _("Closed")),
            ("all", _("All")),
        ]

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": (self.value() or "open") == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or "open"
        if value == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        if value == "closed":
            return queryset.exclude(status__in=OPEN_STATUSES)
        return queryset


@admin.register(ProblemReport)
class ProblemReportAdmin(ReadOnlyHistoryAdmin):
    list_display = ["excerpt", "status_badge", "article_title", "created_at", "handled_by"]
    list_display_links = ["excerpt"]
    list_filter = [OpenFilter, "status", "kind"]
    list_select_related = ["version", "article", "handled_by"]
    search_fields = ["message", "email", "version__title", "article__title"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "created_at",
        "kind",
        "message",
        "reply_to",
        "article_links",
        "version_read",
        "handled_by",
        "reply_sent",
        "revision_started_at",
    ]
    fieldsets = [
        (_("What the reader sent"), {"fields": ["created_at", "kind", "message", "reply_to"]}),
        (_("Where"), {"fields": ["article_links", "version_read"]}),
        (
            _("Handling"),
            {
                "fields": [
                    "status",
                    "editor_note",
                    "handled_by",
                    "reply_sent",
                    "revision_started_at",
                ]
            },
        ),
    ]
    change_form_template = "admin/articles/problemreport/change_form.html"
    actions = ["mark_in_progress", "mark_resolved", "mark_dismissed"]

    class Media:
        css = {"all": ["css/admin-reports.css"]}

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # --- Columns -------------------------------------------------------------------

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, report: ProblemReport) -> str:
        return format_html(
            '<span class="report-status report-status--{}">{}</span>',
            report.status,
            report.get_status_display(),
        )

    @admin.display(description=_("article"), ordering="version__title")
    def article_title(self, report: ProblemReport) -> str:
        return report.version.title

    @admin.display(description=_("report"))
    def excerpt(self, report: ProblemReport) -> str:
        return Truncator(report.message).chars(90)

    @admin.display(description=_("reader's email"))
    def reply_to(self, report: ProblemReport) -> str:
        if not report.email:
            return _("none given: the reader asked for no reply")
        return format_html('<a href="mailto:{}">{}</a>', report.email, report.email)

    @admin.display(description=_("article"))
    def article_links(self, report: ProblemReport) -> str:
        public = reverse("articles:detail", kwargs={"slug": report.version.slug})
        change = reverse("admin:articles_article_change", args=[report.article_id])
        return format_html(
            '{} · <a href="{}">{}</a> · <a href="{}" target="_blank" rel="noopener">{}</a>',
            report.version.title,
            change,
            _("open in the back office"),
            public,
            _("public page"),
        )

    @admin.display(description=_("version read"))
    def version_read(self, report: ProblemReport) -> str:
        live_id = report.article.live_version_id
        if live_id == report.version_id:
            state = _("still the live version")
        elif live_id is None:
            state = _("the article is no longer public")
        else:
            state = _("a newer version has been published since")
        return format_html(
            "{} {} · {} · {}",
            _("Version"),
            report.version.number,
            report.version.approved_at.strftime("%Y-%m-%d"),
            state,
        )

    @admin.display(description=_("reply to the reader"))
    def reply_sent(self, report: ProblemReport) -> str:
        if not report.replied_at:
            return _("none sent yet")
        return format_html(
            "{} <br><span class='wf-muted'>{} {}</span>",
            report.reply,
            report.replied_at.strftime("%-d %b %Y %H:%M"),
            report.replied_by or "",
        )

    # --- Reply and revision, from the desk, the article's page or the report ------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/reply/", wrap(self.reply_view), name="articles_problemreport_reply"),
            path(
                "<int:pk>/start-revision/",
                wrap(self.start_revision_view),
                name="articles_problemreport_start_revision",
            ),
            *super().get_urls(),
        ]

    def _back(self, request, report_pk: int):
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = reverse("admin:articles_problemreport_change", args=[report_pk])
        return HttpResponseRedirect(target)

    def _report_or_404(self, request, pk: int) -> ProblemReport:
        report = self.get_queryset(request).filter(pk=pk).first()
        if report is None or not self.has_change_permission(request, report):
            raise Http404(_("No such report."))
        return report

    @method_decorator(require_POST)
    def reply_view(self, request, pk: int):
        report = self._report_or_404(request, pk)
        try:
            report_services.report_reply(
                report=report, by=request.user, text=request.POST.get("reply", "")
            )
        except WorkflowError as error:
            self.message_user(request, error.message, messages.ERROR)
            return self._back(request, pk)
        self.message_user(
            request,
            _("Your reply was emailed to the reader and recorded on the report."),
            messages.SUCCESS,
        )
        return self._back(request, pk)

    @method_decorator(require_POST)
    def start_revision_view(self, request, pk: int):
        report = self._report_or_404(request, pk)
        try:
            report_services.report_start_revision(report=report, by=request.user)
        except WorkflowError as error:
            self.message_user(request, error.message, messages.ERROR)
            return self._back(request, pk)
        self.message_user(
            request,
            _(
                "A revision is open as a draft, linked to the report. Readers keep the approved "
                "version; publishing the revision closes the report with a note."
            ),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse("admin:articles_article_change", args=[report.article_id])
        )

    # --- Handling --------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        if change and "status" in form.changed_data:
            obj.handled_by = request.user
        super().save_model(request, obj, form, change)

    def _set_status(self, request, queryset: QuerySet[ProblemReport], status: str) -> None:
        changed = 0
        # One save per report, so that each change is in the history.
        for report in queryset:
            if report.status != status:
                report.status = status
                report.handled_by = request.user
                report._change_reason = f"Marked “{ReportStatus(status).label}”"
                report.save()
                changed += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d report marked “%(status)s”.",
                "%(count)d reports marked “%(status)s”.",
                changed,
            )
            % {"count": changed, "status": ReportStatus(status).label},
            messages.SUCCESS,
        )

    @admin.action(description=_("Mark as being looked at"), permissions=["change"])
    def mark_in_progress(self, request, queryset):
        self._set_status(request, queryset, ReportStatus.IN_PROGRESS)

    @admin.action(description=_("Mark as resolved"), permissions=["change"])
    def mark_resolved(self, request, queryset):
        self._set_status(request, queryset, ReportStatus.RESOLVED)

    @admin.action(description=_("Dismiss"), permissions=["change"])
    def mark_dismissed(self, request, queryset):
        self._set_status(request, queryset, ReportStatus.DISMISSED)
