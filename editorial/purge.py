"""Purging readers' pages from the shared caches by surrogate key, the moment a change commits.

``purge_on_commit(keys)`` is called inside the transaction of a change that
alters what readers see. It does two things:

- it enqueues ``purge_cache_keys``, a task, in that very transaction: a
  committed change always gets its purge, a rolled-back one never does, and
  a cache that cannot be reached is purged by the task's retries when it
  comes back (each failed attempt shows as a failed task);
- once the transaction commits, it sends the purge itself, at once, to every
  cache in EDITORIAL_PURGE_URLS: all the keys the transaction named, in one
  request per cache (split only if the header would grow too long).

A purge is idempotent: purging a key twice costs the cache one more fetch of
the pages under it, nothing else. Still, the task skips a cache the commit's
purge reached when the Django cache is shared (Redis), as it records each
delivery there.
"""

from __future__ import annotations

import datetime
import http.client
import logging
import uuid
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger("editorial.purge")

# The request header naming the keys to purge (deploy/varnish/editorial.vcl).
PURGE_HEADER = "xkey-purge"
# Varnish refuses request headers over 8 KB by default; a batch stays well below.
MAX_HEADER_LENGTH = 4000
# How long a delivery is remembered, so that the task does not repeat it.
DELIVERED_SECONDS = 24 * 60 * 60
# The longest wait between two attempts.
MAX_RETRY_SECONDS = 60 * 60


class PurgeFailed(Exception):
    """A cache could not be purged; the task tries again later."""


def batches(keys: Iterable[str], limit: int = MAX_HEADER_LENGTH) -> list[str]:
    """The keys as space-separated header values, none longer than ``limit``."""
    values, current = [], ""
    for key in sorted(set(keys)):
        if current and len(current) + 1 + len(key) > limit:
            values.append(current)
            current = ""
        current = f"{current} {key}" if current else key
    if current:
        values.append(current)
    return values


def send(url: str, keys: Iterable[str], *, timeout: float | None = None) -> int:
    """Purge ``keys`` from the cache at ``url``; the number of objects it dropped.

    Raises PurgeFailed when the cache cannot be reached or refuses.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PurgeFailed(f"{url!r} is not an http(s) address of a cache.")
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    timeout = settings.EDITORIAL_PURGE_TIMEOUT if timeout is None else timeout
    gone = 0
    connection = connection_class(parts.hostname, parts.port, timeout=timeout)
    try:
        for value in batches(keys):
            try:
                connection.request("PURGE", parts.path or "/", headers={PURGE_HEADER: value})
                response = connection.getresponse()
                body = response.read(2000)
            except (OSError, http.client.HTTPException) as error:
                raise PurgeFailed(f"{url}: {error}") from error
            if response.status != 200:
                raise PurgeFailed(
                    f"{url} answered {response.status} {response.reason}: "
                    f"{body.decode(errors='replace').strip()[:200]}"
                )
            gone += int(response.headers.get("Purged-Objects", "0") or 0)
    finally:
        connection.close()
    return gone


def _delivered_key(token: str, url: str) -> str:
    return f"editorial:purged:{token}:{url}"


def retry_delay(attempt: int) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1, 2, …): doubling, capped."""
    return min(settings.EDITORIAL_PURGE_RETRY_SECONDS * 2 ** (attempt - 1), MAX_RETRY_SECONDS)


@task()
def purge_cache_keys(
    keys: list[str], urls: list[str] | None = None, token: str = "", attempt: int = 1
) -> dict:
    """Purge ``keys`` from the caches at ``urls`` (all configured ones when None).

    A cache that fails is tried again by a new task, later and later; this
    attempt then fails, so that it shows among the failed tasks.
    """
    urls = list(settings.EDITORIAL_PURGE_URLS if urls is None else urls)
    failed, errors, purged = [], [], {}
    for url in urls:
        if token and cache.get(_delivered_key(token, url)):
            purged[url] = "delivered at commit"
            continue
        try:
            purged[url] = send(url, keys)
        except PurgeFailed as error:
            failed.append(url)
            errors.append(str(error))
    if not failed:
        return {"keys": keys, "purged": purged, "attempt": attempt}
    if attempt < settings.EDITORIAL_PURGE_ATTEMPTS:
        delay = retry_delay(attempt)
        purge_cache_keys.using(
            run_after=timezone.now() + datetime.timedelta(seconds=delay)
        ).enqueue(keys=keys, urls=failed, token="", attempt=attempt + 1)
        outlook = f"attempt {attempt + 1} in {delay:.0f} s"
    else:
        outlook = "no more attempts: purge these keys by hand (manage.py purge_cache)"
    logger.warning("Cache purge failed (%s): %s", outlook, "; ".join(errors))
    raise PurgeFailed(f"{'; '.join(errors)} ({outlook})")


def deliver(keys: Iterable[str]) -> dict[str, int | str]:
    """Send the purge to every configured cache now; a failure is logged, not raised."""
    keys = sorted(set(keys))
    results: dict[str, int | str] = {}
    for url in settings.EDITORIAL_PURGE_URLS:
        try:
            results[url] = send(url, keys)
        except PurgeFailed as error:
            # The task enqueued with the change tries again.
            logger.warning("Cache purge failed, the task will retry: %s", error)
            results[url] = str(error)
    return results


class _Batch:
    """The keys one transaction purges, sent together once it commits."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.tokens: list[str] = []
        self.flushed = False

    def flush(self) -> None:
        self.flushed = True
        # One request per cache for the whole transaction; each of its tasks
        # then finds its purge delivered.
        results = deliver(self.keys)
        for url, result in results.items():
            if isinstance(result, int):
                for token in self.tokens:
                    cache.set(_delivered_key(token, url), True, DELIVERED_SECONDS)


def purge_on_commit(keys: Iterable[str]) -> None:
    """Purge ``keys`` from every configured cache once the current transaction commits.

    Call it inside the change's transaction. Nothing happens when no cache
    is configured.
    """
    keys = sorted({key for key in keys if key})
    if not keys or not settings.EDITORIAL_PURGE_URLS:
        return
    token = uuid.uuid4().hex
    purge_cache_keys.enqueue(keys=keys, urls=None, token=token)
    connection = transaction.get_connection()
    batch = connection.__dict__.get("_editorial_purge_batch")
    # A batch belongs to the transaction that registered its flush: once that
    # commits or rolls back, the flush is no longer waiting and a new one starts.
    waiting = (
        batch is not None
        and not batch.flushed
        and any(entry[1] == batch.flush for entry in connection.run_on_commit)
    )
    if waiting:
        batch.keys.update(keys)
        batch.tokens.append(token)
        return
    batch = _Batch()
    batch.keys.update(keys)
    batch.tokens.append(token)
    connection._editorial_purge_batch = batch
    # Outside a transaction this sends at once.
    transaction.on_commit(batch.flush)
