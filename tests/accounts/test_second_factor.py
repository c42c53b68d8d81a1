"""Staff sign in with a password and a code: enrolment, the second step, recovery, reset."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import RecoveryCode
from articles.models import ActionLogEntry
from tests.factories import BoardMemberFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
ROLES = {
    "author": ["Authors"],
    "member": ["Advisory Board"],
    "editor": ["Editors"],
}


@pytest.fixture(autouse=True)
def _required(settings):
    settings.EDITORIAL_REQUIRE_2FA = True


def make_user(role: str) -> User:
    if role == "superuser":
        user = User.objects.create_superuser("root", "root@example.org", PASSWORD)
        return user
    user = UserFactory(username=f"u_{role}", groups=ROLES[role])
    if role == "member":
        BoardMemberFactory(user=user)
    return user


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    """The code the app shows now (offset steps later: a code not used yet)."""
    device.refresh_from_db()
    value = totp(
        device.bin_key,
        step=device.step,
        t0=device.t0,
        digits=device.digits,
        drift=device.drift + offset,
    )
    return f"{value:0{device.digits}d}"


def enrol(user: User) -> tuple[TOTPDevice, list[str]]:
    device = services.totp_pending(user=user)
    codes = services.totp_confirm(device=device, token=code_for(device), by=user)
    assert codes is not None
    device.refresh_from_db()
    return device, codes


def password_login(client: Client, user: User):
    return client.post(
        reverse("admin:login"),
        {"username": user.get_username(), "password": PASSWORD, "next": "/admin/"},
    )


@pytest.mark.parametrize("role", ["member", "editor", "superuser"])
def test_required_roles_without_a_factor_must_enrol_before_anything(role):
    """With EDITORIAL_REQUIRE_2FA, an editor, board member or superuser is sent to enrolment."""
    user = make_user(role)
    client = Client()
    password_login(client, user)
    for path in ("/admin/", "/admin/articles/article/", "/admin/second-factor/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("accounts:setup")), path
    assert client.get(reverse("accounts:setup")).status_code == 200


def test_author_without_a_factor_signs_in_with_the_password():
    """Authors are not required to have a second factor."""
    user = make_user("author")
    client = Client()
    assert password_login(client, user)["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_nobody_is_asked_to_enrol_when_the_setting_is_off(settings):
    """Development and the demo: the password alone signs an editor in."""
    settings.EDITORIAL_REQUIRE_2FA = False
    client = Client()
    password_login(client, make_user("editor"))
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("role", ["author", "member", "editor", "superuser"])
def test_an_enrolled_account_needs_its_code_after_the_password(role, settings):
    """Whatever the role and the setting, an account with an authenticator is asked for it."""
    settings.EDITORIAL_REQUIRE_2FA = role != "author"
    user = make_user(role)
    device, _codes = enrol(user)
    client = Client()
    password_login(client, user)

    response = client.get("/admin/articles/article/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:verify"))
    # Nor can the half-signed-in session add an authenticator of its own.
    assert client.get(reverse("accounts:setup"))["Location"].startswith(reverse("accounts:verify"))

    wrong = client.post(reverse("accounts:verify"), {"code": "000000", "next": "/admin/"})
    assert wrong.status_code == 400
    assert "did not work" in wrong.content.decode()
    assert client.get("/admin/").status_code == 302
    # django-otp makes the next try wait (here 30 s, so a slow machine cannot
    # outlast it); the code is not even checked. Then the right code works.
    settings.OTP_TOTP_THROTTLE_FACTOR = 30
    hurried = client.post(reverse("accounts:verify"), {"code": code_for(device, 1)})
    assert "Too many wrong codes in a row: wait" in hurried.content.decode()
    assert client.get("/admin/").status_code == 302
    device.throttle_reset()

    right = client.post(
        reverse("accounts:verify"), {"code": code_for(device, 1), "next": "/admin/"}
    )
    assert right["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_enrolment_shows_a_server_drawn_qr_code_under_the_csp():
    """The setup page draws the key as inline SVG, with no script or style attribute."""
    user = make_user("editor")
    client = Client()
    password_login(client, user)
    response = client.get(reverse("accounts:setup"))
    html = response.content.decode()

    assert response.status_code == 200
    assert '<svg class="qr-code"' in html
    assert "<path" in html
    assert " style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "no-store" in response["Cache-Control"]


def test_enrolment_confirms_with_a_code_and_shows_recovery_codes_once():
    """The right code turns the factor on, signs the session in fully and lists 10 codes."""
    user = make_user("editor")
    client = Client()
    password_login(client, user)
    client.get(reverse("accounts:setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    wrong = client.post(reverse("accounts:setup"), {"code": "123456"})
    assert wrong.status_code == 400
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    device.throttle_reset()

    response = client.post(reverse("accounts:setup"), {"code": code_for(device)})
    html = response.content.decode()
    codes = re.findall(r"<code>([a-z0-9-]{19})</code>", html)
    assert len(codes) == 10
    assert "only time they are shown" in html
    assert client.get("/admin/").status_code == 200
    # Stored as hashes only.
    stored = list(RecoveryCode.objects.values_list("digest", flat=True))
    assert len(stored) == 10
    assert not set(codes) & set(stored)
    assert all(code.replace("-", "") not in "".join(stored) for code in codes)
    # And never shown again.
    assert codes[0] not in client.get(reverse("accounts:overview")).content.decode()


def test_a_recovery_code_signs_in_once():
    """Each recovery code works for one sign-in; used again, it is refused."""
    user = make_user("editor")
    _device, codes = enrol(user)

    first = Client()
    password_login(first, user)
    response = first.post(reverse("accounts:verify"), {"code": codes[3].upper(), "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert first.get("/admin/").status_code == 200
    assert RecoveryCode.objects.count() == 9

    second = Client()
    password_login(second, user)
    again = second.post(reverse("accounts:verify"), {"code": codes[3], "next": "/admin/"})
    assert again.status_code == 400
    assert second.get("/admin/").status_code == 302


def test_new_recovery_codes_replace_the_old_ones():
    """Making new codes from the back office voids every earlier one."""
    user = make_user("editor")
    device, old_codes = enrol(user)
    client = Client()
    password_login(client, user)
    client.post(reverse("accounts:verify"), {"code": code_for(device, 1)})

    html = client.post(reverse("accounts:recovery_codes")).content.decode()
    new_codes = re.findall(r"<code>([a-z0-9-]{19})</code>", html)
    assert len(new_codes) == 10
    assert not set(new_codes) & set(old_codes)
    assert client.get("/admin/").status_code == 200

    other = Client()
    password_login(other, user)
    assert other.post(reverse("accounts:verify"), {"code": old_codes[0]}).status_code == 400


def test_wrong_codes_lock_the_second_step_like_wrong_passwords(settings):
    """After AXES_FAILURE_LIMIT wrong codes the sign-in is paused (429) and the session ends;
    signing in with the password again does not buy new tries."""
    # django-otp's own delay between tries is tested above; here, the lockout.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    user = make_user("editor")
    enrol(user)
    client = Client()
    password_login(client, user)
    statuses = [
        client.post(reverse("accounts:verify"), {"code": "99999999"}).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses[:-1] == [400] * (settings.AXES_FAILURE_LIMIT - 1)
    assert statuses[-1] == 429
    assert client.get("/admin/")["Location"].startswith(reverse("admin:login"))

    again = Client()
    response = password_login(again, user)
    assert response.status_code == 429
    assert again.get("/admin/").status_code == 302


def test_an_administrator_reset_is_logged_and_ends_the_members_sessions():
    """Lost phone: the reset removes the factor, ends sessions and lands in the action log."""
    admin_user = make_user("superuser")
    admin_device, _ = enrol(admin_user)
    member = make_user("editor")
    device, _codes = enrol(member)
    member_client = Client()
    password_login(member_client, member)
    member_client.post(reverse("accounts:verify"), {"code": code_for(device, 1)})
    assert member_client.get("/admin/").status_code == 200

    admin_client = Client()
    password_login(admin_client, admin_user)
    admin_client.post(reverse("accounts:verify"), {"code": code_for(admin_device, 1)})
    changelist = reverse("admin:auth_user_changelist")
    form = {"action": "reset_second_factor", "_selected_action": [member.pk]}
    confirm = admin_client.post(changelist, form)
    assert "Reset the second factor?" in confirm.content.decode()
    assert TOTPDevice.objects.filter(user=member).exists()
    done = admin_client.post(changelist, {**form, "confirmed": "yes"})
    assert done.status_code == 302

    assert not TOTPDevice.objects.filter(user=member).exists()
    assert not RecoveryCode.objects.filter(device__user=member).exists()
    entry = ActionLogEntry.objects.get(action="account.otp_reset")
    assert entry.by == admin_user
    assert entry.payload == {"user": member.pk}
    assert member_client.get("/admin/")["Location"].startswith(reverse("admin:login"))
    # At the next sign-in the editor sets up a new authenticator.
    fresh = Client()
    password_login(fresh, member)
    assert fresh.get("/admin/")["Location"].startswith(reverse("accounts:setup"))


def test_an_idle_session_ends(settings):
    """Past EDITORIAL_STAFF_IDLE_MINUTES without a request, the next one signs out."""
    settings.EDITORIAL_REQUIRE_2FA = False
    settings.EDITORIAL_STAFF_IDLE_MINUTES = 30
    client = Client()
    password_login(client, make_user("editor"))
    assert client.get("/admin/").status_code == 200
    session = client.session
    session["editorial_last_seen"] = int(time.time()) - 31 * 60
    session.save()

    response = client.get("/admin/")
    assert response["Location"].startswith(reverse("admin:login"))
    assert "without activity" in client.get(response["Location"]).content.decode()
    assert client.get("/admin/").status_code == 302


def test_a_password_change_ends_the_other_sessions(settings):
    """Changing the password keeps this session and ends every other."""
    settings.EDITORIAL_REQUIRE_2FA = False
    user = make_user("editor")
    elsewhere, here = Client(), Client()
    password_login(elsewhere, user)
    password_login(here, user)
    response = here.post(
        reverse("admin:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a new and longer passphrase",
            "new_password2": "a new and longer passphrase",
        },
    )
    assert response.status_code == 302
    assert here.get("/admin/").status_code == 200
    assert elsewhere.get("/admin/").status_code == 302


def test_a_new_authenticator_ends_the_other_sessions():
    """Moving to a new phone signs out every other session of the account."""
    user = make_user("editor")
    device, codes = enrol(user)
    elsewhere, here = Client(), Client()
    for client in (elsewhere, here):
        password_login(client, user)
    elsewhere.post(reverse("accounts:verify"), {"code": code_for(device, 1)})
    here.post(reverse("accounts:verify"), {"code": codes[0]})
    assert elsewhere.get("/admin/").status_code == 200
    assert here.get("/admin/").status_code == 200

    here.get(reverse("accounts:setup"))
    new_device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = here.post(reverse("accounts:setup"), {"code": code_for(new_device)})
    assert response.status_code == 200
    assert here.get("/admin/").status_code == 200
    assert elsewhere.get("/admin/").status_code == 302
    assert Session.objects.count() == 1
