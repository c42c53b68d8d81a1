"""What each user of the back office has to do next, for its front page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.choices import ArticleState
from articles.models import Article, ProblemReport, PublishedVersion
from articles.roles import display_name, is_editor
from reviewers.choices import LIVE_STATUSES, PENDING_STATUSES, AssignmentStatus
from reviewers.models import ReviewAssignment
from reviewers.selectors import median_days_to_approval

LIMIT = 10
# An approved article appears in the review-due queue this many days ahead.
REVIEW_DUE_WINDOW_DAYS = 30
# The window of the median time from submission to approval.
APPROVAL_TIME_WINDOW_DAYS = 90


@dataclass
class Item:
    title: str
    url: str
    note: str = ""
    urgent: bool = False
    action_url: str = ""
    action_label: str = ""


@dataclass
class Queue:
    title: str
    empty: str
    items: list[Item] = field(default_factory=list)
    more_url: str = ""
    more_label: str = _("See all")
    total: int | None = None


@dataclass
class Stat:
    label: str
    value: str
    note: str = ""


def _article_url(pk: int) -> str:
    return reverse("admin:articles_article_change", args=[pk])


def _changelist(**filters) -> str:
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return reverse("admin:articles_article_changelist") + (f"?{query}" if query else "")


def _date(value: datetime.date) -> str:
    return value.strftime("%-d %b %Y")


def _articles(queryset, note) -> list[Item]:
    return [
        Item(title=a.title, url=_article_url(a.pk), note=note(a))
        for a in queryset.select_related("author", "topic")[:LIMIT]
    ]


def _by_author(a: Article) -> str:
    return _("by %(author)s, %(topic)s") % {"author": display_name(a.author), "topic": a.topic}


# --- Selections the dashboards show ----------------------------------------------------


def my_reviews(user) -> list[ReviewAssignment]:
    """A member's invitations and accepted reviews of live rounds, soonest deadline first."""
    return list(
        ReviewAssignment.objects.filter(
            reviewer__user=user,
            status__in=PENDING_STATUSES,
            article__state__in=[ArticleState.SUBMITTED, ArticleState.UNDER_REVIEW],
        )
        .select_related("article")
        .order_by("due_date", "id")
    )


def waiting_for_assignment():
    """Submitted articles without anyone invited, accepted or deciding in this round."""
    live = ReviewAssignment.objects.filter(
        article=OuterRef("pk"), round=OuterRef("review_round"), status__in=LIVE_STATUSES
    )
    return (
        Article.objects.filter(state=ArticleState.SUBMITTED)
        .exclude(Exists(live))
        .order_by("submitted_at", "id")
    )


def overdue_reviews():
    """Reviews not delivered by their due date, or invitations unanswered past their reply date."""
    today = timezone.localdate()
    return (
        ReviewAssignment.objects.filter(
            status__in=PENDING_STATUSES,
            article__state__in=[ArticleState.SUBMITTED, ArticleState.UNDER_REVIEW],
        )
        .filter(Q(due_date__lt=today) | Q(status=AssignmentStatus.INVITED, respond_by__lt=today))
        .select_related("article", "reviewer__user")
        .order_by("due_date", "id")
    )


def waiting_on_decision():
    """Articles under review whose every assignment of the round is answered: editors act."""
    pending = ReviewAssignment.objects.filter(
        article=OuterRef("pk"), round=OuterRef("review_round"), status__in=PENDING_STATUSES
    )
    return (
        Article.objects.filter(state=ArticleState.UNDER_REVIEW)
        .exclude(Exists(pending))
        .order_by("review_started_at", "id")
    )


def review_due(window_days: int = REVIEW_DUE_WINDOW_DAYS) -> list[tuple[Article, PublishedVersion]]:
    """Approved articles whose live version's next review is due within the window, or overdue."""
    horizon = timezone.localdate() + datetime.timedelta(days=window_days)
    articles = (
        Article.objects.filter(
            state=ArticleState.APPROVED, live_version__next_review_due__lte=horizon
        )
        .select_related("live_version", "topic")
        .order_by("live_version__next_review_due", "id")
    )
    return [(a, a.live_version) for a in articles]


