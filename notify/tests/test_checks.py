"""Bad notify settings fail loudly at start (notify.E001-E003)."""

from __future__ import annotations

from notify.checks import check_webhook_settings


def ids() -> list[str]:
    return [e.id for e in check_webhook_settings()]


def test_no_webhook_configured_is_fine(settings):
    assert ids() == []


def test_a_webhook_url_needs_http_and_a_secret(settings):
    settings.NOTIFY_WEBHOOK_URL = "hooks.example.org/cityops"
    settings.NOTIFY_WEBHOOK_SECRET = ""
    assert ids() == ["notify.E001", "notify.E002"]
    settings.NOTIFY_WEBHOOK_URL = "https://hooks.example.org/cityops"
    settings.NOTIFY_WEBHOOK_SECRET = "s3cret"
    assert ids() == []


def test_the_timeout_must_be_positive(settings):
    settings.NOTIFY_WEBHOOK_TIMEOUT = 0
    assert ids() == ["notify.E003"]
