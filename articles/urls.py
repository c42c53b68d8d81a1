from django.urls import path

from articles import views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("advisory-board/", views.advisory_board, name="advisory_board"),
    path("editorial-policy/", views.editorial_policy, name="editorial_policy"),
]
