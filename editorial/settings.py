"""Settings for Editorial, read from the environment.

Every value a deployment changes comes from an environment variable; the
defaults run the product on an embedded SQLite database for development.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# "production" turns on everything a public deployment needs (HTTPS only,
# HSTS, secure cookies) and refuses to start without its own secret key.
# Anything else is development: plain http on 127.0.0.1 and the test suite.
ENVIRONMENT = (
    (os.environ.get("EDITORIAL_ENV") or os.environ.get("DJANGO_ENV") or "development")
    .strip()
    .lower()
)
if ENVIRONMENT not in {"production", "development"}:
    raise ImproperlyConfigured(
        f"EDITORIAL_ENV is {ENVIRONMENT!r}: set it to 'production' or 'development'."
    )
PRODUCTION = ENVIRONMENT == "production"

DEVELOPMENT_SECRET_KEY = "editorial-development-key-not-for-production"

DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "").strip() or DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "editorial.apps.EditorialAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "simple_history",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "articles",
    "reviewers",
    "notifications",
    "accounts",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A refused method (405) says what the address is for (editorial/middleware.py).
    "editorial.middleware.explain_method_not_allowed",
    # django-csp's, building the fixed policy once (editorial/middleware.py).
    "editorial.middleware.CSPMiddleware",
    # PERMISSIONS_POLICY, below.
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Says which responses a shared cache (Varnish, a CDN) may keep, and
    # under which surrogate keys (editorial/httpcache.py).
    "editorial.httpcache.SharedCacheMiddleware",
    # Answers the public site's read-only pages (articles/public/middleware.py);
    # what follows runs for the back office and the public forms.
    "articles.public.middleware.PublicPagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second step.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Ends idle back-office sessions and sends an unfinished sign-in to its
    # second step (accounts/middleware.py).
    "accounts.middleware.StaffSessionMiddleware",
    # Records the acting user on every history row written during a request.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

# Back-office messages live in the session every signed-in user has; the
# default cookie-then-session storage signs a cookie on every request.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

AUTHENTICATION_BACKENDS = [
    # First: refuses any login attempt for a locked-out username and address
    # (django-axes' backend, letting sign-ins without a web request through).
    "editorial.lockout.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "editorial.urls"
WSGI_APPLICATION = "editorial.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "editorial.context_processors.site",
            ],
        },
    },
]

# Speed tricks of the reader pages and the back office that the benchmark
# measures with and without (bench/runner.py --variants): a comma-separated
# list of their names switches them off in this process. Names:
# url_memo, csp_cache, input_renderer, prepared_cursor.
EDITORIAL_SPEED_TRICKS_OFF = frozenset(env_list("EDITORIAL_SPEED_TRICKS_OFF"))

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'editorial.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that asks the socket, not the
    # server (editorial/postgresql/base.py): one round trip less per request,
    # and the public pages' hot queries kept prepared per connection.
    DATABASES["default"]["ENGINE"] = "editorial.postgresql"
# Off behind a transaction-mode pooler that does not track prepared statements.
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", default=True)
if (
    DATABASES["default"]["ENGINE"] == "editorial.postgresql"
    and DB_PREPARED_STATEMENTS
    and "prepared_cursor" in EDITORIAL_SPEED_TRICKS_OFF
):
    # Without the backend's prepared cursor, psycopg's own preparing, as
    # Django offers it: every query bound on the server, and prepared once it
    # has run psycopg's default of five times on a connection.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite ignores select_for_update: taking the write lock when a
    # transaction begins makes concurrent writers queue instead of failing
    # half-way with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve straight from the app and project folders when nothing was collected
# (development, tests); production runs collectstatic.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Uploaded files (board members' photos) served by Django itself: fine for one
# small site; behind a proxy, let the proxy serve MEDIA_ROOT and turn this off.
EDITORIAL_SERVE_MEDIA = env_bool("EDITORIAL_SERVE_MEDIA", True)

# Local memory by default; with REDIS_URL every web process shares one cache.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    # Rendered pages are 10 to 140 KB: 1,000 of them is about 40 MB per process.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("CACHE_MAX_ENTRIES", "1000"))},
        }
    }
# Rendered pages each web process keeps in front of that cache
# (articles/page_cache.py).
PAGE_CACHE_LOCAL_ENTRIES = int(os.environ.get("PAGE_CACHE_LOCAL_ENTRIES", "200"))
# Search result pages each process keeps, apart from every other page: any
# words make a new one, so they never enter the shared cache.
PAGE_CACHE_SEARCH_ENTRIES = int(os.environ.get("PAGE_CACHE_SEARCH_ENTRIES", "256"))

LOGIN_URL = "admin:login"

# --- A shared HTTP cache in front (Varnish, a CDN) --------------------------
# How long a shared cache may keep a public page (s-maxage). Changes are
# purged by key the moment they commit, so this only bounds what no purge
# announces: the date an article's review falls due, the footer's year.
EDITORIAL_SHARED_CACHE_SECONDS = int(os.environ.get("SHARED_CACHE_SECONDS", "3600"))
# After that, the shared cache may answer with its copy while it fetches a
# new one (stale-while-revalidate), and for much longer when the app fails
# or is down (stale-if-error). Browsers always revalidate.
EDITORIAL_STALE_WHILE_REVALIDATE = int(os.environ.get("STALE_WHILE_REVALIDATE", "30"))
EDITORIAL_STALE_IF_ERROR = int(os.environ.get("STALE_IF_ERROR", str(24 * 3600)))
# The response header naming a page's surrogate keys: "xkey" for Varnish's
# xkey module, "Surrogate-Key" for Fastly, "Cache-Tag" for Cloudflare.
EDITORIAL_SURROGATE_KEY_HEADER = os.environ.get("SURROGATE_KEY_HEADER", "xkey")
# The caches to purge by key when readers' pages change, e.g.
# "http://127.0.0.1:8080/" (a Varnish running deploy/varnish/editorial.vcl).
# Empty: nothing to purge (`make run` has no cache in front).
EDITORIAL_PURGE_URLS = env_list("EDITORIAL_PURGE_URLS")
# Seconds a purge may take before the cache counts as unreachable; the
# retrying task tries again later.
EDITORIAL_PURGE_TIMEOUT = float(os.environ.get("EDITORIAL_PURGE_TIMEOUT", "2"))
# First wait before a failed purge is retried; it doubles each time, up to
# an hour, for EDITORIAL_PURGE_ATTEMPTS attempts (about a day in all).
EDITORIAL_PURGE_RETRY_SECONDS = float(os.environ.get("EDITORIAL_PURGE_RETRY_SECONDS", "5"))
EDITORIAL_PURGE_ATTEMPTS = int(os.environ.get("EDITORIAL_PURGE_ATTEMPTS", "36"))

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Editorial <editorial@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A mail server that stops answering fails the attempt (to be retried)
# instead of holding a worker.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))

# --- Background work ----------------------------------------------------------
# Tasks are rows in the application's own database, written in the same
# transaction as the change that causes them; `manage.py worker` runs them
# (notifications/worker.py).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Attempts at delivering one email before it stays failed for an operator,
# and the wait before the first retry (doubled at each attempt, at most an hour).
NOTIFICATIONS_MAX_ATTEMPTS = int(os.environ.get("NOTIFICATIONS_MAX_ATTEMPTS", "6"))
NOTIFICATIONS_RETRY_SECONDS = int(os.environ.get("NOTIFICATIONS_RETRY_SECONDS", "60"))
# A worker that has not been seen for this long is gone: its running task is
# run again by another worker, and in production `manage.py check` warns.
TASKS_WORKER_STALE_SECONDS = int(os.environ.get("TASKS_WORKER_STALE_SECONDS", "300"))

# Revert would overwrite the working copy behind the state machine's back;
# an earlier revision is restored by starting a new draft instead.
SIMPLE_HISTORY_REVERT_DISABLED = True
# Workflow change reasons carry the user's comment, which may be long.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# --- Editorial policy -------------------------------------------------------

# Distinct, conflict-free board members (never the author) whose "approve"
# decisions in the current review round publish an article.
EDITORIAL_REQUIRED_APPROVALS = int(os.environ.get("EDITORIAL_REQUIRED_APPROVALS", "1"))
# Days a board member is given to deliver a review when none is chosen.
EDITORIAL_REVIEW_DAYS = int(os.environ.get("EDITORIAL_REVIEW_DAYS", "14"))
# Days a board member is given to accept or decline an invitation to review.
EDITORIAL_RESPOND_DAYS = int(os.environ.get("EDITORIAL_RESPOND_DAYS", "3"))
# On resubmission, invite last round's reviewers again (editors may cancel).
EDITORIAL_REINVITE_ON_RESUBMIT = os.environ.get("EDITORIAL_REINVITE_ON_RESUBMIT", "1") == "1"
# The account the reminder command acts as when no --user is given.
EDITORIAL_SYSTEM_USERNAME = os.environ.get("EDITORIAL_SYSTEM_USERNAME", "editorial-system")
# Months an approval stays current before the board reviews the article
# again; a topic may set its own interval.
EDITORIAL_REVIEW_INTERVAL_MONTHS = int(os.environ.get("EDITORIAL_REVIEW_INTERVAL_MONTHS", "12"))
# Where the product is served, for the links in emails.
EDITORIAL_BASE_URL = os.environ.get("EDITORIAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# The public site's name, shown in page titles and emails.
EDITORIAL_SITE_NAME = os.environ.get("EDITORIAL_SITE_NAME", "Editorial Health")

# Where a reference's record is looked up from its DOI (Crossref's REST API)
# and its PubMed ID (NCBI E-utilities); an installation may use a mirror.
EDITORIAL_CROSSREF_URL = os.environ.get("EDITORIAL_CROSSREF_URL", "https://api.crossref.org")
EDITORIAL_PUBMED_URL = os.environ.get(
    "EDITORIAL_PUBMED_URL", "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
)

# --- API ----------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.KeyRateThrottle"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.PlainFirstNegotiation",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Editorial API",
    "DESCRIPTION": (
        "Machines draft, people approve: send drafts for review by the Medical Advisory Board, "
        "follow their review, and read the approved articles."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}
# Requests per minute for each API key, and for each address without a key.
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120/min")
API_ANONYMOUS_RATE_LIMIT = os.environ.get("API_ANONYMOUS_RATE_LIMIT", "60/min")
# The largest request body the API reads (bytes).
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", str(512 * 1024)))
# Whether anyone may read published articles through the API without a key.
API_ANONYMOUS_PUBLISHED_READ = env_bool("API_ANONYMOUS_PUBLISHED_READ")
# Webhooks: tries per delivery, the first pause between tries (doubling after
# each), seconds to wait for a receiver, and failed deliveries in a row after
# which a subscription is switched off and the editors are told.
API_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("API_WEBHOOK_MAX_ATTEMPTS", "6"))
API_WEBHOOK_RETRY_BASE_SECONDS = int(os.environ.get("API_WEBHOOK_RETRY_BASE_SECONDS", "60"))
API_WEBHOOK_TIMEOUT_SECONDS = int(os.environ.get("API_WEBHOOK_TIMEOUT_SECONDS", "10"))
API_WEBHOOK_DISABLE_AFTER = int(os.environ.get("API_WEBHOOK_DISABLE_AFTER", "10"))

# --- Security ---------------------------------------------------------------
# Headers on every response, in development too; what only makes sense over
# HTTPS is switched on below for production.

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Readers' health questions stay on this site: other sites learn only that
# a visitor came from here, never which article they read.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No page reads the CSRF cookie from JavaScript; the session cookie is
# HttpOnly by Django's default.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# django-csp 4. No inline script and no inline style anywhere: the public
# templates and the admin (Django 5.2's admin ships its scripts as files)
# load everything from our own origin, so injected markup cannot run.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "frame-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# django-axes: repeated failed logins to the back office lock out the
# username from that address for a while; each failure and lockout is
# logged (logger "axes") and recorded in the admin's "Access attempts".
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Failures are forgotten when the whole sign-in succeeds: after the password
# for an account without a second factor, after the code for one with it
# (accounts/receivers.py, accounts/views.py). A wrong code counts as a failure.
AXES_RESET_ON_SUCCESS = False
# The log says which account was tried from which address (passwords are
# always masked): that is what whoever investigates a lockout needs.
AXES_SENSITIVE_PARAMETERS: list[str] = []
AXES_LOCKOUT_CALLABLE = "editorial.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# Proxies in front of the app; each appends the address it saw to
# X-Forwarded-For, so the client's is the last one the proxies added. Login
# lockouts and the limit on readers' reports (articles/public/ratelimit.py)
# read it with python-ipware, which counts the proxies named in the header:
# one fewer.
EDITORIAL_TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_IPWARE_PROXY_COUNT = EDITORIAL_TRUSTED_PROXIES - 1 if EDITORIAL_TRUSTED_PROXIES else None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if EDITORIAL_TRUSTED_PROXIES else ["REMOTE_ADDR"]
)

# django-permissions-policy. The site needs no camera, microphone, location or
# payment; saying so stops any injected or embedded content from asking
# readers for them.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "camera": [],
    "microphone": [],
    "geolocation": [],
    "payment": [],
    "usb": [],
    "interest-cohort": [],
    "browsing-topics": [],
}

# --- Staff sign-in ----------------------------------------------------------

# Editors, board members and superusers must confirm each sign-in with a code
# from an authenticator app (django-otp). On in production; off by default in
# development so the demo signs in with a password (an account that set up
# an authenticator is always asked for it).
EDITORIAL_REQUIRE_2FA = env_bool("EDITORIAL_REQUIRE_2FA", PRODUCTION)
# A back-office session ends after this many minutes without a request (0: never).
EDITORIAL_STAFF_IDLE_MINUTES = int(os.environ.get("EDITORIAL_STAFF_IDLE_MINUTES", "30"))
# The name authenticator apps show beside the account.
OTP_TOTP_ISSUER = EDITORIAL_SITE_NAME
# A wrong code delays the next try on that device: 1 s, 2 s, 4 s... (django-otp).
OTP_TOTP_THROTTLE_FACTOR = 1

if PRODUCTION:
    if SECRET_KEY == DEVELOPMENT_SECRET_KEY or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured(
            "EDITORIAL_ENV=production needs its own SECRET_KEY environment variable: a long "
            "random string kept secret, e.g. from "
            '`python -c "import secrets; print(secrets.token_urlsafe(50))"`. '
            "The development key is public and would let anyone forge sessions."
        )
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "SECRET_KEY is too short or too plain for production: use at least 50 random "
            "characters."
        )
    if DEBUG:
        raise ImproperlyConfigured(
            "DEBUG is on with EDITORIAL_ENV=production: debug pages show settings and code "
            "to anyone. Unset DEBUG."
        )
    if not os.environ.get("ALLOWED_HOSTS"):
        raise ImproperlyConfigured(
            "EDITORIAL_ENV=production needs ALLOWED_HOSTS: the comma-separated host names the "
            "site is served under, e.g. ALLOWED_HOSTS=health.example.org."
        )
    # TLS ends at the proxy, which says so in X-Forwarded-Proto; it must
    # overwrite that header from clients (see README, "Running in production").
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Admin sessions end after a working day, not after Django's two weeks.
    SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(12 * 3600)))
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["upgrade-insecure-requests"] = True
    # Whitenoise serves the hashed files collectstatic wrote.
    WHITENOISE_USE_FINDERS = False
    STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Failed logins and lockouts (warnings), for whoever watches the logs;
        # not every successful sign-in.
        "axes": {"level": os.environ.get("AXES_LOG_LEVEL", "WARNING")},
    },
}
