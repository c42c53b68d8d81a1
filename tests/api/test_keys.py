"""API keys: shown once, stored as a digest, scoped, revocable, expiring."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from api.models import ApiKey, Integration
from api.services import api_key_revoke
from tests.api.conftest import draft_body

pytestmark = pytest.mark.django_db


def test_key_is_not_recoverable_from_the_database(make_key):
    """No column of the stored key holds its secret, only the prefix and a digest."""
    secret = make_key()
    row = ApiKey.objects.values().get()
    stored = " ".join(str(v) for v in row.values())
    assert secret not in stored
    assert secret.split("_", 2)[2] not in stored
    assert row["digest"] != secret and len(row["digest"]) == 64


def test_key_without_scope_is_refused_with_403(make_key, client_for, topic):
    """A key holding only published:read may not create drafts or read statuses."""
    client = client_for(make_key(["published:read"]))
    response = client.post("/api/v1/drafts/", draft_body(topic), format="json")
    assert response.status_code == 403
    assert "drafts:write" in response.json()["error"]["message"]
    assert client.get("/api/v1/drafts/").status_code == 403


def test_request_without_key_is_refused_with_401(client_for):
    """No key, no drafts: 401 with a Bearer challenge."""
    response = client_for(None).get("/api/v1/drafts/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_wrong_key_is_refused(make_key, client_for):
    """A key with a known prefix but another secret is refused."""
    secret = make_key()
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    assert client_for(forged).get("/api/v1/drafts/").status_code == 401
    assert client_for("not-a-key").get("/api/v1/drafts/").status_code == 401


def test_revoked_key_is_refused(make_key, client_for):
    """A revoked key stops working at once."""
    secret = make_key()
    client = client_for(secret)
    assert client.get("/api/v1/drafts/").status_code == 200
    api_key_revoke(api_key=ApiKey.objects.get(), by=None)
    response = client.get("/api/v1/drafts/")
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]


def test_expired_key_is_refused(make_key, client_for):
    """A key past its expiry is refused."""
    secret = make_key(expires_at=timezone.now() + datetime.timedelta(seconds=60))
    ApiKey.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = client_for(secret).get("/api/v1/drafts/")
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]


def test_key_use_is_recorded(make_key, client_for):
    """The key's last use is kept for the editors."""
    secret = make_key()
    client_for(secret).get("/api/v1/drafts/")
    assert ApiKey.objects.get().last_used_at is not None


def test_api_key_command_prints_a_working_key_once(integration, client_for):
    """`manage.py api_key create` prints a key that works with the scopes given."""
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "api_key",
        "create",
        "--integration",
        integration.name,
        "--scopes",
        "status:read,published:read",
        stdout=out,
        stderr=err,
    )
    secret = out.getvalue().strip()
    assert secret.startswith("ed_")
    assert client_for(secret).get("/api/v1/drafts/").status_code == 200
    assert ApiKey.objects.get().scopes == ["published:read", "status:read"]


def test_api_key_command_refuses_unknown_scope(integration):
    """An unknown scope is refused by name; no key is made."""
    with pytest.raises(CommandError, match="drafts:delete"):
        call_command(
            "api_key", "create", "--integration", integration.name, "--scopes", "drafts:delete"
        )
    assert not ApiKey.objects.exists()


def test_admin_key_creation_shows_the_key_once(client, editor, integration):
    """An editor creates a key in the admin and sees it on the next page only."""
    client.force_login(editor)
    response = client.post(
        "/admin/api/apikey/add/",
        {"integration": integration.pk, "label": "production", "scopes": ["status:read"]},
    )
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret in response.content.decode()
    key = ApiKey.objects.get()
    assert key.scopes == ["status:read"]
    page = client.get(f"/admin/api/apikey/{key.pk}/change/").content.decode()
    assert secret not in page


def test_admin_integration_creation_makes_an_author_account(client, editor):
    """Creating an integration in the admin creates the author account it acts as."""
    client.force_login(editor)
    response = client.post("/admin/api/integration/add/", {"name": "Pipeline B"})
    assert response.status_code == 302
    integration = Integration.objects.get(name="Pipeline B")
    assert integration.account.has_perm("articles.add_article")
    assert not integration.account.has_usable_password()


def test_admin_integrations_hidden_from_authors(client, author):
    """Only editors manage integrations and keys."""
    client.force_login(author)
    assert client.get("/admin/api/apikey/").status_code == 403
