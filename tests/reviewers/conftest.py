"""Fixtures of the board's review process.

``article_under_review`` and ``approved_article`` override the shared ones
of tests/conftest.py: since invitations, an assignment starts the review only
once the member accepts it, and a decision states the conflict of interest
explicitly. (When tests/conftest.py itself accepts the invitation, these
overrides can go.)
"""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.utils import timezone


class FrozenClock:
    """Django's clock held at one moment, moved forward by hand."""

    def __init__(self, start: datetime.datetime) -> None:
        self.now = start

    def advance(self, **delta) -> None:
        self.now += datetime.timedelta(**delta)

    def today(self) -> datetime.date:
        return timezone.localdate(self.now)


@pytest.fixture
def clock():
    """Freeze ``django.utils.timezone.now`` (and so ``localdate``) at the moment the test starts.

    Model defaults hold the real function, so the clock starts at the real
    moment to keep them in step; ``advance`` then moves only the frozen one.
    """
    frozen = FrozenClock(timezone.now().replace(microsecond=0))
    with mock.patch("django.utils.timezone.now", side_effect=lambda: frozen.now):
        yield frozen
