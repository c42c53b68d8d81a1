"""A real SMTP server (aiosmtpd) the tests can stop and start, and queue helpers."""

from __future__ import annotations

import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max


class Inbox:
    """What the SMTP server received: one envelope per accepted message."""

    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"

    @property
    def messages(self) -> list[tuple[str, str]]:
        """(recipient, subject) of each message received."""
        out = []
        for envelope in self.envelopes:
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            out.extend((rcpt, str(message["Subject"]).strip()) for rcpt in envelope.rcpt_tos)
        return out


class SMTPServer:
    """aiosmtpd on 127.0.0.1 at a fixed free port, so it can go down and come back."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.received = Inbox()
        self.controller = None

    def start(self) -> None:
        self.controller = Controller(self.received, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings):
    """Django's email goes to a local aiosmtpd server, running until the test stops it."""
    server = SMTPServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    server.start()
    yield server
    server.stop()


def time_passes() -> None:
    """Make every waiting task due now, as if its wait (a retry's backoff) were over."""
    DBTaskResult.objects.filter(status="READY").exclude(run_after=get_date_max()).update(
        run_after=timezone.now()
    )
