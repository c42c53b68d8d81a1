"""Editorial's benchmark: a synthetic archive, a load run against gunicorn, and a report.

``python -m bench`` (or ``make bench``) is the entry point; see bench/runner.py.
``python -m bench.build_archive`` builds the archive alone. The product never
imports this package (an import-linter contract in pyproject.toml).
"""
