"""The public site: what readers see.

Every view reads published versions through ``articles.public.selectors`` (and
the one or two questions each page asks on every request through
``articles.public.fastpath``), never the working copy, so a draft cannot
reach a reader and each page costs a constant number of queries. Conditional
GETs and cache headers use Django's helpers, in ``_cached_response``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from articles import surrogate
from articles.models import PublishedVersion
from articles.public import audience as audiences
from articles.public import cache as page_cache
from articles.public import fastpath, ratelimit, selectors, structured_data
from articles.public import search as search_reading
from articles.public.feeds import FEED_LENGTH, LatestArticlesFeed
from articles.public.forms import ProblemReportForm
from articles.public.middleware import public_page
from articles.rendering import render_markdown, with_backlinks
from editorial.httpcache import cache_for_readers
from reviewers.selectors import public_board_members

# How many of the newest articles the home page lists.
HOME_LIMIT = 200
# How many of those the "Recently reviewed" strip repeats.
RECENT_COUNT = 3
SEARCH_PAGE_SIZE = 10
# How many articles each page of a topic lists.
TOPIC_PAGE_SIZE = 50
# Reports one address may send per window, and the window in seconds.
REPORT_LIMIT = 5
REPORT_WINDOW = 60 * 60
POLICY_SLUG = "editorial-policy"


HTML = "text/html; charset=utf-8"


def _cached_response(
    request: HttpRequest,
    cache_key: str,
    render_page,
    content_type: str = HTML,
    *,
    store=page_cache.page,
    last_modified: datetime.datetime | None = None,
) -> HttpResponse:
    """The page for ``cache_key``: 304 when the reader has it, else from the cache.

    The key names every version the page shows, so the ETag can be the key.
    What Django's ``condition`` decorator does, with the ETag and date the
    view already worked out instead of asking the database again.
    """
    etag = f'"{cache_key.rsplit(":", 1)[-1]}"'
    timestamp = int(last_modified.timestamp()) if last_modified else None
    response = get_conditional_response(request, etag=etag, last_modified=timestamp)
    if response is None:
        response = HttpResponse(store(cache_key, render_page), content_type=content_type)
        response.headers["ETag"] = etag
        if timestamp is not None:
            response.headers["Last-Modified"] = http_date(timestamp)
    # Public, but a new approval must show at once: caches ask every time.
    patch_cache_control(response, no_cache=True)
    return response


@public_page
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    cache_for_readers(request, surrogate.LIVE_SET)

    def render_page() -> bytes:
        versions = list(selectors.live_version_listing(limit=HOME_LIMIT))
        context = {
            "recent": versions[:RECENT_COUNT],
            "topics": selectors.group_by_topic(versions),
            "version_count": len(versions),
        }
        return render(request, "public/home.html", context).content

    page_key = page_cache.key("home", fastpath.live_set_generation())
    return _cached_response(request, page_key, render_page)


# --- The article page ---------------------------------------------------------------


def _is_overdue(facts: fastpath.LiveFacts) -> bool:
    # The site's own zone: the public pages never switch to a reader's.
    return bool(
        facts.next_review_due
        and facts.next_review_due
        < timezone.now().astimezone(timezone.get_default_timezone()).date()
    )


def _article_page_key(request: HttpRequest, facts: fastpath.LiveFacts) -> str:
    """Everything the page depends on besides the version: state, date, reader."""
    return page_cache.key(
        "article",
        facts.version_id,
        facts.approved_at.timestamp(),
        facts.update_in_review,
        facts.rereview,
        _is_overdue(facts),
        audiences.current(request),
        audiences.chosen(request) is not None,
        facts.generation,
    )


def _seconds_until_overdue(facts: fastpath.LiveFacts) -> int | None:
    """Seconds until the page starts saying its review is overdue, which no purge announces."""
    if facts.next_review_due is None or _is_overdue(facts):
        return None
    zone = timezone.get_default_timezone()
    overdue_from = datetime.datetime.combine(
        facts.next_review_due + datetime.timedelta(days=1), datetime.time(), tzinfo=zone
    )
    return max(0, int((overdue_from - timezone.now()).total_seconds()))


def _article_context(
    request: HttpRequest, version: PublishedVersion, facts: fastpath.LiveFacts
) -> dict:
    audience = audiences.current(request)
    has_plain = bool(version.plain_body_html.strip())
    plain = audience == audiences.Audience.PATIENT and has_plain
    body_html, backlinks = with_backlinks(version.plain_body_html if plain else version.body_html)
    versions = selectors.change_log(version)
    first_published = versions[-1].approved_at if versions else version.approved_at
    description = version.summary or version.title
    return {
        "version": version,
        "body_html": body_html,
        "backlinks": backlinks,
        "audience": audience,
        "audience_chosen": audiences.chosen(request) is not None,
        "audiences": audiences.Audience,
        # One text for everybody unless the board approved a plain-language one:
        # then, and only then, the reader has a choice to make.
        "two_texts": has_plain,
        "showing_plain": plain,
        "related": selectors.related_versions(version),
        # From the facts the page is cached under, so the page always says
        # what its key says.
        "update_in_review": facts.update_in_review,
        "rereview": facts.rereview,
        "is_overdue": _is_overdue(facts),
        "last_reviewed": version.last_reviewed or version.approved_at.date(),
        "change_log": versions,
        "first_published": first_published,
        "canonical_url": structured_data.absolute(version.get_absolute_url()),
        "description": description,
        "jsonld": structured_data.medical_web_page(
            version, first_published=first_published, description=description
        ),
    }


@public_page
@require_safe
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The live version's page: one small query, then the cache or a render.

    The query says which version is live now, so a retraction or a new
    approval shows on the very next request whatever any cache holds. The
    page holds nothing of the reader's but their audience (a cookie): no
    session, no CSRF token, so it is the same bytes for every reader of that
    audience and any cache on the way may keep it, asking each time.
    """
    # Before the lookup: a "not found" (or a retraction notice) is kept under
    # the address too, and purged when an approval publishes there.
    cache_for_readers(request, surrogate.address(slug))
    try:
        facts = fastpath.live_facts_by_slug(slug)
    except Http404:
        return _not_live(request, slug)
    cache_for_readers(
        request,
        surrogate.article(facts.article_id),
        surrogate.version(facts.version_id),
        # The page lists related live answers, so it follows the live set too.
        surrogate.LIVE_SET,
        max_age=_seconds_until_overdue(facts),
    )

    def render_page() -> bytes:
        version = selectors.version_for_page(facts.version_id)
        context = _article_context(request, version, facts)
        return render(request, "public/article.html", context).content

    response = _cached_response(
        request,
        _article_page_key(request, facts),
        render_page,
        last_modified=max(facts.approved_at, facts.updated_at),
    )
    patch_vary_headers(response, audiences.VARY)
    return response


