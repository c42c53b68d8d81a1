"""The inbox (every back-office user's own) and outgoing email (for editors and operators)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from articles.roles import is_editor
from notifications import selectors, services
from notifications.choices import EMAIL_BY_DEFAULT, DeliveryStatus, Kind
from notifications.forms import PreferencesForm
from notifications.models import Delivery, Notification, NotificationPreference

INBOX_PAGE_SIZE = 50


def may_operate(user) -> bool:
    """Editors and superusers see outgoing email and send failed messages again."""
    return bool(user.is_active and user.is_staff and (user.is_superuser or is_editor(user)))


@admin.register(Notification)
class InboxAdmin(admin.ModelAdmin):
    """Each user's own inbox: not a table of everyone's notifications."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("", view(self.inbox_view), name="notifications_notification_changelist"),
            path("read-all/", view(require_POST(self.read_all_view)), name="inbox_read_all"),
            path("preferences/", view(self.preferences_view), name="inbox_preferences"),
            path("<int:pk>/open/", view(self.open_view), name="inbox_open"),
        ]

    def _context(self, request, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            **extra,
        }

    def inbox_view(self, request):
        if not self.has_view_permission(request):
            return redirect("admin:index")
        page = Paginator(selectors.inbox(request.user), INBOX_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        return TemplateResponse(
            request,
            "admin/notifications/inbox.html",
            self._context(
                request,
                title=_("Inbox"),
                page=page,
                unread=selectors.unread_count(request),
            ),
        )

    def read_all_view(self, request):
        count = services.inbox_mark_all_read(user=request.user)
        self.message_user(
            request,
            ngettext("%(n)d entry marked read.", "%(n)d entries marked read.", count)
            % {"n": count},
            messages.SUCCESS,
        )
        return redirect("admin:notifications_notification_changelist")

    def open_view(self, request, pk):
        entry = services.inbox_open(notification_id=pk, user=request.user)
        if entry is None:
            self.message_user(request, _("That inbox entry is not yours."), messages.ERROR)
            return redirect("admin:notifications_notification_changelist")
        if entry.url and url_has_allowed_host_and_scheme(entry.url, allowed_hosts=None):
            return HttpResponseRedirect(entry.url)
        return redirect("admin:notifications_notification_changelist")

    def preferences_view(self, request):
        if not self.has_view_permission(request):
            return redirect("admin:index")
        chosen = dict(
            NotificationPreference.objects.filter(user=request.user).values_list("kind", "email")
        )
        initial = [kind for kind in Kind.values if chosen.get(kind, kind in EMAIL_BY_DEFAULT)]
        form = PreferencesForm(request.POST or None, initial={"email_kinds": initial})
        if request.method == "POST" and form.is_valid():
            services.preferences_set(
                user=request.user, email_kinds=form.cleaned_data["email_kinds"]
            )
            self.message_user(request, _("Your choices are saved."), messages.SUCCESS)
            return redirect("admin:inbox_preferences")
        return TemplateResponse(
            request,
            "admin/notifications/preferences.html",
            self._context(
                request,
                title=_("What reaches you by email"),
                form=form,
                has_email=bool(request.user.email),
            ),
        )


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return DeliveryStatus.choices

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """What the worker sent, is sending, will retry and gave up on."""

    change_list_template = "admin/notifications/delivery/change_list.html"
    list_display = [
        "subject",
        "to",
        "status_badge",
        "attempts",
        "error",
        "created_at",
        # When it is tried next, or was delivered, is on each email's page.
    ]
    list_filter = [StatusFilter, "kind"]
    search_fields = ["subject", "to"]
    date_hierarchy = "created_at"
    actions = ["send_again"]
    list_select_related = False
    readonly_fields = [
        "key",
        "to",
        "recipient",
        "kind",
        "subject",
        "body",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "attempted_at",
        "next_attempt_at",
        "delivered_at",
    ]
    fields = readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("body", "html")

    def has_module_permission(self, request) -> bool:
        return may_operate(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return may_operate(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_retry_permission(self, request) -> bool:
        return may_operate(request.user)

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, delivery: Delivery) -> str:
        return format_html(
            '<span class="nt-status nt-{}">{}</span>',
            delivery.status,
            delivery.get_status_display(),
        )

    @admin.display(description=_("error"))
    def error(self, delivery: Delivery) -> str:
        return Truncator(delivery.last_error).chars(120) if delivery.last_error else "—"

    @admin.action(description=_("Send the selected failed emails again"), permissions=["retry"])
    def send_again(self, request, queryset):
        count = services.deliveries_retry(deliveries=queryset, by=request.user)
        skipped = queryset.count() - count
        self.message_user(
            request,
            ngettext("%(n)d email queued again.", "%(n)d emails queued again.", count)
            % {"n": count},
            messages.SUCCESS if count else messages.WARNING,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(n)d selected email had not failed and was left as it is.",
                    "%(n)d selected emails had not failed and were left as they are.",
                    skipped,
                )
                % {"n": skipped},
                messages.WARNING,
            )

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "delivery_counts": [
                (status, label, count)
                for (status, label), count in zip(
                    DeliveryStatus.choices, selectors.delivery_counts().values(), strict=True
                )
            ],
            "workers": selectors.workers_alive(),
            "changelist_url": reverse("admin:notifications_delivery_changelist"),
        }
        return super().changelist_view(request, extra_context)
