"""``manage.py import_drafts FILE.jsonl --integration NAME``: one draft per line.

Each line is the JSON body of ``POST /api/v1/drafts/``, optionally with an
``"idempotency_key"``; it goes through the same serializer and services as
the API, in a transaction of its own, so a refused line leaves nothing behind
and the lines before and after it are unaffected. Ends with a report.
"""

from __future__ import annotations

import hashlib
import json

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction

from api import services
from api.exceptions import field_errors
from api.models import IdempotencyRecord, Integration
from api.serializers import DraftSerializer, DraftWriteSerializer
from articles.exceptions import WorkflowError


def _line_digest(data: dict) -> str:
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"IMPORT\n{body}".encode()).hexdigest()


class Command(BaseCommand):
    help = "Import drafts from a JSON Lines file as an integration, with a report."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .jsonl file: one draft (JSON object) per line.")
        parser.add_argument("--integration", required=True, help="The integration's name.")
        parser.add_argument(
            "--submit", action="store_true", help="Submit each draft for review once created."
        )

    def handle(self, *args, file, integration, submit, **options):
        try:
            target = Integration.objects.select_related("account").get(name=integration)
        except Integration.DoesNotExist:
            raise CommandError(f"No integration is called “{integration}”.") from None
        try:
            handle = open(file, encoding="utf-8")  # noqa: SIM115
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        self.file_name = file
        created, skipped, refused = [], [], []
        with handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                outcome, detail = self._import_line(line, target, submit)
                {"created": created, "skipped": skipped, "refused": refused}[outcome].append(
                    (number, detail)
                )
        for number, detail in created:
            self.stdout.write(f"line {number}: created {detail}")
        for number, detail in skipped:
            self.stdout.write(f"line {number}: skipped, {detail}")
        for number, detail in refused:
            self.stdout.write(f"line {number}: refused, {detail}")
        self.stdout.write(
            f"{len(created)} created, {len(skipped)} skipped, {len(refused)} refused."
        )
        if refused:
            raise CommandError(f"{len(refused)} line(s) refused; nothing of them was saved.")

    def _import_line(self, line: str, target: Integration, submit: bool) -> tuple[str, str]:
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            return "refused", f"not JSON ({error.msg} at column {error.colno})"
        if not isinstance(data, dict):
            return "refused", "a line must be one JSON object"
        key = str(data.pop("idempotency_key", "") or "").strip()
        digest = _line_digest(data)
        if key:
            previous = IdempotencyRecord.objects.filter(integration=target, key=key).first()
            if previous is not None:
                if previous.request_digest != digest:
                    return "refused", f"idempotency key {key!r} was used for another draft"
                return "skipped", f"idempotency key {key!r} already imported"
        serializer = DraftWriteSerializer(data=data)
        if not serializer.is_valid():
            fields = field_errors(serializer.errors)
            return "refused", "; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items())
        try:
            with transaction.atomic():
                via = f"import_drafts {self.file_name}"
                article = services.draft_create(
                    data=serializer.to_service_data(), by=target.account, via=via
                )
                if submit:
                    article = services.draft_submit(article=article, by=target.account, via=via)
                if key:
                    IdempotencyRecord.objects.create(
                        integration=target,
                        key=key,
                        request_digest=digest,
                        status_code=201,
                        response=json.loads(json.dumps(DraftSerializer(article).data, default=str)),
                    )
        except services.ApiError as error:
            fields = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.fields.items())
            return "refused", f"{error.message} {fields}".strip()
        except WorkflowError as error:
            return "refused", error.message
        except IntegrityError:
            return "refused", "another import used the same key or address at the same time"
        return "created", f"article {article.pk} “{article.title}” ({article.state})"
