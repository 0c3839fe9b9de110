"""Two-step verification (两步验证) for administrators and leaders: switched on with a code from
the app, then every log-in needs the current code; off again only with a code."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from org.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

PAGE = "/en/account/two-factor/"


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _login(username: str, **extra) -> tuple[Client, object]:
    client = Client()
    response = client.post(
        "/en/login/", {"username": username, "password": DEFAULT_PASSWORD, **extra}
    )
    return client, response


def test_a_leader_switches_it_on_and_then_every_log_in_needs_the_code(personas):
    now = timezone.now()
    with time_machine.travel(now, tick=False) as clock:
        leader, _ = _login("leader")
        page = leader.get(PAGE)
        assert (
            page.status_code == 200 and b"<svg" in page.content and b'id="secret"' in page.content
        )
        pending = TOTPDevice.objects.get(user=personas["city_leader"], confirmed=False)
        assert pending.config_url.startswith("otpauth://totp/CityOps")

        leader.post(PAGE, {"code": "000000" if _code(pending) != "000000" else "111111"})
        assert not TOTPDevice.objects.filter(confirmed=True).exists()  # a wrong code: still off
        clock.shift(timedelta(seconds=2))  # django-otp waits a little longer after each failure
        leader.post(PAGE, {"code": _code(pending)})
        device = TOTPDevice.objects.get(user=personas["city_leader"], confirmed=True)

        clock.shift(timedelta(seconds=30))
        _client, response = _login("leader")
        assert b"This account uses two-step verification" in response.content
        _client, response = _login(
            "leader", otp_token="123456" if _code(device) != "123456" else "654321"
        )
        assert b"The code from your app is wrong" in response.content
        clock.shift(timedelta(seconds=2))
        client, response = _login("leader", otp_token=_code(device))
        assert response.status_code == 302
        assert client.get("/en/").status_code == 200

        # Off again only with a current code.
        clock.shift(timedelta(seconds=30))
        client.post(
            PAGE, {"action": "disable", "code": "999999" if _code(device) != "999999" else "888888"}
        )
        assert TOTPDevice.objects.filter(confirmed=True).exists()
        clock.shift(timedelta(seconds=2))
        client.post(PAGE, {"action": "disable", "code": _code(device)})
        assert not TOTPDevice.objects.exists()
        assert _login("leader")[1].status_code == 302


def test_a_used_code_cannot_log_in_twice(personas):
    device = TOTPDevice.objects.create(user=personas["city_leader"], name="app", confirmed=True)
    with time_machine.travel(timezone.now(), tick=False):
        code = _code(device)
        assert _login("leader", otp_token=code)[1].status_code == 302
        assert b"wrong or has expired" in _login("leader", otp_token=code)[1].content


def test_only_administrators_and_leaders_have_it(personas):
    inspector, _ = _login("inspector_alpha")
    assert inspector.get(PAGE).status_code == 404
    admin, _ = _login("admin")
    assert admin.get(PAGE).status_code == 200
    assert b'id="two-factor-link"' in admin.get("/en/password/").content
    assert b'id="two-factor-link"' not in inspector.get("/en/password/").content


def test_recovery_codes_are_shown_once_and_each_logs_in_once(personas):
    """Switching it on makes ten one-time recovery codes, shown once; one stands in for the
    app's code at a log-in and is used up; a new set (with a current code) voids the old."""
    now = timezone.now()
    with time_machine.travel(now, tick=False) as clock:
        leader, _ = _login("leader")
        leader.get(PAGE)
        pending = TOTPDevice.objects.get(user=personas["city_leader"], confirmed=False)
        leader.post(PAGE, {"code": _code(pending)})
        shown = leader.get(PAGE)
        codes = shown.context["recovery_codes"]
        assert len(codes) == 10 and len(set(codes)) == 10
        assert codes[0].encode() in shown.content
        again = leader.get(PAGE)
        assert again.context["recovery_codes"] is None and codes[0].encode() not in again.content
        assert again.context["recovery_left"] == 10

        client, response = _login("leader", otp_token=codes[0])
        assert response.status_code == 302  # the phone is lost: a recovery code logs in
        clock.shift(timedelta(seconds=5))
        _client, response = _login("leader", otp_token=codes[0])
        assert b"The code from your app is wrong" in response.content  # used up
        clock.shift(timedelta(seconds=35))  # the next code of the app (one use per code)
        device = TOTPDevice.objects.get(user=personas["city_leader"], confirmed=True)
        leader.post(PAGE, {"action": "recovery", "code": _code(device)})
        fresh = leader.get(PAGE).context["recovery_codes"]
        assert fresh and not set(fresh) & set(codes)
        clock.shift(timedelta(seconds=5))
        _client, response = _login("leader", otp_token=codes[1])
        assert response.status_code == 200  # the old set is void
        clock.shift(timedelta(seconds=30))
        leader.post(PAGE, {"action": "disable", "code": _code(device)})
        from django_otp.plugins.otp_static.models import StaticDevice

        assert not StaticDevice.objects.filter(user=personas["city_leader"]).exists()
