"""Regression tests for what a red-team pass found, each as the attacker did it."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse

from articles.models import ProblemReport
from articles.public import cache as page_cache
from editorial import checks
from tests.public.conftest import publish

ROOT = Path(__file__).resolve().parents[2]
GOOD = {"kind": "outdated", "message": "The dose in the second paragraph looks wrong."}


def _report_url(article) -> str:
    return reverse("articles:report", kwargs={"slug": article.slug})


# --- Finding 1: the reader-report limit could be emptied by churning the cache -----------


@pytest.mark.django_db
def test_report_limit_survives_a_flood_of_distinct_searches(article, author, editor, member):
    """5 reports, the 6th refused; 1,200 distinct searches; the next reports are still refused."""
    live = publish(article, author, editor, member)
    client = Client()
    article_page = client.get(live.get_absolute_url())
    assert article_page.status_code == 200
    for _ in range(5):
        assert client.post(_report_url(live), GOOD).status_code == 302
    assert client.post(_report_url(live), GOOD).status_code == 429

    for number in range(1200):
        client.get(reverse("articles:search"), {"q": f"flood{number}word"})

    page_cache.forget_local()  # what the shared cache still holds, not this process's copies
    statuses = [client.post(_report_url(live), GOOD).status_code for _ in range(3)]
    assert statuses == [429, 429, 429]
    assert ProblemReport.objects.count() == 5
    # The same flood left the site's pages in the shared cache.
    assert any(
        isinstance(value, bytes) and live.title.encode() in value
        for value in (cache.get(key) for key in _cached_page_keys())
    )


def _cached_page_keys() -> list[str]:
    # LocMemCache's own table: the test settings use local memory.
    return [key.split(":", 2)[-1] for key in getattr(cache, "_cache", {})]


@pytest.mark.django_db
def test_made_up_page_numbers_are_not_kept(article, author, editor, member, monkeypatch):
    """Topic pages asked for with any number do not fill the cache; the real ones do."""
    live = publish(article, author, editor, member)
    url = reverse("articles:topic", kwargs={"slug": live.topic.slug})
    stored = []
    monkeypatch.setattr(cache, "set", lambda key, *a, **k: stored.append(key))
    client = Client()
    for page in ("", "1", "abc", "0", "-3", "001"):
        assert client.get(url, {"page": page}).status_code == 200
    assert len(set(stored)) == 1  # all of them are the first page
    for page in range(5000, 5100):
        assert client.get(url, {"page": page}).status_code == 200
    assert len(set(stored)) == 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url_for_children(tmp: Path) -> str:
    """A database the child processes can open that holds this test's committed rows."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        # The test database lives in this process's memory: copy it to a file.
        path = tmp / "shared.sqlite3"
        target = sqlite3.connect(path)
        connection.ensure_connection()
        connection.connection.backup(target)
        target.close()
        return f"sqlite:///{path}"
    user = settings.get("USER") or ""
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


def _start_server(port: int, database_url: str) -> subprocess.Popen:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL"}
    }
    env.update({"DATABASE_URL": database_url, "EDITORIAL_ENV": "development", "DEBUG": ""})
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "runserver",
            "--noreload",
            "--nothreading",
            "--skip-checks",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"the server on port {port} did not start")


class _Reader:
    """One reader's browser: cookies kept, the form's token sent back."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect()
        )

    def report(self, base: str, path: str) -> int:
        html = self.opener.open(base + path, timeout=30).read().decode()
        token = html.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        body = urllib.parse.urlencode({**GOOD, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(base + path, data=body, headers={"Referer": base + path})
        try:
            return self.opener.open(request, timeout=30).status
        except urllib.error.HTTPError as error:
            return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_server_processes_share_one_report_limit(article, author, editor, member):
    """Reports alternated between two processes: 5 accepted in all, not 5 per process."""
    live = publish(article, author, editor, member)
    with tempfile.TemporaryDirectory() as tmp:
        database_url = _database_url_for_children(Path(tmp))
        ports = [_free_port(), _free_port()]
        servers = [_start_server(port, database_url) for port in ports]
        try:
            for port in ports:
                _wait_for(port)
            reader = _Reader()
            statuses = [
                reader.report(f"http://127.0.0.1:{ports[n % 2]}", _report_url(live))
                for n in range(12)
            ]
        finally:
            for server in servers:
                server.terminate()
            for server in servers:
                server.wait(timeout=30)
    assert statuses.count(302) == 5, statuses
    assert statuses[5:] == [429] * 7, statuses


def test_deploy_check_fails_for_per_process_sessions_with_several_workers(settings, monkeypatch):
    """Production with workers that could each keep their own sessions or lockouts fails."""
    settings.PRODUCTION = True
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert [e.id for e in checks.shared_stores()] == ["editorial.E001"]
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    assert [e.id for e in checks.shared_stores()] == ["editorial.E001"]
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    assert checks.shared_stores() == []
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}
    assert checks.shared_stores() == []
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert checks.shared_stores() == []


# --- Finding 2: public pages skipped the host check ---------------------------------------


def _contract_urls(article) -> list[str]:
    """Every public URL of the contract (DESIGN.md), for one live article."""
    return [
        "/",
        article.get_absolute_url(),
        reverse("articles:search") + "?q=condition",
        reverse("articles:feed"),
        "/sitemap.xml",
        reverse("articles:advisory_board"),
        reverse("articles:editorial_policy"),
        reverse("articles:corrections"),
        reverse("articles:topic", kwargs={"slug": article.topic.slug}),
        reverse("articles:report", kwargs={"slug": article.slug}),
        "/articles/no-such-article/",
        "/admin/",
        "/admin/login/",
    ]


@pytest.mark.django_db
def test_every_public_url_refuses_a_host_outside_allowed_hosts(
    article, author, editor, member, settings
):
    """Host: evil.example gets 400 on every URL, in production settings too; ours gets an answer."""
    settings.ALLOWED_HOSTS = ["health.example.org"]
    live = publish(article, author, editor, member)
    for url in _contract_urls(live):
        assert Client().get(url, HTTP_HOST="evil.example").status_code == 400, url
        assert Client().head(url, HTTP_HOST="evil.example").status_code == 400, url
        assert Client().get(url, HTTP_HOST="health.example.org").status_code in (
            200,
            302,
            404,
        ), url
