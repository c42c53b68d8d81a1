from django.contrib.admin import AdminSite
from django.utils.translation import gettext_lazy as _


class EditorialAdminSite(AdminSite):
    """The back office: its front page starts with the user's own work."""

    site_header = _("Editorial back office")
    site_title = _("Editorial")
    index_title = _("Your work")
    index_template = "admin/editorial_index.html"

    def has_permission(self, request) -> bool:
        """Staff whose sign-in still lacks its second step are not in yet."""
        from accounts import session

        return super().has_permission(request) and session.state(request) not in (
            session.VERIFY,
            session.ENROL,
        )

    def index(self, request, extra_context=None):
        from articles.conditions import is_editor
        from articles.dashboard import editor_stats, work_queues
        from notifications import selectors as inbox

        extra_context = {
            **(extra_context or {}),
            "work_queues": work_queues(request.user),
            "work_stats": editor_stats() if is_editor(request.user) else [],
            "inbox_entries": inbox.unread(request.user),
            "inbox_unread": inbox.unread_count(request),
            "failed_emails": inbox.failed_deliveries() if is_editor(request.user) else None,
        }
        return super().index(request, extra_context)
