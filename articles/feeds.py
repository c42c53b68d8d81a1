"""The Atom feed of approved articles."""

from __future__ import annotations

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Min, OuterRef, Subquery
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from articles import selectors
from articles.models import PublishedVersion

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
        return item.title

    def item_description(self, item):
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
        return item.get_absolute_url()

    def item_guid(self, item):
        # One entry per article, however often it is updated.
        return f"{settings.EDITORIAL_BASE_URL}{item.get_absolute_url()}"

    item_guid_is_permalink = True

    def item_pubdate(self, item):
        return item.first_published or item.approved_at

    def item_updateddate(self, item):
        return item.approved_at

    def item_author_name(self, item):
        return item.author_name

    def item_categories(self, item):
        return [item.topic_name]
