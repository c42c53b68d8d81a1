from csp.decorators import csp_update
from django.urls import path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularSwaggerSplitView,
)

from api import views
from api.exceptions import json_not_found
from articles.public.middleware import public_page

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's set-up as a script file of its own:
    # the site's Content Security Policy allows no inline script.
    path(
        "docs/",
        # Swagger UI's stylesheet draws its icons as data: images; scripts
        # and styles stay limited to the site's own files.
        csp_update({"img-src": ["data:"]})(
            SpectacularSwaggerSplitView.as_view(
                url_name="api:schema", template_name="api/swagger_ui.html"
            )
        ),
        name="docs",
    ),
    path("drafts/", views.DraftListView.as_view(), name="draft-list"),
    path("drafts/<int:pk>/", views.DraftDetailView.as_view(), name="draft-detail"),
    path("drafts/<int:pk>/submit/", views.DraftSubmitView.as_view(), name="draft-submit"),
    path("drafts/<int:pk>/withdraw/", views.DraftWithdrawView.as_view(), name="draft-withdraw"),
    path("drafts/<int:pk>/status/", views.DraftStatusView.as_view(), name="draft-status"),
    # The read API only reads, and knows its caller by the Authorization
    # header alone: like the reader's pages it skips the session, CSRF and
    # sign-in middleware (articles/public/middleware.py).
    path("published/", public_page(views.PublishedListView.as_view()), name="published-list"),
    path(
        "published/<slug:slug>/",
        public_page(views.PublishedDetailView.as_view()),
        name="published-detail",
    ),
    # Anything else under /api/: a JSON 404 (also for addresses with a line break).
    re_path(r"^[\s\S]*$", json_not_found),
]
