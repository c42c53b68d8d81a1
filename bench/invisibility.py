"""Time to invisibility: from a commit until every public surface through the cache shows it.

``python -m bench.invisibility --cache http://127.0.0.1:PORT --count 100``
(DATABASE_URL naming the archive, EDITORIAL_PURGE_URLS the same cache)
retracts the ``count`` newest live articles one by one, then approves each
again, and prints one JSON object. For each change it first fetches every
surface through the cache (so that each holds the old state), commits the
change, and from the commit on asks every surface until it shows the new
state: the article's page, home, its topic, the feed, the sitemap and a
search for its title. The slowest surface's time is the change's time.

The runner loads the cache meanwhile, so the purges and the fetches that
follow them compete with readers. The archive keeps the changes: each
article ends approved again, with one more published version.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlsplit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "editorial.settings")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

import django

django.setup()

from django.db import transaction  # noqa: E402

from articles.choices import ArticleState  # noqa: E402
from articles.fingerprints import article_fingerprint  # noqa: E402
from articles.models import Article  # noqa: E402
from articles.roles import editors  # noqa: E402
from articles.services import article_reopen, article_retract, article_submit  # noqa: E402
from bench import archive  # noqa: E402
from reviewers.choices import AssignmentStatus  # noqa: E402
from reviewers.models import ReviewAssignment  # noqa: E402
from reviewers.policy import (  # noqa: E402
    approval_count,
    approval_shortfall,
    current_assignments,
    required_approvals,
)
from reviewers.selectors import assignable_members  # noqa: E402
from reviewers.services import assignment_accept, assignment_create, decision_record  # noqa: E402

# A change not visible everywhere after this long counts as this long.
GIVE_UP_SECONDS = 10.0


class Cache:
    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.connection = None

    def get(self, path: str) -> tuple[int, str]:
        for _ in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.connection.request("GET", path)
                response = self.connection.getresponse()
                return response.status, response.read().decode(errors="replace")
            except (OSError, http.client.HTTPException):
                self.connection.close()
                self.connection = None
        raise RuntimeError(f"the cache did not answer GET {path}")


def surfaces(article: Article) -> dict[str, str]:
    return {
        "article": f"/articles/{article.slug}/",
        "home": "/",
        "topic": f"/topics/{article.topic.slug}/",
        "feed": "/feed/",
        "sitemap": "/sitemap.xml",
        "search": f"/search/?q={quote(article.title)}",
    }


def shows(cache: Cache, path: str, slug: str) -> bool:
    """Whether the surface offers the answer; a 410 notice or a withdrawal entry does not."""
    status, body = cache.get(path)
    link = f"/articles/{slug}/"
    if status != 200:
        return False
    if path == "/feed/":
        # The feed keeps a "Withdrawn: …" entry at a retracted answer's address.
        return any(link in entry and "Withdrawn:" not in entry for entry in body.split("<entry>"))
    return link in body


def time_until(base: str, paths: dict[str, str], slug: str, *, showing: bool, since: float):
    """Seconds from ``since`` until every surface shows (or stops showing) the article.

    Each surface is asked by a reader of its own, as readers ask at once.
    """

    def poll(path: str) -> float:
        cache = Cache(base)
        while time.perf_counter() - since < GIVE_UP_SECONDS:
            if shows(cache, path, slug) == showing:
                return time.perf_counter() - since
        return GIVE_UP_SECONDS

    with ThreadPoolExecutor(max_workers=len(paths)) as pool:
        futures = {name: pool.submit(poll, path) for name, path in paths.items()}
        reached = {name: future.result() for name, future in futures.items()}
    return max(reached.values()), reached


def committed(change) -> float:
    """Run ``change`` in a transaction; the moment it committed (before its purge went out)."""
    moment = {}
    with transaction.atomic():
        # Registered first, so it runs first once the transaction commits.
        transaction.on_commit(lambda: moment.setdefault("at", time.perf_counter()))
        change()
    return moment["at"]


def ready_to_publish(article: Article, editor) -> tuple[Article, ReviewAssignment, str]:
    """Reopen and resubmit a retracted article, up to the one approval that publishes it.

    A topic that needs two approvals gets the first here, before the clock
    starts: the change timed is the approval that publishes. Returns the
    article, the accepted review whose approval publishes it, and the
    fingerprint of the text that review approves.
    """
    article = Article.objects.select_related("topic", "author").get(pk=article.pk)
    article_reopen(article=article, by=editor)
    article_submit(article=article, by=article.author)
    article = Article.objects.select_related("topic", "author").get(pk=article.pk)
    on_screen = article_fingerprint(article)
    while required_approvals(article.topic) - approval_count(article) > 1:
        approve(accepted_review(article, editor), on_screen)
    assignment = accepted_review(article, editor)
    article.refresh_from_db()
    return article, assignment, on_screen


def accepted_review(article: Article, editor) -> ReviewAssignment:
    """An accepted review of this round, by a member who has not yet decided.

    Resubmitting re-invites the last round's reviewers; one of them reviews
    again, or, when there are none left, the best candidate.
    """
    invited = (
        current_assignments(article)
        .filter(status=AssignmentStatus.INVITED)
        .select_related("reviewer__user")
        .first()
    )
    if invited is None:
        invited = assignment_create(
            article=article, reviewer=assignable_members(article).first(), by=editor
        )
    return assignment_accept(assignment=invited, by=invited.reviewer.user)


def approve(assignment: ReviewAssignment, fingerprint: str) -> None:
    member = assignment.reviewer
    decision_record(
        assignment=assignment,
        by=member.user,
        decision="approve",
        no_conflict=True,
        fingerprint=fingerprint,
    )


def distribution(seconds: list[float]) -> dict:
    ordered = sorted(seconds)
    if not ordered:
        return {"count": 0}

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {
        "count": len(ordered),
        "p50_ms": pick(0.5),
        "p90_ms": pick(0.9),
        "p99_ms": pick(0.99),
        "max_ms": round(ordered[-1] * 1000, 1),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.invisibility")
    parser.add_argument("--cache", required=True, help="Base URL of the cache in front.")
    parser.add_argument("--count", type=int, default=100)
    args = parser.parse_args(argv)
    cache = Cache(args.cache)
    editor = editors().order_by("pk").first()
    articles = list(
        Article.objects.filter(state=ArticleState.APPROVED, live_version__isnull=False)
        .exclude(slug=archive.HEAVY_SLUG)
        .select_related("topic", "author", "live_version")
        .order_by("-live_version__approved_at")[: args.count]
    )
    retractions, approvals, slowest = [], [], {}

    def note(name_times: dict) -> None:
        for name, seconds in name_times.items():
            slowest[name] = max(slowest.get(name, 0.0), seconds)

    for article in articles:
        paths = surfaces(article)
        for path in paths.values():
            cache.get(path)
        since = committed(
            lambda a=article: article_retract(article=a, by=editor, reason="Benchmark retraction.")
        )
        seconds, per = time_until(args.cache, paths, article.slug, showing=False, since=since)
        retractions.append(seconds)
        note(per)

    for article in articles:
        article, assignment, on_screen = ready_to_publish(article, editor)
        paths = surfaces(article)
        for path in paths.values():
            cache.get(path)
        since = committed(lambda a=assignment, f=on_screen: approve(a, f))
        article.refresh_from_db()
        if article.state != ArticleState.APPROVED:
            raise RuntimeError(
                f"{article.slug} was not published by its last approval: "
                f"{approval_shortfall(article) or article.get_state_display()}"
            )
        seconds, per = time_until(args.cache, paths, article.slug, showing=True, since=since)
        approvals.append(seconds)
        note(per)

    print(
        json.dumps(
            {
                "retractions": distribution(retractions),
                "approvals": distribution(approvals),
                "all": distribution(retractions + approvals),
                "slowest_surface_ms": {k: round(v * 1000, 1) for k, v in slowest.items()},
                "gave_up_after_s": GIVE_UP_SECONDS,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
