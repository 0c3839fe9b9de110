"""System checks for the notify settings (STYLE.md rule 6: fail loudly at start)."""

from __future__ import annotations

from urllib.parse import urlparse

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_webhook_settings(app_configs=None, **kwargs):
    errors = []
    url = getattr(settings, "NOTIFY_WEBHOOK_URL", "")
    if url and (urlparse(url).scheme not in {"http", "https"} or not urlparse(url).netloc):
        errors.append(
            Error(
                f"NOTIFY_WEBHOOK_URL={url!r} is not an http(s) URL.",
                hint="Use e.g. https://hooks.example.org/cityops, or leave it unset.",
                id="notify.E001",
            )
        )
    if url and not getattr(settings, "NOTIFY_WEBHOOK_SECRET", ""):
        errors.append(
            Error(
                "NOTIFY_WEBHOOK_URL is set but NOTIFY_WEBHOOK_SECRET is not; webhooks are signed.",
                hint="Set NOTIFY_WEBHOOK_SECRET to a long random string shared with the receiver.",
                id="notify.E002",
            )
        )
    timeout = getattr(settings, "NOTIFY_WEBHOOK_TIMEOUT", 10)
    if not isinstance(timeout, int | float) or timeout <= 0:
        errors.append(
            Error(
                f"NOTIFY_WEBHOOK_TIMEOUT={timeout!r} must be a positive number of seconds.",
                id="notify.E003",
            )
        )
    return errors