def _not_live(request: HttpRequest, slug: str) -> HttpResponse:
    """410 with the retraction notice, or 404 for an address never published.

    Both ask the same one query and render one page with the same headers,
    so nothing but the status and the page tells a withdrawn answer from an
    address that never had one; nothing of a draft's existence shows at all.
    Asked afresh on every request: the notice shows as soon as the
    retraction commits, whatever any cache holds.
    """
    retraction = selectors.retraction_by_slug(slug)
    if retraction is None:
        response = render(request, "404.html", status=404)
    else:
        response = render(
            request,
            "public/retracted.html",
            {"retraction": retraction, "policy_url": reverse("articles:editorial_policy")},
            status=410,
        )
    patch_cache_control(response, no_cache=True)
    patch_vary_headers(response, ["Cookie"])
    # Neither page belongs in a search engine's index.
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def report_problem(request: HttpRequest, slug: str) -> HttpResponse:
    """A reader's report: the form, then saved for the editors or shown again with what they wrote.

    The form has a page of its own so that the article page carries no CSRF
    token and stays the same bytes for every reader.
    """
    version = selectors.live_version_by_slug(slug)
    if request.method != "POST":
        return _report_page(request, version, ProblemReportForm())
    form = ProblemReportForm(request.POST)
    if ratelimit.is_limited("report", request, limit=REPORT_LIMIT, window=REPORT_WINDOW):
        form.is_valid()
        form.add_error(
            None,
            _(
                "We have received several reports from your connection in the last hour, "
                "so we cannot take another one just now. Please try again later; your text "
                "is still here for you to copy."
            ),
        )
        return _report_page(request, version, form, status=429)
    if not form.is_valid():
        return _report_page(request, version, form, status=400)
    ratelimit.count("report", request, window=REPORT_WINDOW)
    if not form.is_robot:
        form.save_for(version)
    return redirect("articles:report_thanks", slug=version.slug)


