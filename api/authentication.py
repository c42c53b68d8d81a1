"""``Authorization: Bearer <key>``: an integration's key, checked against its digest."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from api import keys
from api.models import ApiKey

# last_used_at is written at most this often per key, not on every request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        # From META: DRF's get_authorization_header reads request.headers, which
        # parses every header of the request first, for each request, keyed or not.
        header = request.META.get("HTTP_AUTHORIZATION", "").strip()
        if not header:
            return None
        scheme, _sep, key = header.partition(" ")
        key = key.strip()
        if scheme.lower() != self.keyword.lower() or not key:
            raise exceptions.AuthenticationFailed(
                _("Send the key as “Authorization: Bearer <key>”.")
            )
        prefix = keys.prefix_of(key)
        api_key = None
        if prefix is not None:
            api_key = (
                ApiKey.objects.select_related("integration__account").filter(prefix=prefix).first()
            )
        # The digest is compared even for an unknown prefix, so that timing
        # does not tell which prefixes exist.
        if not keys.matches(key, api_key.digest if api_key else "0" * 64) or api_key is None:
            raise exceptions.AuthenticationFailed(_("This API key is not valid."))
        if api_key.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This API key was revoked."))
        now = timezone.now()
        if api_key.expires_at is not None and api_key.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("This API key has expired."))
        account = api_key.integration.account
        if not account.is_active:
            raise exceptions.AuthenticationFailed(_("This integration's account is deactivated."))
        if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
            api_key.last_used_at = now
        return account, api_key

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'
