"""Scopes: each view names the scope each of its methods needs."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions

from api.models import ApiKey
from api.scopes import Scope


def required_scope(request, view) -> str | None:
    scopes = getattr(view, "required_scopes", {})
    return scopes.get(request.method, scopes.get("*"))


class HasScope(permissions.BasePermission):
    """The request's key holds the scope the view names for this method.

    Reading published articles without a key is allowed only where the
    publisher switched it on (API_ANONYMOUS_PUBLISHED_READ).
    """

    def has_permission(self, request, view) -> bool:
        scope = required_scope(request, view)
        if scope is None:
            return True
        key = request.auth
        if not isinstance(key, ApiKey):
            if scope == Scope.PUBLISHED_READ and settings.API_ANONYMOUS_PUBLISHED_READ:
                return True
            raise exceptions.NotAuthenticated(
                _("This needs an API key with the scope “%(scope)s”.") % {"scope": scope}
            )
        if not key.has_scope(scope):
            raise exceptions.PermissionDenied(
                _("This key lacks the scope “%(scope)s”.") % {"scope": scope}
            )
        return True
