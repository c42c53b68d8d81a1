"""The framework floor: a bare Django project that answers one constant page.

It runs beside the product under the same gunicorn settings. Its page has
the byte size of the product's article page (FLOOR_BYTES), so the ratio of
the two throughputs says what Editorial costs on top of Django itself.
No database, no templates, no sessions: only the middleware any Django site
keeps (security headers and CommonMiddleware).
"""

import os

DEBUG = False
SECRET_KEY = "editorial-benchmark-floor"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "bench.floor.urls"
WSGI_APPLICATION = "bench.floor.wsgi.application"
INSTALLED_APPS: list[str] = []
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
DATABASES: dict = {}
USE_TZ = True
FLOOR_BYTES = int(os.environ.get("FLOOR_BYTES", "15000"))
