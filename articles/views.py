from django.shortcuts import render

from articles import selectors


def home(request):
    return render(request, "public/home.html", {"versions": selectors.latest_live_versions()})


def article_detail(request, slug):
    version = selectors.live_version_by_slug(slug)
    return render(request, "public/article.html", {"version": version})


def advisory_board(request):
    return render(request, "public/advisory_board.html", {})


def editorial_policy(request):
    return render(request, "public/editorial_policy.html", {})
