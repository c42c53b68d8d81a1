from django.urls import path

from articles.public import views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("articles/<slug:slug>/report/", views.report_problem, name="report"),
    path("articles/<slug:slug>/report/thanks/", views.report_thanks, name="report_thanks"),
    path("audience/", views.set_audience, name="set_audience"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic"),
    path("search/", views.search, name="search"),
    path("feed/", views.feed, name="feed"),
    path("advisory-board/", views.advisory_board, name="advisory_board"),
    path("editorial-policy/", views.editorial_policy, name="editorial_policy"),
    path("corrections/", views.corrections, name="corrections"),
]
