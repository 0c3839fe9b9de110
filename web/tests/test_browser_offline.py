"""Browser: an inspector reports without signal; the reports wait on the phone ("2 条待发送")
and are sent, once each, when the signal returns. The app installs (manifest, service worker).
SHOTS=/some/dir saves screenshots (to look at them)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cases.factories import image_bytes
from cases.models import Case
from cases.tests.conftest import (  # noqa: F401 - fixtures: the case flow and its staff
    alpha_office,
    flow,
    grid,
    roads,
    staff,
    standard,
    t0,
)
from intake.models import IntakeReport
from org.factories import DEFAULT_PASSWORD
from web.tests.test_browser_lifecycle import PHONE, log_in, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALPHA_1 = (121.505, 29.865)  # inside grid 330203001001001


def _cases_when_settled(seconds: float = 5.0) -> int:
    """The number of cases once the live server's request has finished writing (SQLite's
    shared in-memory database reports its table locked meanwhile)."""
    import time

    from django.db import OperationalError

    end = time.monotonic() + seconds
    while True:
        try:
            return Case.objects.count()
        except OperationalError:
            if time.monotonic() > end:
                raise
            time.sleep(0.1)


def _wait_outbox_empty(page, seconds: float = 15.0) -> None:
    import time

    end = time.monotonic() + seconds
    while page.evaluate("window.cityopsOutbox.all().then(items => items.length)") > 0:
        assert time.monotonic() < end, "the outbox did not empty"
        page.wait_for_timeout(200)


def _report(page, text: str) -> None:
    page.fill("textarea[name=description]", text)
    page.set_input_files(
        "input[name=photos]",
        files=[{"name": "p.jpg", "mimeType": "image/jpeg", "buffer": image_bytes()}],
    )
    page.evaluate(
        """([lon, lat]) => {
            document.querySelector('input[name=lon]').value = lon;
            document.querySelector('input[name=lat]').value = lat;
        }""",
        list(ALPHA_1),
    )
    page.click("#report-form button[type=submit]")


def test_reports_made_offline_are_sent_once_when_the_signal_returns(
    live_server, personas, browser_page
):
    page = log_in(browser_page.context.browser, live_server.url, "inspector_alpha",
                  locale="zh-CN", **PHONE)  # fmt: skip
    page.goto(f"{live_server.url}/intake/m/report/")
    page.wait_for_function(
        "() => navigator.serviceWorker && navigator.serviceWorker.controller !== undefined"
    )
    key = page.locator("input[name=client_key]").input_value()
    assert len(key) >= 32  # made when the form opened

    page.context.set_offline(True)
    _report(page, "井盖缺失，阿尔法路口")
    page.wait_for_selector("#offline-saved:not([hidden])")
    _report(page, "路灯不亮，阿尔法路3号")
    page.wait_for_selector("#outbox[data-count='2']")
    assert "2" in page.locator("#outbox .count").inner_text()
    if os.environ.get("SHOTS"):
        page.screenshot(path=str(Path(os.environ["SHOTS"]) / "offline_queue.png"), full_page=True)
    assert not Case.objects.exists()  # nothing reached the server

    page.context.set_offline(False)  # the signal returns: the outbox empties by itself
    page.wait_for_selector("#outbox[hidden]", state="attached", timeout=20_000)
    assert Case.objects.count() == 2
    assert IntakeReport.objects.filter(external_id__startswith="phone-").count() == 2
    # Sending the outbox again (a retry after a lost answer) makes nothing twice.
    page.evaluate("window.cityopsOutbox.flush()")
    assert Case.objects.count() == 2


def test_the_app_installs(live_server, personas, browser_page):
    page = log_in(browser_page.context.browser, live_server.url, "leader", locale="zh-CN", **PHONE)
    manifest = page.request.get(f"{live_server.url}/manifest.webmanifest").json()
    assert manifest["start_url"] == "/m/" and manifest["display"] == "standalone"
    assert {i["sizes"] for i in manifest["icons"]} == {"192x192", "512x512"}
    sw = page.request.get(f"{live_server.url}/sw.js")
    assert sw.status == 200 and sw.headers["service-worker-allowed"] == "/"
    page.goto(f"{live_server.url}/m/")
    page.wait_for_function(
        "() => navigator.serviceWorker.getRegistration().then(r => !!(r && r.active))",
        timeout=15_000,
    )


def test_a_report_waits_through_an_expired_session(live_server, personas, browser_page):
    """The signal returns but the session has expired: the server answers with the login page,
    which is not a yes; the report stays on the phone until the inspector is back."""
    page = log_in(browser_page.context.browser, live_server.url, "inspector_alpha",
                  locale="zh-CN", **PHONE)  # fmt: skip
    page.goto(f"{live_server.url}/intake/m/report/")
    page.context.set_offline(True)
    _report(page, "井盖缺失，阿尔法路口")
    page.wait_for_selector("#outbox[data-count='1']")
    page.context.clear_cookies()  # the session is gone
    page.context.set_offline(False)
    page.evaluate("window.cityopsOutbox.flush()")
    page.wait_for_timeout(1500)
    assert not Case.objects.exists()
    assert page.evaluate("window.cityopsOutbox.all().then(items => items.length)") == 1
    # Back in: the next page load sends it.
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "inspector_alpha")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("form:has(input[name=username]) button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    page.wait_for_function("() => !!window.cityopsOutbox")
    page.evaluate("window.cityopsOutbox.flush()")
    _wait_outbox_empty(page)
    assert _cases_when_settled() == 1


def test_a_disposal_made_offline_is_sent_when_the_signal_returns(
    live_server,
    flow,  # noqa: F811
    browser_page,
):
    from cases.models import Task
    from cases.states import TaskStatus

    case, task = flow.accepted()
    page = log_in(browser_page.context.browser, live_server.url, "disposer_roads",
                  locale="zh-CN", **PHONE)  # fmt: skip
    page.goto(f"{live_server.url}/cases/m/tasks/")
    form = f"form[data-move=dispose][data-task='{task.pk}']"
    page.context.set_offline(True)
    page.locator(f"{form} textarea[name=note]").fill("井盖已更换")
    page.set_input_files(f"{form} input[name=photos]", files=[upload("after.png", "PNG")])
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector("#outbox[data-count='1']")
    assert Task.objects.get(pk=task.pk).status == TaskStatus.ACCEPTED
    page.context.set_offline(False)
    _wait_outbox_empty(page)
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DISPOSED
