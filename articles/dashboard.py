"""What each user of the back office has to do next, for its front page."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from articles.choices import ArticleState
from articles.conditions import is_editor
from articles.models import Article, display_name
from reviewers.choices import AssignmentStatus
from reviewers.models import ReviewAssignment

LIMIT = 10


@dataclass
class Item:
    title: str
    url: str
    note: str = ""
    urgent: bool = False


@dataclass
class Queue:
    title: str
    empty: str
    items: list[Item] = field(default_factory=list)
    more_url: str = ""
    more_label: str = _("See all")


def _article_url(pk: int) -> str:
    return reverse("admin:articles_article_change", args=[pk])


def _changelist(**filters) -> str:
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return reverse("admin:articles_article_changelist") + (f"?{query}" if query else "")


def _articles(queryset, note) -> list[Item]:
    return [
        Item(title=a.title, url=_article_url(a.pk), note=note(a))
        for a in queryset.select_related("author", "topic")[:LIMIT]
    ]


def work_queues(user) -> list[Queue]:
    """The queues that concern this user, most pressing first."""
    queues: list[Queue] = []
    if not user.is_authenticated:
        return queues

    open_reviews = (
        ReviewAssignment.objects.filter(
            reviewer__user=user,
            status=AssignmentStatus.OPEN,
            article__state=ArticleState.UNDER_REVIEW,
        )
        .select_related("article")
        .order_by("due_date")
    )
    if hasattr(user, "board_member"):
        queues.append(
            Queue(
                title=_("Reviews waiting for you"),
                empty=_("No review is waiting for you."),
                items=[
                    Item(
                        title=a.article.title,
                        url=_article_url(a.article_id),
                        note=_("due %(date)s") % {"date": a.due_date.strftime("%-d %b %Y")},
                        urgent=a.is_overdue,
                    )
                    for a in open_reviews[:LIMIT]
                ],
            )
        )

    if is_editor(user):
        for state, title, empty in [
            (
                ArticleState.SUBMITTED,
                _("Submitted: assign board members"),
                _("No submission is waiting for reviewers."),
            ),
            (
                ArticleState.UNDER_REVIEW,
                _("Under review"),
                _("No article is under review."),
            ),
            (
                ArticleState.CHANGES_REQUESTED,
                _("Back with their authors"),
                _("No article is waiting for its author's changes."),
            ),
        ]:
            queryset = Article.objects.filter(state=state).order_by("submitted_at", "id")
            queues.append(
                Queue(
                    title=title,
                    empty=empty,
                    items=_articles(
                        queryset,
                        lambda a: (
                            _("by %(author)s, %(topic)s")
                            % {
                                "author": display_name(a.author),
                                "topic": a.topic,
                            }
                        ),
                    ),
                    more_url=_changelist(state__exact=state),
                )
            )

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
