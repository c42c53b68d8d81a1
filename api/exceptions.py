"""Every refusal as one JSON shape: ``{"error": {"status", "code", "message", "fields"}}``."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from api.services import ApiError
from articles.exceptions import ConcurrentChange, WorkflowError


def field_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error details as ``{"references.0.title": ["…"]}``."""
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for name, value in detail.items():
            # A nested serializer's own errors belong to the field that holds it.
            key = prefix if name == "non_field_errors" else f"{prefix}{name}."
            fields.update(field_errors(value, key))
    elif isinstance(detail, list) and detail and all(isinstance(d, str) for d in detail):
        fields[prefix.rstrip(".") or "non_field_errors"] = [str(d) for d in detail]
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if value:
                fields.update(field_errors(value, f"{prefix}{index}."))
    else:
        fields[prefix.rstrip(".") or "non_field_errors"] = [str(detail)]
    return fields


def error_body(status_code: int, code: str, message: str, fields=None) -> dict:
    return {
        "error": {
            "status": status_code,
            "code": code,
            "message": str(message),
            "fields": fields or {},
        }
    }


def handler(exc, context):
    if isinstance(exc, ApiError):
        code = status.HTTP_400_BAD_REQUEST if exc.fields else status.HTTP_409_CONFLICT
        return Response(
            error_body(code, "invalid" if exc.fields else "refused", exc.message, exc.fields),
            status=code,
        )
    if isinstance(exc, WorkflowError):
        # A workflow refusal names the reason: the state, a missing reference, a permission.
        code = "concurrent_change" if isinstance(exc, ConcurrentChange) else "refused"
        return Response(error_body(409, code, exc.message), status=409)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = getattr(exc, "detail", None)
    if isinstance(exc, exceptions.ValidationError):
        message = _("The request has errors; see “fields”. Nothing was saved.")
        fields = field_errors(detail)
        code = "invalid"
    elif isinstance(exc, Http404):
        message, fields, code = _("Not found."), {}, "not_found"
    else:
        message = str(detail) if detail is not None else str(exc)
        fields = {}
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
    response.data = error_body(response.status_code, str(code), message, fields)
    return response


@csrf_exempt
def json_not_found(request, *args, **kwargs) -> JsonResponse:
    """Addresses under /api/ that name no endpoint: a JSON 404, not the site's HTML page."""
    return JsonResponse(
        error_body(404, "not_found", _("No API endpoint at this address.")), status=404
    )
