"""django-csp's middleware, with the site's one policy built once per process.

A measured speed trick (articles/public/fastpath.py lists it with its
benchmark row): ``csp_cache`` in EDITORIAL_SPEED_TRICKS_OFF runs the
library's own middleware, unchanged, instead.
"""

from __future__ import annotations

from functools import cached_property

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as LibraryCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _


class CSPMiddleware(LibraryCSPMiddleware):
    """django-csp's middleware, with the site's one policy built once per process.

    The library builds the header from the settings on every response. Ours
    never changes unless a view asks for a nonce or decorates its response
    with its own policy; then the library's own path runs, unchanged. It
    leans on two of the library's names that are not documented API:
    ``CheckableLazyObject`` and ``_csp_nonce_post_response``.
    """

    def __init__(self, get_response) -> None:
        super().__init__(get_response)
        self.builds_once = "csp_cache" not in settings.EDITORIAL_SPEED_TRICKS_OFF

    @cached_property
    def _fixed_headers(self) -> tuple[tuple[str, str, str, tuple[str, ...]], ...]:
        """(header, policy, response attribute exempting from it, excluded path prefixes)."""
        headers = []
        for name, setting, exempt, report_only in (
            (HEADER, "CONTENT_SECURITY_POLICY", "_csp_exempt", False),
            (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", "_csp_exempt_ro", True),
        ):
            policy = build_policy(report_only=report_only)
            if policy:
                excluded = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES")
                headers.append((name, policy, exempt, tuple(excluded or ())))
        return tuple(headers)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        customised = getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, attribute, None) is not None for attribute in _CSP_RESPONSE_ATTRIBUTES
        )
        if customised or settings.DEBUG or not self.builds_once:
            return super().process_response(request, response)
        for name, policy, exempt, excluded in self._fixed_headers:
            if (
                name not in response
                and getattr(response, exempt, False) is False
                and not request.path_info.startswith(excluded)
            ):
                response[name] = policy
        # As the library does: a nonce asked for after the header went out is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


# What a view's decorators set on a response to change its policy.
_CSP_RESPONSE_ATTRIBUTES = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)


def explain_method_not_allowed(get_response):
    """Every 405 says in words what the address is for, and that nothing changed.

    Views refuse other methods with Django's ``require_POST``/``require_safe``,
    whose answer has an empty body; someone who followed a link to an action,
    or reloaded one, should still read why nothing happened.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if response.status_code != 405 or response.content:
            return response
        if "POST" in response.get("Allow", "").replace(" ", "").split(","):
            text = _(
                "This address carries out an action from a button on its page; it cannot be "
                "opened directly, and nothing was changed. Go back to the page and use the button."
            )
        else:
            text = _("This address only shows a page; nothing was changed.")
        response.content = text
        response["Content-Type"] = "text/plain; charset=utf-8"
        return response

    return middleware
