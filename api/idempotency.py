"""``Idempotency-Key`` on POST: a retry gets the first answer and changes nothing.

The first successful answer to a key is stored with a digest of the request
(method, path and the parsed body) in the same transaction as the change it
reports, so either both exist or neither does. The same key with another
request is refused with 422; a key that is being used by a request still
running is refused with 409, to be retried.
"""

from __future__ import annotations

import functools
import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.response import Response

from api.exceptions import error_body
from api.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


def request_digest(request) -> str:
    body = json.dumps(request.data, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))
    raw = f"{request.method}\n{request.path}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _refusal(status: int, code: str, message: str) -> Response:
    return Response(error_body(status, code, message, {HEADER: [message]}), status=status)


def idempotent(handler):
    """Wrap a POST handler of an APIView whose requests carry an integration's key."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER, "")
        if not key:
            return handler(view, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            return _refusal(
                400,
                "invalid_idempotency_key",
                _("An Idempotency-Key is 1 to %(n)s printable characters, e.g. a UUID.")
                % {"n": MAX_KEY_LENGTH},
            )
        integration = request.auth.integration
        digest = request_digest(request)
        try:
            with transaction.atomic():
                previous = IdempotencyRecord.objects.filter(
                    integration=integration, key=key
                ).first()
                if previous is not None:
                    if previous.request_digest != digest:
                        return _refusal(
                            422,
                            "idempotency_key_reused",
                            _(
                                "This Idempotency-Key was used for a different request. Use a "
                                "new key for a new request; nothing was done."
                            ),
                        )
                    replay = Response(previous.response, status=previous.status_code)
                    replay["Idempotent-Replayed"] = "true"
                    return replay
                response = handler(view, request, *args, **kwargs)
                if 200 <= response.status_code < 300:
                    stored = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
                    IdempotencyRecord.objects.create(
                        integration=integration,
                        key=key,
                        request_digest=digest,
                        status_code=response.status_code,
                        response=stored,
                    )
                return response
        except IntegrityError:
            # Another request with this key committed first: this one undid its work.
            return _refusal(
                409,
                "idempotency_key_in_use",
                _("Another request with this Idempotency-Key was being handled; retry it."),
            )

    return wrapper
