"""The second factor's pages in the back office: the second step, enrolment, codes."""

from __future__ import annotations

import base64
import math
from io import BytesIO
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services, session, throttle
from accounts.forms import CodeForm
from accounts.models import RecoveryCodeDevice
from editorial.lockout import lockout_response


def _context(request: HttpRequest, **extra) -> dict:
    return {**admin.site.each_context(request), **extra}


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("admin:index")


def _private(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response


def _locked_out(request: HttpRequest) -> HttpResponse:
    """Too many wrong codes: the half-signed-in session ends, as a wrong password would."""
    logout(request)
    return lockout_response(request)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_member_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second step: a code from the authenticator app, or a recovery code."""
    user = request.user
    if session.state(request) != session.VERIFY:
        return HttpResponseRedirect(_next_url(request))
    if throttle.is_locked(request, user):
        return _locked_out(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        wait = _throttled_for(user, code)
        device = None if wait else _matching_device(user, code)
        if wait:
            # No guess was checked, so none is counted against the account.
            form.add_error(
                "code",
                _(
                    "Too many wrong codes in a row: wait %(seconds)s seconds, then enter the "
                    "code your app shows."
                )
                % {"seconds": wait},
            )
        elif device is not None:
            otp_login(request, device)
            session.set_state(request, session.DONE)
            # A new session key for the fully signed-in session, as at the password step.
            request.session.cycle_key()
            throttle.reset_failures(request, user)
            if isinstance(device, RecoveryCodeDevice):
                left = device.remaining()
                messages.warning(
                    request,
                    _(
                        "You signed in with a recovery code; it cannot be used again. "
                        "%(left)s codes are left. If your phone is lost, set up the "
                        "authenticator again under “Second factor”."
                    )
                    % {"left": left},
                )
            return HttpResponseRedirect(_next_url(request))
        else:
            throttle.record_failure(request, user)
            if throttle.is_locked(request, user):
                return _locked_out(request)
            form.add_error(
                "code",
                _(
                    "That code did not work. Codes change every 30 seconds: enter the one your "
                    "app shows now, or one of your recovery codes."
                ),
            )
    return _private(
        render(
            request,
            "accounts/verify.html",
            _context(request, form=form, next=_next_url(request), title=_("Second step")),
            status=400 if form.errors else 200,
        )
    )


def _devices(user, code: str):
    if code.isdigit():
        return TOTPDevice.objects.filter(user=user, confirmed=True)
    return RecoveryCodeDevice.objects.filter(user=user)


def _throttled_for(user, code: str) -> int:
    """Seconds before django-otp lets the devices this code is for check a code again."""
    waits = []
    for device in _devices(user, code):
        allowed, details = device.verify_is_allowed()
        if allowed:
            return 0
        until = (details or {}).get("locked_until")
        waits.append(math.ceil((until - timezone.now()).total_seconds()) if until else 1)
    return max(min(waits), 1) if waits else 0


def _matching_device(user, code: str):
    """The device the code belongs to, or None; throttling counts against each device."""
    for device in _devices(user, code):
        if device.verify_token(code):
            return device
    return None


def _qr_svg(uri: str) -> str:
    """The key as a QR code, inline SVG drawn on the server: no script, no style, no request."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=4)
    buffer = BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    svg = svg[svg.index("<svg") :]
    # Sized by the stylesheet; named for screen readers.
    svg = svg.replace(
        "<svg ",
        '<svg class="qr-code" role="img" aria-label="'
        + _("QR code of your authenticator key")
        + '" ',
        1,
    )
    # Made here, from a URI we built: no user input reaches it unescaped.
    return mark_safe(svg)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_member_required
def setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the code, then type one code to confirm."""
    user = request.user
    if session.state(request) == session.VERIFY:
        # Someone with the password alone must not add a device of their own.
        return HttpResponseRedirect(f"{reverse('accounts:verify')}?next={quote(request.path)}")
    device = services.totp_pending(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _details = device.verify_is_allowed()
        codes = (
            services.totp_confirm(device=device, token=form.cleaned_data["code"], by=user)
            if allowed
            else None
        )
        if not allowed:
            form.add_error(
                "code",
                _("Too many wrong codes in a row: wait a few seconds, then try the new one."),
            )
        elif codes is not None:
            device.refresh_from_db()
            otp_login(request, device)
            session.set_state(request, session.DONE)
            services.sessions_end(user=user, keep=request.session.session_key)
            return _show_codes(request, codes, enrolled=True)
        else:
            form.add_error(
                "code",
                _(
                    "That code did not match. Check that the app added the key for %(site)s, "
                    "and enter the code it shows now."
                )
                % {"site": settings.EDITORIAL_SITE_NAME},
            )
    required = session.state(request) == session.ENROL
    key = base64.b32encode(device.bin_key).decode()
    issuer = settings.EDITORIAL_SITE_NAME
    uri = (
        f"otpauth://totp/{quote(issuer)}:{quote(user.get_username())}"
        f"?secret={key}&issuer={quote(issuer)}&digits={device.digits}&period={device.step}"
    )
    return _private(
        render(
            request,
            "accounts/setup.html",
            _context(
                request,
                form=form,
                qr_svg=_qr_svg(uri),
                key_groups=" ".join(key[i : i + 4] for i in range(0, len(key), 4)),
                required=required,
                # Until the factor is set up nothing else opens: no menu to offer.
                **({"is_nav_sidebar_enabled": False} if required else {}),
                replacing=services.has_second_factor(user),
                title=_("Set up your authenticator app"),
            ),
            status=400 if form.errors else 200,
        )
    )


def _show_codes(request: HttpRequest, codes: list[str], *, enrolled: bool) -> HttpResponse:
    return _private(
        render(
            request,
            "accounts/recovery_codes.html",
            _context(request, codes=codes, enrolled=enrolled, title=_("Your recovery codes")),
        )
    )


@require_http_methods(["GET", "HEAD"])
@staff_member_required
def overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    recovery = RecoveryCodeDevice.objects.filter(user=user).first()
    return _private(
        render(
            request,
            "accounts/overview.html",
            _context(
                request,
                has_factor=services.has_second_factor(user),
                codes_left=recovery.remaining() if recovery else 0,
                required=services.second_factor_required(user),
                verified=request.user.is_verified(),
                idle_minutes=settings.EDITORIAL_STAFF_IDLE_MINUTES,
                title=_("Second factor"),
            ),
        )
    )


@require_POST
@staff_member_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """A new set of recovery codes, for a session that passed the second step."""
    if not request.user.is_verified():
        messages.error(request, _("Set up an authenticator app first."))
        return HttpResponseRedirect(reverse("accounts:overview"))
    codes = services.recovery_codes_renew(user=request.user, by=request.user)
    if isinstance(request.user.otp_device, RecoveryCodeDevice):
        # The set this session was confirmed with is gone; the new one stands in.
        otp_login(request, RecoveryCodeDevice.objects.get(user=request.user))
    return _show_codes(request, codes, enrolled=False)
