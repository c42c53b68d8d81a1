from django.contrib.admin import AdminSite
from django.utils.translation import gettext_lazy as _

# What authors and board members use of the back office; the rest of the
# app list (topics, versions, the audit trail, checklists…) is the editors'.
# They can still open those pages by address where their permissions allow.
USED_BY = {
    "author": {("articles", "article")},
    "member": {
        ("articles", "article"),
        ("reviewers", "reviewassignment"),
        ("reviewers", "boardmember"),
    },
}


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

    def get_urls(self):
        from articles.admin.tools import admin_tool_urls

        # Before the app index (/admin/articles/) and the catch-all.
        return [*admin_tool_urls(self), *super().get_urls()]

    def get_app_list(self, request, app_label=None):
        from articles.conditions import is_editor

        app_list = super().get_app_list(request, app_label)
        user = request.user
        if user.is_superuser or is_editor(user):
            return app_list
        used = set(USED_BY["author"]) if user.has_perm("articles.add_article") else set()
        if hasattr(user, "board_member"):
            used |= USED_BY["member"]
        trimmed = []
        for app in app_list:
            label = app["app_label"]
            models = [m for m in app["models"] if (label, m["object_name"].lower()) in used]
            if models:
                trimmed.append({**app, "models": models})
        return trimmed

    def index(self, request, extra_context=None):
        from articles.conditions import is_editor
        from editorial.dashboard import editor_desk, editor_stats, work_queues
        from notifications import selectors as inbox

        editor = is_editor(request.user)
        extra_context = {
            **(extra_context or {}),
            "work_queues": work_queues(request.user),
            "work_stats": editor_stats() if editor else [],
            "desk": editor_desk() if editor else None,
            # An author's or member's front page is their queues: the
            # "Recent actions" box stays empty for them and only takes room.
            "show_recent_actions": editor or request.user.is_superuser,
            "inbox_entries": inbox.unread(request.user),
            "inbox_unread": inbox.unread_count(request),
            "failed_emails": inbox.failed_deliveries() if editor else None,
        }
        return super().index(request, extra_context)
