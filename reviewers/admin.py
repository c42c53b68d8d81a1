"""The advisory board in the back office: members, assignments, decisions, policy.

Invitations, answers and decisions are made from the article's page
(articles.admin.workflow); these pages list them read-only, and keep the
board's profiles, standing conflicts, checklist and reminder rules. Who reads
which assignment or decision follows articles.viewer.
"""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from articles.admin.logged import ActionLoggedAdmin
from articles.exceptions import WorkflowError
from articles.roles import is_editor
from articles.viewer import confidential_decisions_filter
from editorial.admin_bases import ReadOnlyAdmin, ReadOnlyHistoryAdmin
from reviewers import services as review_services
from reviewers.choices import PENDING_STATUSES
from reviewers.models import (
    BoardMember,
    ChecklistQuestion,
    ReminderRule,
    ReminderSent,
    ReviewAssignment,
    ReviewDecision,
    StandingConflict,
)
from reviewers.selectors import board_roster


@admin.register(BoardMember)
class BoardMemberAdmin(ActionLoggedAdmin, ReadOnlyHistoryAdmin):
    logged_action = "member.credentials"

    list_display = [
        "name",
        "credentials",
        "specialties",
        "licence",
        "may_review",
        "open_reviews",
        "joined_on",
    ]
    list_filter = ["active"]
    search_fields = ["user__first_name", "user__last_name", "user__username", "specialties"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "user",
                    "may_review_now",
                    "credentials",
                    "specialties",
                    "board_certification",
                ]
            },
        ),
        (
            _("Licence"),
            {
                "fields": [
                    "licence_number",
                    "licence_region",
                    "licence_verified_on",
                    "licence_expires_on",
                ],
                "description": _(
                    "A member whose licence has expired cannot be invited to review, and their "
                    "approvals do not count toward publication until it is renewed."
                ),
            },
        ),
        (_("Public profile"), {"fields": ["bio", "photo"]}),
        (None, {"fields": ["active", "joined_on"]}),
    ]

    def get_urls(self):
        return [
            path(
                "roster/",
                self.admin_site.admin_view(self.roster_view),
                name="reviewers_boardmember_roster",
            ),
            path(
                "<int:pk>/licence-request/",
                self.admin_site.admin_view(self.licence_request_view),
                name="reviewers_boardmember_licence_request",
            ),
            *super().get_urls(),
        ]

    @method_decorator(require_POST)
    def licence_request_view(self, request, pk: int):
        """A member asks the editors to record their renewed licence."""
        member = BoardMember.objects.select_related("user").filter(pk=pk).first()
        if member is None or member.user_id != request.user.pk:
            raise Http404(_("No such board profile."))
        back = reverse("admin:reviewers_boardmember_change", args=[pk])
        try:
            told = review_services.licence_update_request(
                member=member, by=request.user, note=request.POST.get("note", "")
            )
        except WorkflowError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(back)
        if told:
            self.message_user(
                request,
                _(
                    "The editors have been asked to update your licence; they will check it and "
                    "update your profile."
                ),
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                _("No editor has an email address on record: ask them in person."),
                messages.WARNING,
            )
        return HttpResponseRedirect(back)

    def roster_view(self, request):
        """Per member: load, output and responsiveness, for the editors to balance the board."""
        if not is_editor(request.user):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Board roster"),
            "opts": self.model._meta,
            "rows": board_roster(),
        }
        return TemplateResponse(request, "admin/reviewers/roster.html", context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "shows_roster": is_editor(request.user)}
        return super().changelist_view(request, extra_context)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            # Offer active accounts that have no board profile yet; editors
            # need no access to user management for this.
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(is_active=True, board_member__isnull=True)
                .order_by("last_name", "first_name", "username")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # A profile stays with the person it was made for.
        return ["user", "may_review_now"] if obj is not None else ["may_review_now"]

    @admin.display(description=_("may review now"))
    def may_review_now(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        reason = obj.unavailability()
        if reason:
            return format_html(
                '<strong class="wf-no">✘ {} {}</strong>',
                reason,
                _("They cannot be invited, and their approvals do not count."),
            )
        return format_html('<span class="wf-yes">✔ {}</span>', _("Yes."))

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("user")
            .annotate(
                open_count=Count("assignments", filter=Q(assignments__status__in=PENDING_STATUSES))
            )
        )

    def has_delete_permission(self, request, obj=None):
        # Former members stay on record as inactive: their past approvals
        # are part of what readers were shown.
        return False

    @admin.display(description=_("name"), ordering="user__last_name")
    def name(self, obj):
        return obj.name

    @admin.display(description=_("open reviews"), ordering="open_count")
    def open_reviews(self, obj):
        return obj.open_count

    @admin.display(description=_("licence expires"), ordering="licence_expires_on")
    def licence(self, obj):
        if not obj.licence_expires_on:
            return format_html('<span class="wf-muted">{}</span>', _("not recorded"))
        return format_html(
            '<span title="{} · {}">{}</span>',
            obj.licence_number,
            obj.licence_region,
            obj.licence_expires_on.strftime("%-d %b %Y"),
        )

    @admin.display(description=_("may review"))
    def may_review(self, obj):
        reason = obj.unavailability()
        if reason:
            return format_html('<strong class="wf-no">✘ {}</strong>', reason)
        return format_html('<span class="wf-yes">✔ {}</span>', _("yes"))


