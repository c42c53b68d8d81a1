"""Bases for admins of records nobody edits by hand: revision history, written-once rows.

Both apps' admins build on them, so they live outside either app's admin
package (whose import registers models with the site).
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

# Change reasons of admin saves; workflow saves carry their transition instead.
ADMIN_ADD = "Added in admin"
ADMIN_EDIT = "Edited in admin"
ADMIN_DELETE = "Deleted in admin"


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin, minus its write paths and its leaks.

    Its history form view saves a POST (any staff user who may view an
    object could overwrite it, state included), and its history views fall
    back to the history table for objects the user may not see. History
    views here answer GET only, and only for objects in the user's queryset.
    """

    def _check_visible(self, request, object_id) -> None:
        try:
            visible = self.get_queryset(request).filter(pk=object_id).exists()
        except (ValueError, ValidationError):
            visible = False
        if not visible:
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._check_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        self._check_visible(request, object_id)
        if not str(version_id).isdigit():
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)

    def has_change_history_permission(self, request, obj=None) -> bool:
        return False

    # Every change made through the admin says who made it (simple-history
    # takes the user from the request) and why, unless the admin's own
    # code gave a more precise reason.

    def save_model(self, request, obj, form, change):
        if not getattr(obj, "_change_reason", None):
            obj._change_reason = ADMIN_EDIT if change else ADMIN_ADD
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        obj._history_user = request.user
        if not getattr(obj, "_change_reason", None):
            obj._change_reason = ADMIN_DELETE
        super().delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.forms:
            instance = inline_form.instance
            if not getattr(instance, "_change_reason", None):
                if formset.can_delete and formset._should_delete_form(inline_form):
                    instance._change_reason = ADMIN_DELETE
                elif instance._state.adding:
                    instance._change_reason = ADMIN_ADD
                else:
                    instance._change_reason = ADMIN_EDIT
            instance._history_user = request.user
        super().save_formset(request, form, formset, change)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the application writes once and nobody edits or deletes."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