def _report_page(
    request: HttpRequest, version: PublishedVersion, form: ProblemReportForm, status: int = 200
) -> HttpResponse:
    response = render(
        request, "public/report.html", {"version": version, "form": form}, status=status
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_safe
@never_cache
def report_thanks(request: HttpRequest, slug: str) -> HttpResponse:
    version = selectors.live_version_by_slug(slug)
    return render(request, "public/report_thanks.html", {"version": version})


# --- Audience ---------------------------------------------------------------------------


@never_cache
def set_audience(request: HttpRequest) -> HttpResponse:
    """Remember the reader's audience in a cookie and go back to where they were.

    The article page's chooser is a plain GET form, so the switch works
    without JavaScript and the page needs no CSRF token: a preference, not
    data, is all a forged request could change. POST is taken too. The
    address to return to must be on this site.
    """
    data = request.POST if request.method == "POST" else request.GET
    target = data.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("articles:home")
    response = HttpResponseRedirect(target)
    value = data.get("audience", "")
    if value in audiences.Audience.values:
        response.set_cookie(
            audiences.COOKIE_NAME,
            value,
            max_age=audiences.COOKIE_MAX_AGE,
            secure=request.is_secure(),
            httponly=True,
            samesite="Lax",
        )
    return response


# --- The rest of the site -------------------------------------------------------------


# Page numbers of a list worth keeping rendered; 50 articles a page.
CACHED_PAGE_NUMBERS = 100


def _page_number(value: str) -> int | None:
    """The page asked for as a number: 1 when none or a malformed one, None when too large.

    Malformed and missing numbers show the first page (``Paginator.get_page``),
    so they share its cache entry instead of making new ones.
    """
    value = value.strip()
    if not value.isdigit() or int(value) < 1:
        return 1
    number = int(value)
    return number if number <= CACHED_PAGE_NUMBERS else None


def _uncached(cache_key: str, render) -> bytes:
    return render()


@public_page
@require_safe
def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    cache_for_readers(request, surrogate.topic(slug), surrogate.LIVE_SET)
    description = fastpath.topic_description(slug)
    page_number = request.GET.get("page", "")
    number = _page_number(page_number)

    def render_page() -> bytes:
        listing = selectors.live_version_listing(limit=None, topic_slug=slug)
        # get_page turns a too large number into the last page.
        page = Paginator(listing, TOPIC_PAGE_SIZE).get_page(number or page_number)
        if not page.paginator.count:
            raise Http404("No published article in this topic.")
        page.object_list = list(page.object_list)
        context = {
            "page": page,
            "versions": page.object_list,
            "topic_name": page.object_list[0].topic_name,
            "topic_slug": slug,
            "description": description or "",
        }
        return render(request, "public/topic.html", context).content

    # A topic renamed or removed keeps its published articles' listing: the
    # versions carry the topic's name and address as they were approved.
    page_key = page_cache.key("topic", slug, description, number, fastpath.live_set_generation())
    if number is None:
        # A made-up page number is answered (as the last page) but not kept:
        # anyone could ask for millions of them.
        return _cached_response(request, page_key, render_page, store=_uncached)
    return _cached_response(request, page_key, render_page)


# What a search without results offers instead: the newest questions.
SEARCH_NEWEST_COUNT = 5


@public_page
@require_safe
def search(request: HttpRequest) -> HttpResponse:
    cache_for_readers(request, surrogate.LIVE_SET, surrogate.SEARCH)
    query = " ".join(request.GET.get("q", "").split())[: search_reading.MAX_LENGTH]
    page_number = request.GET.get("page", "")
    number = _page_number(page_number)
    generation = fastpath.live_set_generation()

    def render_page() -> bytes:
        context = {"query": query, "page": None}
        if query:
            read = search_reading.read_query(query, search_reading.synonym_table(generation))
            results = search_reading.search_live_versions(read)
            # get_page turns a missing, malformed or too large number into a real page.
            page = Paginator(results, SEARCH_PAGE_SIZE).get_page(number or page_number)
            page.object_list = list(page.object_list)
            corrections = search_reading.suggestions(read)
            context.update(
                page=page,
                read=read,
                highlight=search_reading.highlight_pattern(read),
                suggestion=search_reading.corrected_text(query, corrections),
                corrections=corrections,
            )
            if not page.object_list:
                newest = list(selectors.live_version_listing(limit=HOME_LIMIT))
                context.update(
                    newest=newest[:SEARCH_NEWEST_COUNT], topics=selectors.group_by_topic(newest)
                )
        return render(request, "public/search.html", context).content

    # The results are a function of the words, the page asked for and the
    # live set: a new approval, a retraction or an edited synonym changes
    # the generation.
    page_key = page_cache.key("search", query, number, generation)
    return _cached_response(request, page_key, render_page, store=page_cache.search_page)


@public_page
@require_safe
def advisory_board(request: HttpRequest) -> HttpResponse:
    cache_for_readers(request, surrogate.BOARD, surrogate.LIVE_SET)
    members = list(public_board_members())
    reviewed = selectors.answers_reviewed_by(member.pk for member in members)
    for member in members:
        member.reviewed_answers = reviewed.get(member.pk, [])
    return render(request, "public/advisory_board.html", {"members": members})


@public_page
@require_safe
def editorial_policy(request: HttpRequest) -> HttpResponse:
    cache_for_readers(request, surrogate.page(POLICY_SLUG))
    page = selectors.site_page(POLICY_SLUG)
    return render(
        request,
        "public/editorial_policy.html",
        {
            "page": page,
            "page_html": render_markdown(page.body) if page else "",
            "required_approvals": max(settings.EDITORIAL_REQUIRED_APPROVALS, 1),
            "review_interval_months": settings.EDITORIAL_REVIEW_INTERVAL_MONTHS,
        },
    )


@public_page
@require_safe
def feed(request: HttpRequest) -> HttpResponse:
    """The Atom feed of the newest approved articles, cached like the pages."""
    cache_for_readers(request, surrogate.LIVE_SET)
    atom = LatestArticlesFeed()

    def render_feed() -> bytes:
        return atom(request).content

    # A person who follows the "Atom feed" link gets a page that explains
    # the feed and lists its answers (browsers show Atom as raw XML); feed
    # readers, which do not ask for HTML, get the Atom document.
    if "text/html" in request.headers.get("Accept", ""):

        def render_feed_page() -> bytes:
            versions = list(selectors.live_version_listing(limit=FEED_LENGTH))
            context = {
                "versions": versions,
                "feed_url": structured_data.absolute(reverse("articles:feed")),
            }
            return render(request, "public/feed.html", context).content

        page_key = page_cache.key("feed-page", fastpath.live_set_generation())
        response = _cached_response(request, page_key, render_feed_page)
    else:
        page_key = page_cache.key("feed", fastpath.live_set_generation())
        response = _cached_response(request, page_key, render_feed, content_type=atom.content_type)
    patch_vary_headers(response, ["Accept"])
    return response


# How many entries the corrections log shows.
CORRECTIONS_LIMIT = 200


@public_page
@require_safe
def corrections(request: HttpRequest) -> HttpResponse:
    """Retractions and updates of answers, newest first, with their dates and reasons."""
    cache_for_readers(request, surrogate.LIVE_SET)

    def render_page() -> bytes:
        context = {"entries": selectors.corrections(CORRECTIONS_LIMIT), "limit": CORRECTIONS_LIMIT}
        return render(request, "public/corrections.html", context).content

    # Every retraction and every approval raises the generation.
    page_key = page_cache.key("corrections", fastpath.live_set_generation())
    return _cached_response(request, page_key, render_page)
