"""Two-step verification (两步验证) with an authenticator app (TOTP, RFC 6238; django-otp) for the
accounts that can change the most: administrators and leaders. Optional; once a device is
confirmed, every log-in of that account asks for its current code (web.auth).

``/account/two-factor/`` shows a new secret as a QR code and as text, is switched on by typing a
code the app shows (so a mistyped scan never locks anyone out), and off again only with a code.

Recovery codes (恢复码): switching it on makes ``RECOVERY_CODES`` one-time codes (django-otp's
static tokens), shown once; each stands in for the app's code at one log-in (a lost phone does
not lock a leader out), and a new set (the old one void) takes a current code.
"""

from __future__ import annotations

import base64
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from org.models import Role
from org.selectors import staff_profile

ELIGIBLE_ROLES = {Role.ADMIN, Role.LEADER}
DEVICE_NAME = "authenticator"
RECOVERY_NAME = "recovery"
RECOVERY_CODES = 10
SHOW_ONCE = "two_factor_recovery_codes"  # session key: the new codes, until shown


def new_recovery_codes(user) -> list[str]:
    """A new set of one-time recovery codes for ``user`` (any older set is void)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def recovery_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def eligible(user) -> bool:
    profile = staff_profile(user)
    return user.is_superuser or (profile is not None and profile.role in ELIGIBLE_ROLES)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def _qr_svg(url: str) -> str:
    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=5, xmldecl=False, svgns=True)
    return out.getvalue().decode()


@login_required
def setup(request):
    if not eligible(request.user):
        raise Http404
    device = confirmed_device(request.user)
    if request.method == "POST":
        code = (request.POST.get("code") or "").strip()
        if device is not None:  # switching it off needs a current code
            action = request.POST.get("action")
            if action == "disable" and device.verify_token(code):
                TOTPDevice.objects.filter(user=request.user).delete()
                StaticDevice.objects.filter(user=request.user).delete()
                messages.success(request, _("Two-step verification is off."))
                return redirect("web:two_factor")
            if action == "recovery" and device.verify_token(code):
                request.session[SHOW_ONCE] = new_recovery_codes(request.user)
                messages.success(request, _("New recovery codes: the old ones no longer work."))
                return redirect("web:two_factor")
            messages.error(request, _("That code is not the current one; it stays on."))
            return redirect("web:two_factor")
        pending = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
        if pending is not None and pending.verify_token(code):
            with transaction.atomic():
                pending.confirmed = True
                pending.save(update_fields=["confirmed"])
                TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
                request.session[SHOW_ONCE] = new_recovery_codes(request.user)
            otp_login(request, pending)
            messages.success(
                request, _("Two-step verification is on: every log-in now asks for the code.")
            )
            return redirect("web:two_factor")
        messages.error(request, _("That code does not match; scan the code again and retry."))
        return redirect("web:two_factor")
    context = {
        "enabled": device is not None,
        # Shown once, right after they were made; never again (only their number).
        "recovery_codes": request.session.pop(SHOW_ONCE, None),
        "recovery_left": recovery_left(request.user),
    }
    if device is None:
        pending, _created = TOTPDevice.objects.get_or_create(
            user=request.user, confirmed=False, defaults={"name": DEVICE_NAME}
        )
        context.update(
            qr_svg=_qr_svg(pending.config_url),
            secret=base64.b32encode(pending.bin_key).decode().rstrip("="),
        )
    return render(request, "web/two_factor.html", context)
