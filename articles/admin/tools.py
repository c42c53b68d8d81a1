"""Small JSON endpoints the article editor calls while an author writes.

Both answer staff who write (authors and editors) and nobody else, and
both answer every bad input with a JSON message and a 4xx or 5xx status
that says what went wrong, never a server error page.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from articles.admin.reference_lookup import ReferenceLookupError, reference_lookup
from articles.rendering import render_markdown, unresolved_markers

LOOKUP_STATUS = {
    ReferenceLookupError.MALFORMED: 400,
    ReferenceLookupError.NOT_FOUND: 404,
    ReferenceLookupError.UNREACHABLE: 502,
    ReferenceLookupError.TIMEOUT: 504,
}
MAX_PREVIEW_CHARS = 200_000


def _writer_refusal(request) -> JsonResponse | None:
    """A JSON refusal unless the user is active staff who may write articles."""
    user = request.user
    if not user.is_authenticated:
        return JsonResponse({"error": _("Sign in to the back office first.")}, status=401)
    if not (
        user.is_active
        and user.is_staff
        and (user.has_perm("articles.add_article") or user.has_perm("articles.change_article"))
    ):
        return JsonResponse(
            {"error": _("Only authors and editors can use this.")},
            status=403,
        )
    return None


@never_cache
@require_GET
def reference_lookup_view(request):
    """A reference's record from ``?q=<DOI or PMID>``, for the author to check before saving."""
    refused = _writer_refusal(request)
    if refused:
        return refused
    try:
        record = reference_lookup(request.GET.get("q", ""))
    except ReferenceLookupError as error:
        return JsonResponse(
            {"error": error.message, "kind": error.kind}, status=LOOKUP_STATUS[error.kind]
        )
    return JsonResponse(record.as_dict())


def _reference_count(value: str) -> int:
    try:
        return max(0, min(int(value), 999))
    except (TypeError, ValueError):
        return 0


@never_cache
@require_POST
def markdown_preview_view(request):
    """The answer and the plain-language text rendered as readers would get them."""
    refused = _writer_refusal(request)
    if refused:
        return refused
    count = _reference_count(request.POST.get("references"))
    answer = {}
    for name in ("body", "plain_body"):
        source = request.POST.get(name, "")
        if len(source) > MAX_PREVIEW_CHARS:
            return JsonResponse(
                {"error": _("The text is too long to preview; save it to see it.")}, status=413
            )
        answer[name] = {
            "html": render_markdown(source, reference_count=count) if source.strip() else "",
            "unresolved": unresolved_markers(source, count),
        }
    return JsonResponse(answer)


def admin_tool_urls() -> list:
    """Paths under /admin/articles/ that belong to no model's admin."""
    return [
        path(
            "articles/reference-lookup/",
            reference_lookup_view,
            name="articles_reference_lookup",
        ),
        path(
            "articles/markdown-preview/",
            markdown_preview_view,
            name="articles_markdown_preview",
        ),
    ]
