"""Log-in with limits on failed attempts (登录限流), for the site's form and the admin's.

Each attempt takes a slot of its account (the username as typed, case-folded) and of its client
address (core.net.client_address) in core.throttle; a failed attempt keeps its slots for
LOGIN_WINDOW_MINUTES, a successful one gives them back. Once either is full the form refuses
before checking the password and says how long to wait, so guessing costs the guesser time,
not the database a password hash per try. The account's limit stops guessing one password;
the address's stops one machine trying many accounts.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import throttle
from core.net import address_scope, client_address

# Reset emails per hour from one client address and to one email address.
RESET_PER_ADDRESS = 10
RESET_PER_EMAIL = 3


def limits() -> tuple[throttle.Limit, throttle.Limit]:
    window = timedelta(minutes=settings.LOGIN_WINDOW_MINUTES)
    return (
        throttle.Limit("login-account", settings.LOGIN_FAILURES_PER_ACCOUNT, window),
        throttle.Limit("login-address", settings.LOGIN_FAILURES_PER_ADDRESS, window),
    )


class ThrottledLoginMixin:
    """For an AuthenticationForm: the limits around its ``clean``."""

    throttled_messages = {
        "login-account": _(
            "Too many failed log-ins for this account. Try again in %(minutes)d minutes, or ask "
            "the administrator to reset the password."
        ),
        "login-address": _(
            "Too many failed log-ins from this address. Try again in %(minutes)d minutes."
        ),
    }

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip().casefold()
        if not username or not self.cleaned_data.get("password"):
            return super().clean()
        account, address = limits()
        where = address_scope(client_address(self.request)) or "-"
        scopes = ((account, username), (address, where))
        try:
            slots = throttle.claim_all(scopes, now=timezone.now())
        except throttle.Exhausted as full:
            raise ValidationError(
                self.throttled_messages[full.limit.name],
                code="throttled",
                params={"minutes": (full.retry_after + 59) // 60},
            ) from None
        cleaned = super().clean()  # a wrong password raises here and keeps its slots
        self._check_second_step()  # so does a missing or wrong code
        throttle.release(*slots)
        return cleaned

    def _check_second_step(self) -> None:
        """With two-step verification on (web.two_factor), the current code is part of the log-in."""
        from django_otp.plugins.otp_totp.models import TOTPDevice

        user = self.get_user()
        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
        if device is None:
            return
        code = (self.data.get("otp_token") or "").strip()
        if not code:
            raise ValidationError(
                _("This account uses two-step verification: enter the code from your app."),
                code="otp_required",
            )
        if device.verify_token(code):
            user.otp_device = device  # django_otp marks the session verified on login
            return
        # A one-time recovery code stands in for the app's (the phone is lost); used up here.
        from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

        recovery = StaticDevice.objects.filter(user=user, confirmed=True).first()
        # Used up by the delete itself: of two log-ins racing with one code, one deletes it.
        if (
            recovery is not None
            and code
            and StaticToken.objects.filter(device=recovery, token=code).delete()[0] == 1
        ):
            user.otp_device = recovery
            return
        raise ValidationError(
            _("The code from your app is wrong or has expired."), code="otp_invalid"
        )


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong username or password."),
    }


class ResetForm(PasswordResetForm):
    """Password reset by email (找回密码), limited per client address and per address asked for,
    so the form cannot be used to flood someone's mailbox. The answer never says whether an
    account has that email (Django's own form sends nothing for an unknown one)."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_email(self):
        email = self.cleaned_data["email"].strip().casefold()
        window = timedelta(hours=1)
        scopes = (
            (
                throttle.Limit("reset-address", RESET_PER_ADDRESS, window),
                address_scope(client_address(self.request)),
            ),
            (throttle.Limit("reset-email", RESET_PER_EMAIL, window), email),
        )
        try:
            throttle.claim_all(scopes, now=timezone.now())
        except throttle.Exhausted as full:
            raise ValidationError(
                _("Too many reset requests. Try again in %(minutes)d minutes."),
                code="throttled",
                params={"minutes": (full.retry_after + 59) // 60},
            ) from None
        return self.cleaned_data["email"]


def end_lockout_on_new_password(sender, instance, update_fields=None, **kwargs) -> None:
    """pre_save of the user model: a new password (set by the user, a reset link or the admin)
    frees the account's failed log-ins, so "ask the administrator" really unlocks it."""
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = type(instance).objects.filter(pk=instance.pk).values_list("password", flat=True)
    if stored.first() not in (None, instance.password):
        account, _address = limits()
        throttle.forget(account, instance.get_username().strip().casefold())
