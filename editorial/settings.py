"""Settings for Editorial, read from the environment.

Every value a deployment changes comes from an environment variable; the
defaults run the product on an embedded SQLite database for development.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "editorial-development-key-not-for-production")
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
    "articles",
    "reviewers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records the acting user on every history row written during a request.
    "simple_history.middleware.HistoryRequestMiddleware",
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

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'editorial.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite ignores select_for_update: taking the write lock when a
    # transaction begins makes concurrent writers queue instead of failing
    # half-way with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0

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
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGIN_URL = "admin:login"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Editorial <editorial@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
