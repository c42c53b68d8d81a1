from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from django.views.static import serve

from articles import surrogate
from articles.public.sitemaps import SITEMAPS
from editorial.httpcache import cache_for_readers


def shared_sitemap(request, **kwargs):
    """The sitemap lists live articles: a shared cache keeps it under the live set."""
    cache_for_readers(request, surrogate.LIVE_SET)
    return sitemap(request, **kwargs)


urlpatterns = [
    # Before the admin's own URLs, whose catch-all would answer them.
    path("admin/second-factor/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path(
        "sitemap.xml",
        shared_sitemap,
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("", include("articles.urls")),
]

if settings.EDITORIAL_SERVE_MEDIA:
    # Board members' photos. A deployment behind a proxy serves MEDIA_ROOT
    # itself and turns this off.
    urlpatterns.insert(
        0,
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        ),
    )
