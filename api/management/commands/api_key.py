"""``manage.py api_key create --integration NAME --scopes drafts:write,status:read``.

Prints the new key once (its only appearance anywhere); ``revoke PREFIX``
refuses a key from then on; ``list`` shows an integration's keys.
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from api import services
from api.models import ApiKey, Integration


class Command(BaseCommand):
    help = "Create, list or revoke an integration's API keys."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a key and print it once.")
        create.add_argument("--integration", required=True, help="The integration's name.")
        create.add_argument(
            "--scopes",
            required=True,
            help="Comma-separated: drafts:write, status:read, published:read.",
        )
        create.add_argument("--label", default="", help="e.g. production.")
        create.add_argument("--expires-days", type=int, help="Days until the key expires.")
        create.add_argument(
            "--create-integration",
            action="store_true",
            help="Create the integration (and its author account) if it does not exist.",
        )
        revoke = sub.add_parser("revoke", help="Revoke a key by its prefix.")
        revoke.add_argument("prefix")
        listing = sub.add_parser("list", help="List an integration's keys (never the secrets).")
        listing.add_argument("--integration", required=True)

    def handle(self, *args, action, **options):
        return getattr(self, f"handle_{action}")(**options)

    def _integration(self, name: str, create: bool = False) -> Integration:
        try:
            return Integration.objects.get(name=name)
        except Integration.DoesNotExist:
            if create:
                return services.integration_create(name=name, by=None)
            raise CommandError(
                f"No integration is called “{name}”. Create it in the admin (API and "
                "integrations > Integrations) or pass --create-integration."
            ) from None

    def handle_create(self, *, integration, scopes, label, expires_days, **options):
        target = self._integration(integration, options["create_integration"])
        expires_at = None
        if expires_days is not None:
            if expires_days < 1:
                raise CommandError("--expires-days must be 1 or more.")
            expires_at = timezone.now() + datetime.timedelta(days=expires_days)
        try:
            api_key, secret = services.api_key_create(
                integration=target,
                scopes=[s.strip() for s in scopes.split(",") if s.strip()],
                label=label,
                expires_at=expires_at,
                by=None,
            )
        except services.ApiError as error:
            raise CommandError(error.message) from error
        self.stderr.write(
            f"Key {api_key.prefix} for {target.name} ({', '.join(api_key.scopes)}). "
            "It is printed once and cannot be shown again:"
        )
        self.stdout.write(secret)

    def handle_revoke(self, *, prefix, **options):
        try:
            api_key = ApiKey.objects.get(prefix=prefix)
        except ApiKey.DoesNotExist:
            raise CommandError(f"No key has the prefix {prefix}.") from None
        services.api_key_revoke(api_key=api_key, by=None)
        self.stdout.write(f"Key {prefix} is revoked.")

    def handle_list(self, *, integration, **options):
        for api_key in self._integration(integration).keys.all():
            state = (
                "revoked" if api_key.revoked_at else ("usable" if api_key.is_usable else "expired")
            )
            self.stdout.write(
                f"{api_key.prefix}\t{state}\t{','.join(api_key.scopes)}\t"
                f"last used {api_key.last_used_at or 'never'}"
            )
