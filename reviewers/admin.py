from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from articles.admin import ReadOnlyAdmin
from articles.conditions import is_editor
from editorial.admin_history import ReadOnlyHistoryAdmin
from reviewers.choices import AssignmentStatus
from reviewers.models import BoardMember, ReviewAssignment, ReviewDecision


@admin.register(BoardMember)
class BoardMemberAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "credentials", "specialties", "active", "open_reviews", "joined_on"]
    list_filter = ["active"]
    search_fields = ["user__first_name", "user__last_name", "user__username", "specialties"]
    fields = ["user", "credentials", "specialties", "bio", "active", "joined_on"]

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
        return ["user"] if obj is not None else []

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("user")
            .annotate(
                open_count=Count("assignments", filter=Q(assignments__status=AssignmentStatus.OPEN))
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

    list_display = ["article_link", "reviewer", "round", "due", "status", "assigned_by"]
    list_filter = [OwnReviewsFilter, "status"]
    list_select_related = ["article", "reviewer__user", "assigned_by"]
    search_fields = ["article__title", "reviewer__user__last_name"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_editor(request.user):
            return queryset
        return queryset.filter(reviewer__user=request.user)

    @admin.display(description=_("article"), ordering="article__title")
    def article_link(self, obj):
        url = reverse("admin:articles_article_change", args=[obj.article_id])
        return format_html('<a href="{}">{}</a>', url, obj.article.title)

    @admin.display(description=_("due"), ordering="due_date")
    def due(self, obj):
        if obj.is_overdue:
            return format_html('<strong style="color:#b91c1c">{} · overdue</strong>', obj.due_date)
        return obj.due_date


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(ReadOnlyAdmin):
    """Decisions are recorded from the article's page and never edited."""

    list_display = ["assignment", "decision", "conflict_declared", "recorded_at"]
    list_filter = ["decision", "conflict_declared"]
    list_select_related = ["assignment__article", "assignment__reviewer__user"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_editor(request.user):
            return queryset
        return queryset.filter(assignment__reviewer__user=request.user)
