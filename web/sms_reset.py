"""Password reset by a code texted to the phone on file (短信验证码找回密码), for staff without an
email address (most disposers and inspectors have a work phone, not a mailbox).

1. ``/password/reset/sms/``: the username and the phone number of the staff profile. When
   both match an active account, a 6-digit code is texted there (notify outbox, SMS); the
   answer is the same either way, so the form tells nobody which accounts or numbers exist.
2. ``/password/reset/sms/code/``: the username, the code and the new password (Django's
   password rules). A code works once, for ``CODE_MINUTES``; ``CODE_TRIES`` wrong codes void
   it. Setting the password ends the account's other sessions and its log-in lock-out.

Only a hash of the code is kept (in the shared cache). Requests are limited per client address
and per username, so nobody's phone is flooded.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, password_validation
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import throttle
from core.net import address_scope, client_address

CODE_MINUTES = 10
CODE_TRIES = 5
PER_ADDRESS = throttle.Limit("sms-reset-address", 10, timedelta(hours=1))
PER_USERNAME = throttle.Limit("sms-reset-username", 3, timedelta(hours=1))
PER_ADDRESS_TRIES = throttle.Limit("sms-reset-tries", 30, timedelta(hours=1))
KEY = "sms-reset:{pk}"
TRIES = "sms-reset-tries:{pk}"


def _digits(phone: str) -> str:
    """A phone number as its digits, without a leading +86 / 86 (the same number however typed)."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits


def _hash(pk: int, code: str) -> str:
    return hashlib.sha256(f"{pk}:{code}".encode()).hexdigest()


def _account(username: str):
    user = get_user_model().objects.filter(username=username.strip(), is_active=True).first()
    profile = getattr(user, "staff_profile", None) if user is not None else None
    return user, profile


def send_code(username: str, phone: str) -> bool:
    """Text a new code when ``username`` and ``phone`` match an account; True if one was sent."""
    from notify.services import enqueue

    user, profile = _account(username)
    code = f"{secrets.randbelow(10**6):06d}"
    if profile is None or not profile.phone or _digits(profile.phone) != _digits(phone):
        cache.set("sms-reset:none", _hash(0, code), timeout=1)  # about the same work either way
        return False
    # The code's hash lives CODE_MINUTES from now, never longer; its tries count apart.
    cache.set(KEY.format(pk=user.pk), _hash(user.pk, code), timeout=CODE_MINUTES * 60)
    cache.set(TRIES.format(pk=user.pk), 0, timeout=CODE_MINUTES * 60)
    enqueue(
        kind="sms",
        to=profile.phone,
        subject="",
        body=_("CityOps: %(code)s is your code to set a new password, valid %(n)s minutes. "
               "Did not ask for it? Tell the administrator.") % {"code": code, "n": CODE_MINUTES},
    )  # fmt: skip
    return True


def code_matches(user, code: str) -> bool:
    """Whether ``code`` is the user's current code. Every try counts (an atomic increment, so
    parallel guesses each count); past ``CODE_TRIES`` the code is void. A right code is used up
    by its deletion: of two requests racing with it, only the one that deleted it wins."""
    key, tries = KEY.format(pk=user.pk), TRIES.format(pk=user.pk)
    stored = cache.get(key)
    if not stored:
        return False
    try:
        used = cache.incr(tries)
    except ValueError:  # the counter expired with the code
        return False
    if used > CODE_TRIES:
        cache.delete(key)
        return False
    if not constant_time_compare(stored, _hash(user.pk, (code or "").strip())):
        if used == CODE_TRIES:
            cache.delete(key)
        return False
    return bool(cache.delete(key))


class AskForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)
    phone = forms.CharField(label=gettext_lazy("Mobile number on your account"), max_length=30)


class CodeForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)
    code = forms.RegexField(
        label=gettext_lazy("Code from the text message"), regex=r"^\s*\d{6}\s*$"
    )
    new_password1 = forms.CharField(label=gettext_lazy("New password"), widget=forms.PasswordInput)
    new_password2 = forms.CharField(
        label=gettext_lazy("New password again"), widget=forms.PasswordInput
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password1") != data.get("new_password2"):
            raise forms.ValidationError(_("The two passwords differ."))
        return data


def _throttled(*scopes) -> int | None:
    """Minutes to wait when one of the (limit, scope) pairs is used up, else None (a try
    claimed in each)."""
    try:
        throttle.claim_all(scopes, now=timezone.now())
    except throttle.Exhausted as full:
        return (full.retry_after + 59) // 60
    return None


def ask(request):
    form = AskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = _throttled(
            (PER_ADDRESS, address_scope(client_address(request))),
            (PER_USERNAME, form.cleaned_data["username"].strip().casefold()),
        )
        if wait is not None:
            form.add_error(None, _("Too many requests. Try again in %(n)d minutes.") % {"n": wait})
        else:
            send_code(form.cleaned_data["username"], form.cleaned_data["phone"])
            messages.info(
                request,
                _("If the username and the number belong to one account, a code is on its way "
                  "(valid %(n)s minutes).") % {"n": CODE_MINUTES},
            )  # fmt: skip
            query = urlencode({"username": form.cleaned_data["username"]})
            return redirect(f"{reverse('web:sms_reset_code')}?{query}")
    return render(request, "web/sms_reset.html", {"form": form, "step": "ask"})


def confirm(request):
    form = CodeForm(request.POST or None, initial={"username": request.GET.get("username", "")})
    if request.method == "POST" and form.is_valid():
        user, _profile = _account(form.cleaned_data["username"])
        wait = _throttled((PER_ADDRESS_TRIES, address_scope(client_address(request))))
        if wait is not None:
            form.add_error(None, _("Too many requests. Try again in %(n)d minutes.") % {"n": wait})
            return render(request, "web/sms_reset.html", {"form": form, "step": "code"})
        # The password's rules first, judged against the account named, or an unsaved one of
        # that name when there is none: the answer never tells which usernames exist.
        judged = user or get_user_model()(username=form.cleaned_data["username"])
        try:
            password_validation.validate_password(form.cleaned_data["new_password1"], judged)
        except forms.ValidationError as exc:
            form.add_error("new_password1", exc)
        else:
            if user is None or not code_matches(user, form.cleaned_data["code"]):
                form.add_error("code", _("The code is wrong or has expired; ask for a new one."))
            else:
                user.set_password(form.cleaned_data["new_password1"])
                user.save()  # other sessions end (their hash no longer matches); lock-out freed
                messages.success(request, _("Your password is set. Log in with it."))
                return redirect("web:login")
    return render(request, "web/sms_reset.html", {"form": form, "step": "code"})
