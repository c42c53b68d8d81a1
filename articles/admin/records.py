"""Read-only admins of what the workflow records: references' history, published
versions, the audit trail and the action log.

Nobody adds, edits or deletes these rows by hand. Each list shows only what
belongs to articles its reader may open (articles.admin.visibility); the
action log is for editors, without their own articles.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from articles import history
from articles.admin.visibility import articles_visible_to
from articles.models import ActionLogEntry, AuditEntry, PublishedVersion, Reference
from articles.roles import display_name, is_editor
from editorial.admin_bases import ReadOnlyAdmin, ReadOnlyHistoryAdmin


@admin.register(Reference)
class ReferenceAdmin(ReadOnlyHistoryAdmin, ReadOnlyAdmin):
    """References are edited inline on their article; this serves their history."""

    list_display = ["title", "article", "position"]
    list_select_related = ["article"]
    search_fields = ["title", "article__title"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(article__in=articles_visible_to(request.user))

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
        return super().get_queryset(request).filter(article__in=articles_visible_to(request.user))

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
        return super().get_queryset(request).filter(article__in=articles_visible_to(request.user))

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
