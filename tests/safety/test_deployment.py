"""Production settings, security headers on every response, and login throttling."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from tests.safety.conftest import PUBLIC_SURFACES, assert_inert

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k" * 10 + "A0b1C2d3E4f5G6h7I8j9K0l1M2n3O4p5Q6r7S8t9U0v1W2x3Y4z5"


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright: it must
    # not leak into a production check.
    ignored = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in ignored}
    clean.update(env)
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "EDITORIAL_ENV": "production",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "health.example.org",
    # check --deploy does not connect: the database only needs to be named.
    "DATABASE_URL": "postgres://editorial@db.invalid:5432/editorial",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EDITORIAL_BASE_URL": "https://health.example.org",
}


def test_production_settings_pass_the_deploy_check():
    """`check --deploy --fail-level WARNING` is clean with production settings."""
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_development_settings_would_fail_the_deploy_check():
    """The deploy check is meaningful: development settings do not pass it."""
    env = {k: v for k, v in PRODUCTION.items() if k not in {"EDITORIAL_ENV", "SECRET_KEY"}}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode != 0
    assert "security.W004" in result.stderr  # no HSTS outside production


@pytest.mark.parametrize(
    ("setting", "value", "check_id"),
    [
        ("DATABASE_URL", "sqlite:////tmp/editorial-deploy-check.sqlite3", "editorial.W001"),
        ("EDITORIAL_BASE_URL", "http://health.example.org", "editorial.W002"),
        ("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend", "editorial.W003"),
    ],
)
def test_deploy_check_flags_an_unfit_production_setup(setting, value, check_id):
    """SQLite, http links in email and unsent email fail the production deploy check."""
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, setting: value}
    )
    assert result.returncode != 0
    assert check_id in result.stderr


@pytest.mark.parametrize(
    ("secret_key", "says"),
    [
        (None, "needs its own SECRET_KEY"),
        ("", "needs its own SECRET_KEY"),
        ("editorial-development-key-not-for-production", "needs its own SECRET_KEY"),
        ("django-insecure-" + "x" * 50, "needs its own SECRET_KEY"),
        ("short-key", "too short"),
    ],
)
def test_production_refuses_to_start_without_its_own_secret_key(secret_key, says):
    """A missing, public or weak SECRET_KEY stops production with a plain message."""
    env = dict(PRODUCTION)
    if secret_key is None:
        env.pop("SECRET_KEY")
    else:
        env["SECRET_KEY"] = secret_key
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert says in result.stderr


def test_production_refuses_debug_and_missing_hosts():
    """DEBUG on, or no ALLOWED_HOSTS, is refused in production with the reason."""
    debug = _manage("check", **{**PRODUCTION, "DEBUG": "true"})
    assert debug.returncode != 0
    assert "DEBUG is on" in debug.stderr
    env = dict(PRODUCTION)
    env.pop("ALLOWED_HOSTS")
    hosts = _manage("check", **env)
    assert hosts.returncode != 0
    assert "needs ALLOWED_HOSTS" in hosts.stderr


def test_unknown_environment_name_is_refused():
    """A typo in EDITORIAL_ENV does not silently fall back to development."""
    result = _manage("check", EDITORIAL_ENV="prod")
    assert result.returncode != 0
    assert "EDITORIAL_ENV is 'prod'" in result.stderr


def test_production_secures_cookies_hsts_and_https():
    """Production turns on HTTPS-only cookies, HSTS and the redirect to https."""
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.CSRF_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000,"
        " s.SECURE_PROXY_SSL_HEADER)"
    )
    result = _manage("shell", "-c", code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == (
        "True True True True True True ('HTTP_X_FORWARDED_PROTO', 'https')"
    )


def test_development_serves_plain_http():
    """Development (make run, the tests) keeps http: no redirect, no HSTS, cookies over http."""
    assert django_settings.PRODUCTION is False
    assert not getattr(django_settings, "SECURE_SSL_REDIRECT", False)
    assert not django_settings.SESSION_COOKIE_SECURE
    assert not getattr(django_settings, "SECURE_HSTS_SECONDS", 0)


# --- Headers on every response -----------------------------------------------------------

ADMIN_PAGES = {
    "login": lambda: reverse("admin:login"),
    "index": lambda: reverse("admin:index"),
    "article_list": lambda: reverse("admin:articles_article_changelist"),
    "article_add": lambda: reverse("admin:articles_article_add"),
}


def _assert_security_headers(response) -> None:
    csp = response["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize("surface", PUBLIC_SURFACES)
def test_public_responses_carry_the_security_headers(stage, surface):
    """Every public page, 404s included, is sent with CSP, frame, sniffing and referrer rules."""
    article = stage.make("approved")
    response = Client().get(PUBLIC_SURFACES[surface](article, "x"))
    _assert_security_headers(response)


@pytest.mark.django_db
@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admin_responses_carry_the_security_headers(cast, page):
    """The back office is sent with the same headers."""
    client = Client() if page == "login" else cast.client("editor")
    response = client.get(ADMIN_PAGES[page]())
    assert response.status_code == 200
    _assert_security_headers(response)


@pytest.mark.django_db
def test_the_permissions_policy_switches_off_every_feature_the_site_never_uses():
    """Camera, microphone, location, payment, USB and ad tracking: no origin may use them."""
    response = Client().get(reverse("articles:home"))

    features = dict(part.split("=", 1) for part in response["Permissions-Policy"].split(", "))
    assert features == {
        feature: "()"
        for feature in (
            "camera",
            "microphone",
            "geolocation",
            "payment",
            "usb",
            "interest-cohort",
            "browsing-topics",
        )
    }


@pytest.mark.django_db
def test_pages_need_no_inline_script(stage, cast):
    """The policy forbids inline scripts, so the pages must not carry any."""
    article = stage.make("approved")
    pages = [Client().get(build(article, "x")) for build in PUBLIC_SURFACES.values()]
    pages.append(Client().get(reverse("admin:login")))
    pages += [cast.client("editor").get(build()) for build in ADMIN_PAGES.values()]
    pages.append(
        cast.client("author").get(reverse("admin:articles_article_change", args=[article.pk]))
    )
    for response in pages:
        assert_inert(response.content.decode(), token="\x00never\x00")


@pytest.mark.django_db
def test_https_responses_carry_hsts_in_production(settings, stage):
    """Behind the proxy in production, https responses carry HSTS and cookies are secure."""
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    client = Client()
    insecure = client.get("/")
    assert insecure.status_code == 301
    assert insecure["Location"].startswith("https://")
    secure = client.get(reverse("admin:login"), headers={"X-Forwarded-Proto": "https"})
    assert secure["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")
    cookie = secure.cookies["csrftoken"]
    assert cookie["secure"] and cookie["httponly"]


# --- Login throttling --------------------------------------------------------------------


def _login(client: Client, username: str, password: str):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
    )


@pytest.mark.django_db
def test_repeated_failed_logins_lock_the_account_out_and_are_logged(cast, caplog, settings):
    """After AXES_FAILURE_LIMIT wrong passwords even the right one is refused, with a 429 page."""
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    with caplog.at_level(logging.WARNING, logger="axes"):
        for _ in range(2):
            response = _login(client, "s_editor", "wrong")
            assert response.status_code == 200  # the form again, with its error
        locked = _login(client, "s_editor", "wrong")
    assert locked.status_code == 429
    assert "Sign-in paused" in locked.content.decode()
    assert "Editorial back office" in locked.content.decode()
    assert "try again in 30 minutes" in locked.content.decode()
    assert "after repeated login failures" in caplog.text
    assert "s_editor" in caplog.text  # which account, for whoever investigates
    assert "wrong" not in caplog.text  # never the password
    attempt = AccessAttempt.objects.get(username="s_editor")
    assert attempt.failures_since_start == 3

    # The right password does not get through while locked.
    cast.editor.set_password("the right one 42")
    cast.editor.save()
    again = _login(client, "s_editor", "the right one 42")
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_lockout_is_per_account_and_address(cast, settings):
    """Locking one account out from one address leaves other accounts and addresses alone."""
    settings.AXES_FAILURE_LIMIT = 2
    cast.editor.set_password("the right one 42")
    cast.editor.save()
    cast.author.set_password("the right one 42")
    cast.author.save()
    for _ in range(2):
        _login(Client(), "s_editor", "wrong")
    assert _login(Client(), "s_editor", "the right one 42").status_code == 429
    author_login = _login(Client(), "s_author", "the right one 42")
    assert author_login.status_code == 302
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    assert _login(elsewhere, "s_editor", "the right one 42").status_code == 302


@pytest.mark.django_db
def test_a_successful_login_resets_the_failure_count(cast, settings):
    """Two typos then the right password: the count starts again."""
    settings.AXES_FAILURE_LIMIT = 3
    cast.editor.set_password("the right one 42")
    cast.editor.save()
    client = Client()
    _login(client, "s_editor", "wrong")
    _login(client, "s_editor", "wrong")
    assert _login(client, "s_editor", "the right one 42").status_code == 302
    assert not AccessAttempt.objects.filter(username="s_editor").exists()


@pytest.mark.django_db
def test_sign_in_without_a_web_request_still_works(cast):
    """The test client's login() and commands authenticate without a request: not refused."""
    cast.editor.set_password("the right one 42")
    cast.editor.save()
    assert Client().login(username="s_editor", password="the right one 42")
    assert not Client().login(username="s_editor", password="wrong")
