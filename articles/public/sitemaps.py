"""/sitemap.xml: approved articles and the site's fixed pages, nothing else."""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from articles.public import selectors


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return selectors.live_versions().only("slug", "approved_at").order_by("slug")

    def lastmod(self, item):
        return item.approved_at


class TopicSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        return list(
            selectors.live_versions()
            .order_by("topic_slug")
            .values_list("topic_slug", flat=True)
            .distinct()
        )

    def location(self, item):
        return reverse("articles:topic", kwargs={"slug": item})


class PageSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return ["articles:home", "articles:advisory_board", "articles:editorial_policy"]

    def location(self, item):
        return reverse(item)


SITEMAPS = {"articles": ArticleSitemap, "topics": TopicSitemap, "pages": PageSitemap}