# --- The queues -----------------------------------------------------------------------


def _my_reviews_queue(user) -> Queue:
    items = []
    for a in my_reviews(user)[:LIMIT]:
        if a.status == AssignmentStatus.INVITED:
            note = _("round %(round)s · invited: reply by %(reply)s · due %(due)s") % {
                "round": a.round,
                "reply": _date(a.respond_by) if a.respond_by else "—",
                "due": _date(a.due_date),
            }
            label = _("Accept or decline")
        else:
            note = _("round %(round)s · due %(due)s") % {
                "round": a.round,
                "due": _date(a.due_date),
            }
            label = _("Record your decision")
        items.append(
            Item(
                title=a.article.title,
                url=_article_url(a.article_id),
                note=note,
                urgent=a.is_overdue or a.reply_overdue,
                action_url=_article_url(a.article_id) + "#your-review",
                action_label=label,
            )
        )
    empty = _("No review is waiting for you.")
    reason = user.board_member.unavailability()
    if reason:
        # Say why no invitation can come, and who can change it.
        empty = _(
            "%(reason)s Editors cannot invite you until this changes: ask them to update "
            "your board profile, from the profile itself."
        ) % {"reason": reason}
    more_url = reverse("admin:reviewers_reviewassignment_changelist") + "?whose=mine"
    more_label = _("All my assignments")
    if reason:
        more_url = reverse("admin:reviewers_boardmember_change", args=[user.board_member.pk])
        more_label = _("Your board profile: ask the editors to update your licence")
    return Queue(
        title=_("My reviews"),
        empty=empty,
        items=items,
        more_url=more_url,
        more_label=more_label,
    )


def _editor_queues() -> list[Queue]:
    today = timezone.localdate()
    waiting = waiting_for_assignment()
    overdue = overdue_reviews()
    deciding = waiting_on_decision()
    due = review_due()
    return [
        Queue(
            title=_("Waiting for reviewers"),
            empty=_("No submission is waiting for reviewers."),
            items=_articles(waiting, _by_author),
            total=waiting.count(),
            more_url=_changelist(state__exact=ArticleState.SUBMITTED),
        ),
        Queue(
            title=_("Reviews overdue"),
            empty=_("No review is overdue."),
            items=[
                Item(
                    title=a.article.title,
                    url=_article_url(a.article_id),
                    note=(
                        _("%(name)s has not replied (reply was due %(date)s)")
                        if a.status == AssignmentStatus.INVITED and a.due_date >= today
                        else _("%(name)s · due %(date)s")
                    )
                    % {
                        "name": a.reviewer.name,
                        "date": _date(
                            a.respond_by
                            if a.status == AssignmentStatus.INVITED and a.due_date >= today
                            else a.due_date
                        ),
                    },
                    urgent=True,
                )
                for a in overdue[:LIMIT]
            ],
            total=overdue.count(),
            more_url=reverse("admin:reviewers_boardmember_roster"),
            more_label=_("Board roster"),
        ),
        Queue(
            title=_("Waiting on an editor's decision"),
            empty=_("No article under review is waiting on the editors."),
            items=_articles(
                deciding,
                lambda a: (
                    _("every reviewer has answered round %(round)s") % {"round": a.review_round}
                ),
            ),
            total=deciding.count(),
            more_url=_changelist(state__exact=ArticleState.UNDER_REVIEW),
        ),
        Queue(
            title=_("Review due"),
            empty=_("No approved article is due for review in the next 30 days."),
            items=[
                Item(
                    title=a.title,
                    url=_article_url(a.pk),
                    note=(
                        _("review overdue since %(date)s")
                        if v.next_review_due < today
                        else _("next review due %(date)s")
                    )
                    % {"date": _date(v.next_review_due)},
                    urgent=v.next_review_due < today,
                )
                for a, v in due[:LIMIT]
            ],
            total=len(due),
        ),
        Queue(
            title=_("Back with their authors"),
            empty=_("No article is waiting for its author's changes."),
            items=_articles(
                Article.objects.filter(state=ArticleState.CHANGES_REQUESTED).order_by(
                    "updated_at", "id"
                ),
                _by_author,
            ),
            more_url=_changelist(state__exact=ArticleState.CHANGES_REQUESTED),
        ),
    ]


