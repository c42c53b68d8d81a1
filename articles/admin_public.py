"""The back office for what readers send and read besides articles."""

from __future__ import annotations

from django.contrib import admin

from articles.models import ProblemReport, SitePage
from editorial.admin_history import ReadOnlyHistoryAdmin


@admin.register(SitePage)
class SitePageAdmin(ReadOnlyHistoryAdmin):
    list_display = ["title", "slug", "updated_at"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(ProblemReport)
class ProblemReportAdmin(ReadOnlyHistoryAdmin):
    list_display = ["created_at", "version", "kind", "status"]
    list_filter = ["status", "kind"]
    list_select_related = ["version"]
    readonly_fields = ["article", "version", "kind", "message", "email", "created_at"]
    fields = [*readonly_fields, "status", "editor_note"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
