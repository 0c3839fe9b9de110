"""Fixtures for the notify tests: the cases fixtures (a fixed Monday T0, staff, ``flow``), inline
delivery, and channels that fail on demand."""

from __future__ import annotations

import pytest

# The case fixtures are shared, not copied: a filed case here is filed exactly as in cases/.
from cases.tests.conftest import (  # noqa: F401
    T0,
    _media,
    alpha_office,
    flow,
    grid,
    roads,
    staff,
    standard,
    t0,
)
from notify import services
from notify.tests import fakes

PHONE = "13800138000"


@pytest.fixture(autouse=True)
def _inline_delivery(monkeypatch):
    """Deliver in the test's thread after commit; the queue path is tested on its own."""
    monkeypatch.setattr(services, "_use_queue", lambda: False)


@pytest.fixture(autouse=True)
def _notify_settings(settings):
    settings.NOTIFY_SMS_SENDER = "Testcity"
    settings.NOTIFY_WEBHOOK_URL = ""
    settings.NOTIFY_WEBHOOK_SECRET = ""
    settings.NOTIFY_WEBHOOK_TIMEOUT = 5
    settings.NOTIFY_CHANNELS = {}


@pytest.fixture
def failing_sms(settings):
    """The SMS channel fails (retryably) ``failures`` times, then sends to the sink."""
    fakes.FlakySmsChannel.reset(failures=10**6)
    settings.NOTIFY_CHANNELS = {"sms": "notify.tests.fakes.FlakySmsChannel"}
    yield fakes.FlakySmsChannel
    fakes.FlakySmsChannel.reset(failures=0)
