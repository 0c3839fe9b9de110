"""Two-step verification (两步验证) with an authenticator app (TOTP, RFC 6238; django-otp) for the
accounts that can change the most: administrators and leaders. Optional; once a device is
confirmed, every log-in of that account asks for its current code (web.auth).

``/account/two-factor/`` shows a new secret as a QR code and as text, is switched on by typing a
code the app shows (so a mistyped scan never locks anyone out), and off again only with a code.
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
from django_otp.plugins.otp_totp.models import TOTPDevice

from org.models import Role
from org.selectors import staff_profile

ELIGIBLE_ROLES = {Role.ADMIN, Role.LEADER}
DEVICE_NAME = "authenticator"


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
            if request.POST.get("action") == "disable" and device.verify_token(code):
                TOTPDevice.objects.filter(user=request.user).delete()
                messages.success(request, _("Two-step verification is off."))
                return redirect("web:two_factor")
            messages.error(request, _("That code is not the current one; it stays on."))
            return redirect("web:two_factor")
        pending = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
        if pending is not None and pending.verify_token(code):
            with transaction.atomic():
                pending.confirmed = True
                pending.save(update_fields=["confirmed"])
                TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
            otp_login(request, pending)
            messages.success(
                request, _("Two-step verification is on: every log-in now asks for the code.")
            )
            return redirect("web:two_factor")
        messages.error(request, _("That code does not match; scan the code again and retry."))
        return redirect("web:two_factor")
    context = {"enabled": device is not None}
    if device is None:
        pending, _created = TOTPDevice.objects.get_or_create(
            user=request.user, confirmed=False, defaults={"name": DEVICE_NAME}
        )
        context.update(
            qr_svg=_qr_svg(pending.config_url),
            secret=base64.b32encode(pending.bin_key).decode().rstrip("="),
        )
    return render(request, "web/two_factor.html", context)
