"""The API's endpoints: thin views over the services, the selectors and the serializers."""

from __future__ import annotations

import datetime
import hashlib
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import http_date, parse_http_date_safe, quote_etag
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.exceptions import error_body
from api.idempotency import HEADER as IDEMPOTENCY_HEADER
from api.idempotency import idempotent
from api.scopes import Scope
from api.services import draft_create, draft_submit, draft_update, draft_withdraw, via_key
from articles.models import Article, PublishedVersion
from articles.public import cache as page_cache
from articles.public.fastpath import live_facts_by_slug, live_set_generation
from articles.public.selectors import live_versions
from articles.viewer import Viewer
from reviewers.models import ReviewAssignment

ERROR = OpenApiResponse(
    description=_('A JSON error: {"error": {status, code, message, fields}}.'),
    response=OpenApiTypes.OBJECT,
)
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=_(
        "Any unique string up to 200 characters (a UUID). A retry with the same key and "
        "body returns the first answer and changes nothing; the same key with another body "
        "is refused with 422."
    ),
)
WRITE_ERRORS = {
    400: ERROR,
    401: ERROR,
    403: ERROR,
    404: ERROR,
    409: ERROR,
    413: ERROR,
    422: ERROR,
    429: ERROR,
}
READ_ERRORS = {401: ERROR, 403: ERROR, 404: ERROR, 429: ERROR}


def absolute(path: str) -> str:
    return f"{settings.EDITORIAL_BASE_URL}{path}"


class OwnArticleMixin:
    """The integration's own articles: another author's answer 404, as if absent."""

    def get_article(self, request, pk: int) -> Article:
        try:
            return (
                Article.objects.select_related("topic", "live_version")
                .prefetch_related("references")
                .get(pk=pk, author=request.user)
            )
        except Article.DoesNotExist:
            raise Http404 from None

    def draft_response(self, article: Article, code: int = 200) -> Response:
        article = self.get_article(self.request, article.pk)
        return Response(s.DraftSerializer(article).data, status=code)


class DraftListView(OwnArticleMixin, APIView):
    required_scopes = {"POST": Scope.DRAFTS_WRITE, "GET": Scope.STATUS_READ}

    @extend_schema(
        operation_id="drafts_list",
        summary=_("The integration's own articles, newest first"),
        responses={200: s.DraftSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request):
        articles = (
            Article.objects.filter(author=request.user)
            .select_related("topic", "live_version")
            .prefetch_related("references")
            .order_by("-updated_at", "-id")[:200]
        )
        return Response(s.DraftSerializer(articles, many=True).data)

    @extend_schema(
        operation_id="drafts_create",
        summary=_("Create a draft with its references and provenance"),
        request=s.DraftWriteSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: s.DraftSerializer, **WRITE_ERRORS},
    )
    @idempotent
    def post(self, request):
        serializer = s.DraftWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        article = draft_create(
            data=serializer.to_service_data(), by=request.user, via=via_key(request.auth)
        )
        return self.draft_response(article, status.HTTP_201_CREATED)


