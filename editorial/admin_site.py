"""The back office's admin site: its front page starts with the user's own work.

The site knows no app's admin: apps register their model admins with it, and
the paths that belong to no model with ``register_urls`` (articles.admin
does so for its tools). Importing an app's admin package from here would run
its registrations while Django is still building this site (``admin.site``
is built lazily, from this module), so the dependency points the other way.
"""

from django.contrib.admin import AdminSite
from django.urls import URLPattern
from django.utils.translation import gettext_lazy as _

from accounts import session
from articles.roles import is_editor
from editorial.dashboard import editor_desk, editor_stats, work_queues
from notifications import selectors as inbox

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

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)
        self._extra_urls: list[URLPattern] = []

    def register_urls(self, urls: list[URLPattern]) -> None:
        """Add an app's paths that belong to no model, e.g. /admin/articles/reference-lookup/."""
        self._extra_urls.extend(urls)

    def has_permission(self, request) -> bool:
        """Staff whose sign-in still lacks its second step are not in yet."""
        return super().has_permission(request) and session.state(request) not in (
            session.VERIFY,
            session.ENROL,
        )

    def get_urls(self):
        # Before the app index (/admin/articles/) and the catch-all.
        return [*self._extra_urls, *super().get_urls()]

    def get_app_list(self, request, app_label=None):
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
