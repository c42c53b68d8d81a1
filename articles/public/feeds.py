"""The Atom feed of approved articles."""

from __future__ import annotations

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Min, OuterRef, Subquery
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from articles.models import PublishedVersion
from articles.public import selectors

FEED_LENGTH = 50


class LatestArticlesFeed(Feed):
    """The newest approved articles; an update moves an article back to the top."""

    feed_type = Atom1Feed
    content_type = Atom1Feed.content_type
    subtitle = _("Health questions answered from the evidence, each approved by physicians.")

    def title(self):
        return settings.EDITORIAL_SITE_NAME

    def link(self):
        return reverse("articles:home")

    def feed_url(self):
        return reverse("articles:feed")

    def items(self):
        """The newest live versions and the newest withdrawals, newest first."""
        versions = list(self._live_versions())
        withdrawn = selectors.retractions(FEED_LENGTH, withdrawn_only=True)
        items = versions + _unique_addresses(withdrawn)
        items.sort(key=_item_date, reverse=True)
        return items[:FEED_LENGTH]

    def _live_versions(self):
        first_published = (
            PublishedVersion.objects.filter(article_id=OuterRef("article_id"))
            .values("article_id")
            .annotate(first=Min("approved_at"))
            .values("first")
        )
        return (
            selectors.live_versions()
            .only(*selectors.LISTING_FIELDS, "author_name", "article_id")
            .annotate(first_published=Subquery(first_published))
            .order_by("-approved_at", "-id")[:FEED_LENGTH]
        )

    def item_title(self, item):
        if isinstance(item, selectors.Correction):
            return _("Withdrawn: %(title)s") % {"title": item.title}
        return item.title

    def item_description(self, item):
        if isinstance(item, selectors.Correction):
            text = _("Our editors withdrew this answer. Reason: %(reason)s") % {
                "reason": item.text or _("none given.")
            }
            return escape(text)
        # The feed declares this text as HTML; everything in it is plain text
        # that people typed, so it is escaped once here.
        reviewers = ", ".join(
            f"{r['name']}, {r['credentials']}" if r.get("credentials") else r["name"]
            for r in item.reviewers
        )
        summary = item.summary or item.title
        if reviewers:
            text = _("%(summary)s Reviewed by %(reviewers)s.") % {
                "summary": summary,
                "reviewers": reviewers,
            }
        else:
            text = summary
        return escape(text)

    def item_link(self, item):
        return reverse("articles:detail", kwargs={"slug": item.slug})

    def item_guid(self, item):
        # One entry per article, however often it is updated: a withdrawal
        # replaces the article's entry in a reader's feed.
        return f"{settings.EDITORIAL_BASE_URL}{self.item_link(item)}"

    item_guid_is_permalink = True

    def item_pubdate(self, item):
        if isinstance(item, selectors.Correction):
            return item.at
        return item.first_published or item.approved_at

    def item_updateddate(self, item):
        return _item_date(item)

    def item_author_name(self, item):
        if isinstance(item, selectors.Correction):
            return None
        return item.author_name

    def item_categories(self, item):
        return [item.topic_name]


def _item_date(item):
    return item.at if isinstance(item, selectors.Correction) else item.approved_at


def _unique_addresses(retractions: list) -> list:
    """The newest withdrawal at each address (retractions come newest first)."""
    seen: set[str] = set()
    unique = []
    for entry in retractions:
        if entry.slug not in seen:
            seen.add(entry.slug)
            unique.append(entry)
    return unique