class DraftDetailView(OwnArticleMixin, APIView):
    required_scopes = {"GET": Scope.STATUS_READ, "PATCH": Scope.DRAFTS_WRITE}

    @extend_schema(
        operation_id="drafts_retrieve",
        summary=_("One of the integration's articles: its working copy"),
        responses={200: s.DraftSerializer, **READ_ERRORS},
    )
    def get(self, request, pk: int):
        return Response(s.DraftSerializer(self.get_article(request, pk)).data)

    @extend_schema(
        operation_id="drafts_update",
        summary=_("Change a draft while it is a draft or has changes requested"),
        request=s.DraftUpdateSerializer,
        responses={200: s.DraftSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, pk: int):
        article = self.get_article(request, pk)
        # Bound to the article, so that resending its own address is no clash.
        serializer = s.DraftUpdateSerializer(article, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        article = draft_update(
            article=article,
            data=serializer.to_service_data(),
            by=request.user,
            via=via_key(request.auth),
        )
        return self.draft_response(article)


class _TransitionView(OwnArticleMixin, APIView):
    required_scopes = {"POST": Scope.DRAFTS_WRITE}
    service = None

    @idempotent
    def post(self, request, pk: int):
        article = self.get_article(request, pk)
        serializer = s.TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        article = type(self).service(
            article=article,
            by=request.user,
            comment=serializer.validated_data["comment"],
            via=via_key(request.auth),
        )
        return self.draft_response(article)


@extend_schema_view(
    post=extend_schema(
        operation_id="drafts_submit",
        summary=_("Submit the draft for review by the board"),
        request=s.TransitionSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={200: s.DraftSerializer, **WRITE_ERRORS},
    )
)
class DraftSubmitView(_TransitionView):
    service = staticmethod(draft_submit)


@extend_schema_view(
    post=extend_schema(
        operation_id="drafts_withdraw",
        summary=_("Withdraw a submitted draft from review"),
        request=s.TransitionSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={200: s.DraftSerializer, **WRITE_ERRORS},
    )
)
class DraftWithdrawView(_TransitionView):
    service = staticmethod(draft_withdraw)


def article_status(article: Article, user) -> dict:
    """State, round, assignments and the public parts of the decisions the user may see."""
    viewer = Viewer.of(user, article)
    assignments = list(
        ReviewAssignment.objects.filter(article=article)
        .select_related("reviewer__user", "decision")
        .order_by("round", "assigned_at", "id")
    )
    decisions = []
    for assignment in assignments:
        decision = getattr(assignment, "decision", None)
        if decision is None or not viewer.sees_decision(decision.recorded_by_id):
            continue
        # Only the part written for the author: the confidential note and the
        # conflict statement are not in this dictionary, whoever asks.
        decisions.append(
            {
                "reviewer": assignment.reviewer.name,
                "round": assignment.round,
                "decision": decision.decision,
                "decision_label": str(decision.get_decision_display()),
                "comment_to_author": decision.comment_to_author,
                "recorded_at": decision.recorded_at,
            }
        )
    return {
        "id": article.pk,
        "slug": article.slug,
        "title": article.title,
        "state": article.state,
        "state_label": str(article.get_state_display()),
        "review_round": article.review_round,
        "submitted_at": article.submitted_at,
        "review_started_at": article.review_started_at,
        "live_version": article.live_version.number if article.live_version_id else None,
        "assignments": [
            {
                "reviewer": a.reviewer.name,
                "credentials": a.reviewer.credentials,
                "round": a.round,
                "status": a.status,
                "status_label": str(a.get_status_display()),
                "assigned_at": a.assigned_at,
                "responded_at": a.responded_at,
                "due_date": a.due_date,
            }
            for a in assignments
        ],
        "decisions": decisions,
    }


class DraftStatusView(OwnArticleMixin, APIView):
    required_scopes = {"GET": Scope.STATUS_READ}

    @extend_schema(
        operation_id="drafts_status",
        summary=_("Where the article is in review: state, round, assignments, decisions"),
        responses={200: s.StatusSerializer, **READ_ERRORS},
    )
    def get(self, request, pk: int):
        article = self.get_article(request, pk)
        return Response(s.StatusSerializer(article_status(article, request.user)).data)


# --- Published versions: the read API of headless sites ---------------------------------


def published_summary(version: PublishedVersion) -> dict:
    return {
        "slug": version.slug,
        "title": version.title,
        "summary": version.summary,
        "topic": {"name": version.topic_name, "slug": version.topic_slug},
        "version": version.number,
        "approved_at": version.approved_at,
        "url": absolute(reverse("articles:detail", kwargs={"slug": version.slug})),
        "api_url": absolute(reverse("api:published-detail", kwargs={"slug": version.slug})),
    }


def published_detail(version: PublishedVersion) -> dict:
    return {
        **published_summary(version),
        "fingerprint": getattr(version, "fingerprint", None) or None,
        "body_html": version.body_html,
        "body_markdown": version.body_source,
        "plain_body_html": version.plain_body_html,
        "plain_body_markdown": version.plain_body_source,
        "references": version.references,
        "reviewers": [
            {
                "name": r.get("name", ""),
                "credentials": r.get("credentials", ""),
                "specialties": r.get("specialties", []),
            }
            for r in version.reviewers
        ],
        "author": version.author_name,
        "provenance": s.provenance_of(version),
        "change_note": version.change_note,
        "submitted_at": version.submitted_at,
        "review_started_at": version.review_started_at,
        "last_reviewed": version.last_reviewed,
        "next_review_due": version.next_review_due,
    }


def _json_bytes(data) -> bytes:
    return json.dumps(data, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def _conditional(request, etag: str, last_modified: datetime.datetime | None, content):
    """A 304 when the client holds this ETag (or nothing newer than Last-Modified)."""
    headers = {"ETag": etag, "Cache-Control": "public, max-age=0, must-revalidate"}
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified.timestamp())
    # Read from META: building request.headers costs more than the rest here.
    held = request.META.get("HTTP_IF_NONE_MATCH")
    if held is not None:
        fresh = etag in [t.strip() for t in held.split(",")] or held.strip() == "*"
    else:
        since = request.META.get("HTTP_IF_MODIFIED_SINCE")
        fresh = bool(
            since
            and last_modified is not None
            and _parse_http_date(since) is not None
            and int(last_modified.timestamp()) <= _parse_http_date(since)
        )
    if fresh:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(content(), content_type="application/json")
    for name, value in headers.items():
        response[name] = value
    response["Vary"] = "Authorization"
    return response


def _parse_http_date(value: str) -> int | None:
    return parse_http_date_safe(value)


class PublishedPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100


UPDATED_SINCE = OpenApiParameter(
    "updated_since",
    OpenApiTypes.DATETIME,
    OpenApiParameter.QUERY,
    required=False,
    description=_(
        "Only versions approved at or after this moment (ISO 8601), e.g. since your last sync."
    ),
)


class PublishedListView(APIView):
    required_scopes = {"GET": Scope.PUBLISHED_READ}

    @extend_schema(
        operation_id="published_list",
        summary=_("The live published articles, newest approval first"),
        parameters=[
            UPDATED_SINCE,
            OpenApiParameter("page", int, OpenApiParameter.QUERY, required=False),
            OpenApiParameter("page_size", int, OpenApiParameter.QUERY, required=False),
        ],
        responses={
            200: s.PublishedPageSerializer,
            304: OpenApiResponse(description=_("Not modified.")),
            400: ERROR,
            **READ_ERRORS,
        },
    )
    def get(self, request):
        since_text = request.query_params.get("updated_since")
        since = None
        if since_text:
            since = parse_datetime(since_text)
            if since is None and parse_date(since_text) is not None:
                since = datetime.datetime.combine(parse_date(since_text), datetime.time.min)
            if since is None:
                raise exceptions.ValidationError(
                    {
                        "updated_since": [
                            _("Give a date and time in ISO 8601, e.g. 2026-05-01T00:00:00Z.")
                        ]
                    }
                )
            if since.tzinfo is None:
                since = since.replace(tzinfo=datetime.UTC)
            try:
                # In UTC: a database may refuse an unusual offset such as -18:33.
                since = since.astimezone(datetime.UTC)
            except (OverflowError, ValueError):
                raise exceptions.ValidationError(
                    {"updated_since": [_("This date is out of range.")]}
                ) from None
        generation = live_set_generation()
        params = [request.get_host(), *sorted(request.query_params.items())]
        etag = quote_etag(hashlib.sha256(f"{generation}|{params}".encode()).hexdigest()[:32])

        def render() -> bytes:
            versions = live_versions().order_by("-approved_at", "-id")
            if since is not None:
                versions = versions.filter(approved_at__gte=since)
            paginator = PublishedPagination()
            page = paginator.paginate_queryset(versions, request, view=self)
            return _json_bytes(
                {
                    "count": paginator.page.paginator.count,
                    "next": paginator.get_next_link(),
                    "previous": paginator.get_previous_link(),
                    "results": [published_summary(v) for v in page],
                }
            )

        cache_key = page_cache.key("api-published-list", generation, params)
        return _conditional(request, etag, None, lambda: page_cache.page(cache_key, render))


class PublishedDetailView(APIView):
    required_scopes = {"GET": Scope.PUBLISHED_READ}

    @extend_schema(
        operation_id="published_retrieve",
        summary=_("The live published version of one article"),
        responses={
            200: s.PublishedDetailSerializer,
            304: OpenApiResponse(description=_("Not modified.")),
            **READ_ERRORS,
        },
    )
    def get(self, request, slug: str):
        facts = live_facts_by_slug(slug)
        etag = quote_etag(f"pv{facts.version_id}-{page_cache.TEMPLATE_REVISION}")

        def render() -> bytes:
            return _json_bytes(published_detail(PublishedVersion.objects.get(pk=facts.version_id)))

        # A version never changes, so its JSON is cached under its id for good.
        cache_key = page_cache.key("api-published", facts.version_id)
        return _conditional(
            request, etag, facts.approved_at, lambda: page_cache.page(cache_key, render)
        )


def not_found_body() -> dict:
    return error_body(404, "not_found", _("Not found."))
