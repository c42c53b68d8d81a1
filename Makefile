# Editorial: `make run` serves the product with demo data (`make run-cached`: behind
# Varnish on CACHE_PORT); `make test` runs the suite;
# `make bench` measures it (ARTICLES=100000 for the large archive).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
CACHE_PORT ?= 8080

.PHONY: run run-cached test install lint format check clean bench

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Editorial needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $@

install: $(VENV)/.installed

# DEBUG stays off so the demo shows the product's own error pages;
# whitenoise serves the static files. The web server and a task worker (which
# sends the email) run together under honcho (Procfile); Ctrl-C stops both.
run: export EDITORIAL_BASE_URL ?= http://$(HOST):$(PORT)
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	WEB_ADDRESS=$(HOST):$(PORT) $(VENV)/bin/honcho start --port $(PORT)

# The same (web server and worker), with Varnish (deploy/varnish/editorial.vcl)
# in front on CACHE_PORT: readers' pages come from the cache and every change
# purges them by key, retried by the worker while the cache is unreachable.
# Needs Debian's varnish and varnish-modules. Ctrl-C stops both.
run-cached: export EDITORIAL_BASE_URL ?= http://$(HOST):$(CACHE_PORT)
run-cached: export EDITORIAL_PURGE_URLS ?= http://127.0.0.1:$(CACHE_PORT)/
run-cached: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	WEB_ADDRESS=$(HOST):$(PORT) $(PY) -m editorial.varnish --port $(CACHE_PORT) \
		--backend-port $(PORT) -- $(VENV)/bin/honcho start --port $(PORT)

test: install
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest

# Builds (or reuses) an archive of $(ARTICLES) articles on SQLite, and on
# PostgreSQL too when DATABASE_URL names one, then loads it under gunicorn
# beside the framework floor. Results: bench-results/<timestamp>.json.
ARTICLES ?= 1000
BENCH_ARGS ?=
bench: install
	$(PY) -m bench --articles $(ARTICLES) $(BENCH_ARGS)

# Import contracts (pyproject.toml, [tool.importlinter]): which part of the
# product may import which.
lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

check: lint test

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis staticfiles test-artifacts editorial.sqlite3
