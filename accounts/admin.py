"""Administrators reset a member's second factor from the user list."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services

User = get_user_model()


@admin.action(
    description=gettext_lazy("Reset the second factor (lost phone)"),
    permissions=["change"],
)
def reset_second_factor(modeladmin, request, queryset):
    users = list(queryset.order_by("username"))
    if request.POST.get("confirmed") == "yes":
        for user in users:
            services.second_factor_reset(user=user, by=request.user)
        modeladmin.message_user(
            request,
            _(
                "Second factor reset for %(names)s: their sessions ended, and they set up a "
                "new authenticator at their next sign-in. The reset is in the action log."
            )
            % {"names": ", ".join(u.get_username() for u in users)},
            messages.SUCCESS,
        )
        return None
    enrolled = set(
        TOTPDevice.objects.filter(user__in=users, confirmed=True).values_list("user_id", flat=True)
    )
    return TemplateResponse(
        request,
        "accounts/reset_confirm.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": _("Reset the second factor?"),
            "users": [(user, user.pk in enrolled) for user in users],
            "opts": modeladmin.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


class EditorialUserAdmin(UserAdmin):
    actions = [*UserAdmin.actions, reset_second_factor]


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, EditorialUserAdmin)
