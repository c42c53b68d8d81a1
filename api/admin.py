"""The back office of integrations: editors create them, their keys and webhooks."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from api import services
from api.models import (
    ApiKey,
    Integration,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from api.scopes import Event, Scope
from articles.roles import is_editor


class EditorsOnly:
    """Integrations are the editors' business: nobody else sees these pages."""

    def has_module_permission(self, request):
        return is_editor(request.user)

    def has_view_permission(self, request, obj=None):
        return is_editor(request.user)

    def has_add_permission(self, request, obj=None):
        return is_editor(request.user)

    def has_change_permission(self, request, obj=None):
        return is_editor(request.user)

    def has_delete_permission(self, request, obj=None):
        # Keys are revoked and subscriptions switched off, never deleted:
        # the actions they took stay attributable.
        return False


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    extra = 0
    can_delete = False
    fields = ["prefix", "label", "scopes", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Integration)
class IntegrationAdmin(EditorsOnly, admin.ModelAdmin):
    list_display = ["name", "account", "created_at"]
    search_fields = ["name"]
    fields = ["name", "description", "account", "created_by", "created_at"]
    readonly_fields = ["account", "created_by", "created_at"]
    inlines = [ApiKeyInline]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "name"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        try:
            created = services.integration_create(
                name=obj.name, description=obj.description, by=request.user
            )
        except services.ApiError as error:
            raise forms.ValidationError(error.message) from error
        obj.pk = created.pk
        obj.account = created.account
        obj._state.adding = False


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Give each key only what its system needs."),
    )

    class Meta:
        model = ApiKey
        fields = ["integration", "label", "scopes", "expires_at"]


@admin.register(ApiKey)
class ApiKeyAdmin(EditorsOnly, admin.ModelAdmin):
    form = ApiKeyForm
    list_display = [
        "prefix",
        "integration",
        "label",
        "scope_list",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = ["integration"]
    list_select_related = ["integration"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "integration",
            "label",
            "prefix",
            "scope_list",
            "expires_at",
            "revoked_at",
            "revoked_by",
            "last_used_at",
            "created_by",
            "created_at",
        ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["integration", "label", "scopes", "expires_at"]
        return self.get_readonly_fields(request, obj)

    @admin.display(description=_("scopes"))
    def scope_list(self, obj):
        return ", ".join(obj.scopes)

    def save_model(self, request, obj, form, change):
        if change:
            return
        api_key, secret = services.api_key_create(
            integration=form.cleaned_data["integration"],
            scopes=form.cleaned_data["scopes"],
            label=form.cleaned_data.get("label", ""),
            expires_at=form.cleaned_data.get("expires_at"),
            by=request.user,
        )
        obj.pk = api_key.pk
        obj._state.adding = False
        # Shown on the next page only, never stored.
        obj._secret = secret

    def response_add(self, request, obj, post_url_continue=None):
        return TemplateResponse(
            request,
            "admin/api/apikey/created.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Your new API key"),
                "api_key": obj,
                "secret": obj._secret,
                "opts": self.model._meta,
            },
        )

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        for api_key in queryset:
            services.api_key_revoke(api_key=api_key, by=request.user)
        self.message_user(
            request,
            ngettext("%(n)d key revoked.", "%(n)d keys revoked.", queryset.count())
            % {"n": queryset.count()},
            messages.SUCCESS,
        )


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(
        label=_("receiver address"),
        max_length=500,
        assume_scheme="https",
        help_text=WebhookSubscription._meta.get_field("url").help_text,
    )
    events = forms.MultipleChoiceField(
        label=_("events"), choices=Event.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookSubscription
        fields = ["integration", "url", "events", "all_articles", "active"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(EditorsOnly, admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ["integration", "url", "active", "consecutive_failures", "disabled_at"]
    list_filter = ["active", "integration"]
    list_select_related = ["integration"]
    readonly_fields = ["secret", "consecutive_failures", "disabled_at", "disabled_reason"]
    actions = ["enable"]

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        created = services.subscription_create(
            integration=form.cleaned_data["integration"],
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
            all_articles=form.cleaned_data["all_articles"],
        )
        obj.pk, obj.secret = created.pk, created.secret
        obj._state.adding = False

    @admin.action(description=_("Enable again (after the receiver was fixed)"))
    def enable(self, request, queryset):
        for subscription in queryset:
            services.subscription_enable(subscription=subscription)
        self.message_user(request, _("Enabled again."), messages.SUCCESS)


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ["at", "status_code", "error", "duration_ms"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(EditorsOnly, admin.ModelAdmin):
    list_display = [
        "event",
        "subscription",
        "article",
        "status",
        "attempts",
        "last_status_code",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["status", "event", "subscription__integration"]
    list_select_related = ["subscription__integration", "article"]
    readonly_fields = [
        "subscription",
        "event",
        "event_id",
        "article",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
        "created_at",
        "body",
    ]
    fields = readonly_fields
    inlines = [AttemptInline]
    actions = ["redeliver"]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Deliver again"))
    def redeliver(self, request, queryset):
        for delivery in queryset:
            services.delivery_redeliver(delivery=delivery)
        self.message_user(
            request,
            ngettext(
                "%(n)d delivery queued again.", "%(n)d deliveries queued again.", queryset.count()
            )
            % {"n": queryset.count()},
            messages.SUCCESS,
        )