def editor_stats() -> list[Stat]:
    median, count = median_days_to_approval(APPROVAL_TIME_WINDOW_DAYS)
    return [
        Stat(
            label=_("Median days from submission to approval"),
            value="—" if median is None else (_("under 1") if median < 1 else f"{median:g}"),
            note=_("over the last %(days)s days, %(count)s approval(s)")
            % {"days": APPROVAL_TIME_WINDOW_DAYS, "count": count},
        )
    ]


def work_queues(user) -> list[Queue]:
    """The queues that concern this user, most pressing first."""
    queues: list[Queue] = []
    if not user.is_authenticated:
        return queues

    if hasattr(user, "board_member"):
        queues.append(_my_reviews_queue(user))

    if is_editor(user):
        queues.extend(_editor_queues())

    if user.has_perm("articles.add_article"):
        mine = Article.objects.filter(author=user)
        queues.append(
            Queue(
                title=_("Your articles to work on"),
                empty=_("Nothing to write: start a new article."),
                items=_articles(
                    mine.filter(
                        state__in=[ArticleState.CHANGES_REQUESTED, ArticleState.DRAFT]
                    ).order_by("-state", "-updated_at"),
                    lambda a: str(a.get_state_display()),
                ),
                more_url=reverse("admin:articles_article_add"),
                more_label=_("Write a new article"),
            )
        )
        queues.append(
            Queue(
                title=_("Your articles with the board"),
                empty=_("None of your articles is in review."),
                items=_articles(
                    mine.filter(
                        state__in=[ArticleState.SUBMITTED, ArticleState.UNDER_REVIEW]
                    ).order_by("submitted_at"),
                    lambda a: str(a.get_state_display()),
                ),
            )
        )
    return queues


# --- The editor's desk: readers' reports and the board's open work ------------------

# Declines shown on the desk: the last weeks' are the ones an editor acts on.
DECLINES_WINDOW_DAYS = 30


@dataclass
class Desk:
    reports: list
    reports_total: int
    invitations: list
    invitations_total: int
    in_progress: list
    in_progress_total: int
    declines: list


def new_reports():
    """Readers' reports still to handle: open, no revision started yet; new ones first.

    A report stays here after a reply, so that the editor can still start
    the revision it asks for; starting one (or closing the report) takes it off.
    """
    return (
        ProblemReport.objects.filter(
            status__in=["new", "in_progress"], revision_started_at__isnull=True
        )
        .select_related("version", "article")
        .order_by("-status", "created_at", "id")
    )


def _reviewing(statuses):
    return ReviewAssignment.objects.filter(
        status__in=statuses,
        article__state__in=[ArticleState.SUBMITTED, ArticleState.UNDER_REVIEW],
        round=models.F("article__review_round"),
    ).select_related("article", "reviewer__user")


def editor_desk() -> Desk:
    """What the editors follow besides the article queues, each list a fixed number of queries."""
    reports = new_reports()
    invitations = _reviewing([AssignmentStatus.INVITED]).order_by("respond_by", "id")
    in_progress = _reviewing([AssignmentStatus.OPEN]).order_by("due_date", "id")
    since = timezone.now() - datetime.timedelta(days=DECLINES_WINDOW_DAYS)
    declines = (
        ReviewAssignment.objects.filter(
            status=AssignmentStatus.DECLINED,
            responded_at__gte=since,
            article__state__in=[ArticleState.SUBMITTED, ArticleState.UNDER_REVIEW],
        )
        .select_related("article", "reviewer__user")
        .order_by("-responded_at", "-id")
    )
    return Desk(
        reports=list(reports[:LIMIT]),
        reports_total=reports.count(),
        invitations=list(invitations[:LIMIT]),
        invitations_total=invitations.count(),
        in_progress=list(in_progress[:LIMIT]),
        in_progress_total=in_progress.count(),
        declines=list(declines[:LIMIT]),
    )
