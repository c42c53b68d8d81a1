"""Django REST framework's content negotiation, without its parsing when the answer is plain.

Most requests name no format and accept anything (``*/*``, or no Accept
header at all, as curl, wrk and most HTTP libraries send) or exactly the
first renderer's type (``application/json``). For those DRF's negotiation
always picks the first renderer with its own media type, after tokenising
the header, parsing each type and sorting by precedence: about a tenth of a
published article's cost. Every other request (another type, parameters,
quality values, a ``?format=``) goes through DRF's own code, so a client
that accepts nothing the API speaks still gets its 406.
"""

from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation


class PlainFirstNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        meta = request.META
        if renderers and not format_suffix and not meta.get("QUERY_STRING"):
            first = renderers[0]
            if meta.get("HTTP_ACCEPT", "*/*").strip() in ("*/*", first.media_type):
                return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)
