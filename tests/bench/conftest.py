"""Small synthetic archives for the benchmark's guards."""

from __future__ import annotations

import pytest

from bench.archive import Builder


@pytest.fixture
def build_archive(db):
    """Build an archive of ``n`` articles in the test database; returns the builder's report."""

    def build(n: int, seed: int = 7):
        return Builder(articles=n, seed=seed).build()

    return build
