from django.urls import path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from api import views
from api.exceptions import json_not_found

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's set-up as a script file of its own:
    # the site's Content Security Policy allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("drafts/", views.DraftListView.as_view(), name="draft-list"),
    path("drafts/<int:pk>/", views.DraftDetailView.as_view(), name="draft-detail"),
    path("drafts/<int:pk>/submit/", views.DraftSubmitView.as_view(), name="draft-submit"),
    path("drafts/<int:pk>/withdraw/", views.DraftWithdrawView.as_view(), name="draft-withdraw"),
    path("drafts/<int:pk>/status/", views.DraftStatusView.as_view(), name="draft-status"),
    path("published/", views.PublishedListView.as_view(), name="published-list"),
    path("published/<slug:slug>/", views.PublishedDetailView.as_view(), name="published-detail"),
    re_path(r"^.*$", json_not_found),
]