class OwnReviewsFilter(admin.SimpleListFilter):
    title = _("whose")
    parameter_name = "whose"

    def lookups(self, request, model_admin):
        return [("mine", _("My reviews"))]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.filter(reviewer__user=request.user)
        return queryset


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(ReadOnlyHistoryAdmin, ReadOnlyAdmin):
    """Assignments are made and answered from the article's page."""

    list_display = [
        "article_link",
        "reviewer",
        "round",
        "respond_by",
        "due",
        "status",
        "assigned_by",
    ]
    list_filter = [OwnReviewsFilter, "status"]
    list_select_related = ["article", "reviewer__user", "assigned_by"]
    search_fields = ["article__title", "reviewer__user__last_name"]

    def get_queryset(self, request):
        # A member lists their own assignments; an editor also the staffing
        # of the articles they did not write: on their own they are its
        # author (articles.viewer), and decline reasons are not an author's.
        queryset = super().get_queryset(request)
        if is_editor(request.user):
            return queryset.filter(
                ~Q(article__author=request.user) | Q(reviewer__user=request.user)
            )
        return queryset.filter(reviewer__user=request.user)

    def get_urls(self):
        return [
            path(
                "<int:pk>/remind/",
                self.admin_site.admin_view(self.remind_view),
                name="reviewers_reviewassignment_remind",
            ),
            *super().get_urls(),
        ]

    @method_decorator(require_POST)
    def remind_view(self, request, pk: int):
        """An editor reminds a member who has not answered, from the desk."""
        assignment = ReviewAssignment.objects.select_related("reviewer__user").filter(pk=pk).first()
        if assignment is None or not is_editor(request.user):
            raise Http404(_("No such assignment."))
        try:
            review_services.assignment_remind(assignment=assignment, by=request.user)
        except WorkflowError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(
                request,
                _("%(name)s has been reminded by email.") % {"name": assignment.reviewer.name},
                messages.SUCCESS,
            )
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("admin:index")
        return HttpResponseRedirect(target)

    @admin.display(description=_("article"), ordering="article__title")
    def article_link(self, obj):
        url = reverse("admin:articles_article_change", args=[obj.article_id])
        return format_html('<a href="{}">{}</a>', url, obj.article.title)

    @admin.display(description=_("due"), ordering="due_date")
    def due(self, obj):
        if obj.is_overdue:
            return format_html(
                '<strong class="wf-overdue">{} · {}</strong>', obj.due_date, _("overdue")
            )
        return obj.due_date


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(ReadOnlyAdmin):
    """Decisions are recorded from the article's page and never edited."""

    list_display = ["assignment", "decision", "conflict_declared", "recorded_at"]
    list_filter = ["decision", "conflict_declared"]
    list_select_related = ["assignment__article", "assignment__reviewer__user"]

    def get_queryset(self, request):
        # Confidential notes and conflict statements: never to the article's author,
        # whatever groups they hold (articles.viewer).
        return super().get_queryset(request).filter(confidential_decisions_filter(request.user))


@admin.register(StandingConflict)
class StandingConflictAdmin(ReadOnlyHistoryAdmin):
    """Lasting conflicts: the member is never offered for that author's or topic's articles."""

    list_display = ["member", "author", "topic", "declared_on", "active"]
    list_filter = ["active", "topic"]
    list_select_related = ["member__user", "author", "topic"]
    search_fields = ["member__user__last_name", "author__last_name", "statement"]

    def get_queryset(self, request):
        # A conflict may name a private relationship: members see their own only.
        queryset = super().get_queryset(request)
        if is_editor(request.user):
            return queryset
        return queryset.filter(member__user=request.user)

    def has_delete_permission(self, request, obj=None):
        # An ended conflict is unticked, so that the record of it stays.
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "author":
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(is_active=True, groups__permissions__codename="add_article")
                .distinct()
                .order_by("last_name", "first_name")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ChecklistQuestion)
class ChecklistQuestionAdmin(ActionLoggedAdmin, ReadOnlyHistoryAdmin):
    """The questions members answer before approving; past answers keep their wording."""

    logged_action = "policy.checklist"

    list_display = ["text", "topic_or_all", "position", "active"]
    list_editable = ["position", "active"]
    list_filter = ["active", "topic"]
    list_select_related = ["topic"]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("asked for"), ordering="topic__name")
    def topic_or_all(self, obj):
        return obj.topic or _("every article")


@admin.register(ReminderRule)
class ReminderRuleAdmin(ActionLoggedAdmin, ReadOnlyHistoryAdmin):
    """When ``manage.py send_review_reminders`` writes, and which email it sends."""

    logged_action = "policy.reminder_rule"

    list_display = ["event", "days", "template", "active"]
    list_editable = ["days", "template", "active"]
    list_display_links = ["event"]

    def has_delete_permission(self, request, obj=None):
        # Reminders already sent point at their rule: switch it off instead.
        return False


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyAdmin):
    list_display = ["sent_at", "rule", "assignment", "deadline", "recipients"]
    list_filter = ["rule"]
    list_select_related = ["rule", "assignment__article", "assignment__reviewer__user"]
    date_hierarchy = "sent_at"
