"""Purge pages from the shared caches by surrogate key, now: after a deployment, or by hand."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from editorial.httpcache import SITE_KEY
from editorial.purge import PurgeFailed, send


class Command(BaseCommand):
    help = (
        "Purge the given surrogate keys (e.g. article-12 live-set) from every cache in "
        "EDITORIAL_PURGE_URLS; --all purges every page (after a deployment that changed them)."
    )

    def add_arguments(self, parser):
        parser.add_argument("keys", nargs="*", help="Surrogate keys, e.g. article-12 live-set.")
        parser.add_argument(
            "--all", dest="everything", action="store_true", help="Every page: the key 'site'."
        )

    def handle(self, *args, keys, everything, **options):
        keys = [*keys, SITE_KEY] if everything else list(keys)
        if not keys:
            raise CommandError("Name the keys to purge, or give --all.")
        if not settings.EDITORIAL_PURGE_URLS:
            raise CommandError("EDITORIAL_PURGE_URLS is empty: there is no cache to purge.")
        failed = []
        for url in settings.EDITORIAL_PURGE_URLS:
            try:
                gone = send(url, keys)
            except PurgeFailed as error:
                failed.append(str(error))
                self.stderr.write(f"{url}: not purged: {error}")
                continue
            self.stdout.write(f"{url}: purged {' '.join(sorted(set(keys)))} ({gone} objects)")
        if failed:
            raise CommandError(f"{len(failed)} cache(s) could not be purged.")
