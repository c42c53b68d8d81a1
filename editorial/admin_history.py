"""Revision history in the admin, strictly read-only."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin


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
