"""The public site: what readers see.

Every view reads published versions through ``articles.selectors``, never
the working copy, so a draft cannot reach a reader and each page costs a
constant number of queries.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from articles import selectors
from reviewers.selectors import public_board_members

# How many of the newest articles the home page lists.
HOME_LIMIT = 200
# How many of those the "Recently reviewed" strip repeats.
RECENT_COUNT = 3


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    versions = list(selectors.live_version_listing(limit=HOME_LIMIT))
    return render(
        request,
        "public/home.html",
        {
            "recent": versions[:RECENT_COUNT],
            "topics": selectors.group_by_topic(versions),
            "version_count": len(versions),
        },
    )


@require_safe
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    version = selectors.live_version_by_slug(slug)
    return render(request, "public/article.html", {"version": version})


@require_safe
def advisory_board(request: HttpRequest) -> HttpResponse:
    members = public_board_members()
    return render(request, "public/advisory_board.html", {"members": members})


@require_safe
def editorial_policy(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "public/editorial_policy.html",
        {"required_approvals": max(settings.EDITORIAL_REQUIRED_APPROVALS, 1)},
    )
