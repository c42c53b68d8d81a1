"""JSON bodies, refused with 413 beyond the size limit before they are read whole."""

from __future__ import annotations

import io

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "body_too_large"


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        too_large = BodyTooLarge(
            _("The body is larger than %(limit)s bytes; send fewer or shorter drafts.")
            % {"limit": limit}
        )
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0) if request else 0
        except ValueError:
            declared = 0
        if declared > limit:
            raise too_large
        content = stream.read(limit + 1) if stream is not None else b""
        if len(content) > limit:
            raise too_large
        return super().parse(io.BytesIO(content), media_type, parser_context)
