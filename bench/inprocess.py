"""Measurements taken inside one Django process, against the archive's database.

``python -m bench.inprocess --targets bench/targets.json --repeat 7`` prints
one JSON object: facts about the archive (the paths the load run uses), SQL
queries per public page, the editor's article list and the heavy article's
change page in the admin (time and queries), the time of an approval with
30 references, and the bytes history takes per revision. ``--admin-only``
prints the admin's two pages alone: the runner times them once per speed
trick switched off (``EDITORIAL_SPEED_TRICKS_OFF``), a process each.

The runner starts it as a subprocess with DJANGO_SETTINGS_MODULE and
DATABASE_URL set, so one runner can measure SQLite and PostgreSQL in turn.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "editorial.settings")
# Notifications go to memory: the approval's time then counts building the
# email, not a terminal printing it.
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from articles.fingerprints import article_fingerprint  # noqa: E402
from articles.models import Article, Reference, Topic  # noqa: E402
from articles.public import cache as page_cache  # noqa: E402
from articles.services import article_save_content, article_submit  # noqa: E402
from bench import archive  # noqa: E402
from bench.facts import facts, fill  # noqa: E402
from reviewers.models import BoardMember  # noqa: E402
from reviewers.services import (  # noqa: E402
    assignment_accept,
    assignment_create,
    decision_record,
)

if "testserver" not in settings.ALLOWED_HOSTS:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def load_targets(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def timed_get(client: Client, path: str, repeat: int) -> dict:
    """Median time and queries of GET ``path`` after a first request, timed apart
    (for a public page with the cache empty, the render that fills it)."""
    started = time.perf_counter()
    client.get(path)
    first_ms = (time.perf_counter() - started) * 1000
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return {
        "path": path,
        "status": response.status_code,
        "bytes": len(response.content),
        "queries": len(queries),
        "median_ms": round(statistics.median(times), 2),
        "times_ms": [round(t, 2) for t in times],
        "first_ms": round(first_ms, 2),
    }


# Uncached renders of each public page; the report gives their median.
RENDERS = 5


def forget_pages() -> None:
    """Empty every cache a public page is served from: the next view renders it."""
    cache.clear()
    page_cache.forget_local()


def public_pages(targets: list[dict], known: dict) -> dict:
    """Each page's queries once cached, and the median time of its uncached renders
    (what a cache miss costs a reader: templates already compiled, the cache empty).

    One render alone moved by a factor of eight between runs on the same
    archive; the median of ``RENDERS`` does not."""
    client = Client()
    paths = [fill(target["path"], known) for target in targets]
    for path in paths:
        client.get(path)
    renders: dict[str, list[float]] = {target["name"]: [] for target in targets}
    for _ in range(RENDERS - 1):
        forget_pages()
        for target, path in zip(targets, paths, strict=True):
            started = time.perf_counter()
            client.get(path)
            renders[target["name"]].append((time.perf_counter() - started) * 1000)
    forget_pages()
    pages = {}
    for target, path in zip(targets, paths, strict=True):
        result = timed_get(client, path, repeat=1)
        times = [*renders[target["name"]], result["first_ms"]]
        result["renders_ms"] = [round(t, 2) for t in times]
        result["first_ms"] = round(statistics.median(times), 2)
        result["missing"] = result["status"] == 404
        pages[target["name"]] = result
    # The article page's queries must not grow with the references it cites.
    if known.get("article_slug_most_references"):
        path = f"/articles/{known['article_slug_most_references']}/"
        pages["article (most references)"] = timed_get(client, path, repeat=1)
    return pages


def admin_pages(known: dict, repeat: int) -> dict:
    User = get_user_model()
    editor = User.objects.filter(username=f"{archive.USER_PREFIX}editor-001").first()
    if editor is None:
        return {"error": "The archive has no editor account: build it with build_archive."}
    client = Client()
    client.force_login(editor)
    results = {
        "changelist": timed_get(client, reverse("admin:articles_article_changelist"), repeat)
    }
    results["changelist"]["articles"] = known["articles"]
    heavy = known.get("heavy_article")
    if heavy:
        article = Article.objects.get(pk=heavy)
        path = reverse("admin:articles_article_change", args=[heavy])
        results["change_page"] = timed_get(client, path, repeat)
        results["change_page"]["references"] = article.references.count()
        results["change_page"]["revisions"] = article.history.count()
    return results


def approval(repeat: int) -> dict:
    """Median time of the board member's approval that publishes a 30-reference article.

    Each run gets a fresh article, submitted and assigned through the
    services (not timed); the timed call is ``decision_record``: the
    decision, its history, the approval transition with its snapshot
    (Markdown rendered and sanitised, references frozen), history, audit
    entry and the notifications after commit. The articles stay in the
    archive, approved, as real ones would.
    """
    User = get_user_model()
    author = User.objects.get(username=f"{archive.USER_PREFIX}author-001")
    editor = User.objects.get(username=f"{archive.USER_PREFIX}editor-001")
    member = (
        BoardMember.objects.select_related("user")
        .filter(active=True, user__username__startswith=archive.USER_PREFIX)
        .exclude(user=author)
        .first()
    )
    topic = Topic.objects.filter(required_approvals__isnull=True).order_by("pk").first()
    bodies = archive.Bodies()
    body = bodies.get(3, 30, "benchmark fever")[0]
    times, cpu_times, queries = [], [], []
    for i in range(repeat + 1):
        slug = f"{archive.APPROVAL_PREFIX}{uuid.uuid4().hex[:12]}"
        article = Article(
            title=f"How fast is an approval, run {i + 1}?",
            slug=slug,
            summary="Written by the benchmark to time an approval.",
            body=body,
            topic=topic,
        )
        article = article_save_content(article=article, by=author)
        for position in range(1, 31):
            reference = Reference(
                article=article,
                position=position,
                authors="Bench A, Mark B",
                title=f"A cited study number {position}",
                journal="Journal of Benchmarks",
                year=2024,
                pmid=str(30_000_000 + position),
            )
            reference._history_user = author
            reference._change_reason = "Edited in admin"
            reference.save()
        article_submit(article=article, by=author)
        assignment = assignment_create(article=article, reviewer=member, by=editor)
        assignment = assignment_accept(assignment=assignment, by=member.user)
        # What the decision form carries: the fingerprint of the text on screen.
        seen = article_fingerprint(Article.objects.get(pk=article.pk))
        if i == repeat:  # one more, to count its queries
            with CaptureQueriesContext(connection) as captured:
                decision_record(
                    assignment=assignment,
                    by=member.user,
                    decision="approve",
                    no_conflict=True,
                    fingerprint=seen,
                )
            queries.append(len(captured))
            continue
        started, cpu = time.perf_counter(), time.process_time()
        decision_record(
            assignment=assignment,
            by=member.user,
            decision="approve",
            no_conflict=True,
            fingerprint=seen,
        )
        times.append((time.perf_counter() - started) * 1000)
        cpu_times.append((time.process_time() - cpu) * 1000)
        if Article.objects.get(pk=article.pk).state != "approved":
            return {"error": "The approval did not publish the article (check the topic policy)."}
    return {
        "references": 30,
        "median_ms": round(statistics.median(times), 2),
        "times_ms": [round(t, 2) for t in times],
        # This process's CPU only: the rest is the database and waiting for a core.
        "cpu_median_ms": round(statistics.median(cpu_times), 2),
        "queries": queries[0] if queries else None,
    }


HISTORY_TABLES = [
    Article.history.model._meta.db_table,
    Reference.history.model._meta.db_table,
]


def table_bytes(table: str) -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_total_relation_size(%s)", [table])
            return int(cursor.fetchone()[0])
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name IN "
                "(SELECT name FROM sqlite_master WHERE tbl_name = %s)",
                [table],
            )
            return int(cursor.fetchone()[0])
    return 0


def history_bytes() -> dict:
    """Bytes each history table takes per row, and per revision of an article.

    A revision of an article writes one article history row plus a row per
    reference touched; the per-revision figure divides both tables' bytes
    (indexes and TOAST included) by the article history rows.
    """
    tables = {}
    for table in HISTORY_TABLES:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            rows = cursor.fetchone()[0]
        size = table_bytes(table)
        tables[table] = {"bytes": size, "rows": rows, "bytes_per_row": size // rows if rows else 0}
    revisions = tables[HISTORY_TABLES[0]]["rows"]
    total = sum(t["bytes"] for t in tables.values())
    return {
        "method": "pg_total_relation_size" if connection.vendor == "postgresql" else "dbstat",
        "tables": tables,
        "bytes_per_revision": total // revisions if revisions else 0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--targets", default=os.path.join(os.path.dirname(__file__), "targets.json")
    )
    parser.add_argument("--repeat", type=int, default=7, help="Timed repetitions of each measure.")
    parser.add_argument("--facts-only", action="store_true")
    parser.add_argument("--admin-only", action="store_true", help="Time the admin's pages alone.")
    args = parser.parse_args(argv)
    known = facts()
    result: dict = {"facts": known}
    if args.admin_only:
        result = {"admin": admin_pages(known, args.repeat)}
    elif not args.facts_only:
        targets = load_targets(args.targets)
        result["queries_per_page"] = public_pages(targets, known)
        result["admin"] = admin_pages(known, args.repeat)
        result["history"] = history_bytes()
        result["approval"] = approval(args.repeat)
    json.dump(result, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
