"""Browser: the cockpit (决策舱) on a 1920x1080 wall shows a new case within 5 s without a
reload, shows the same screen at 3840x2160, and recovers after losing the server.
SHOTS=/some/dir saves screenshots (to look at them)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from areas.models import UnitGrid
from cases.factories import CaseFactory
from cases.states import SourceChannel
from web.tests.conftest import csp_violations, watch_csp
from web.tests.test_browser_lifecycle import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()  # the live server's process keeps the cockpit's cache between tests
    yield
    cache.clear()


def _shot(page, name):
    shots = os.environ.get("SHOTS")
    if shots:
        page.screenshot(path=str(Path(shots) / f"cockpit_{name}.png"))


def _open(browser, base, size):
    # The wall's browser in another zone than the city: the screen still shows the city's time.
    page = log_in(
        browser, base, "leader", locale="zh-CN", viewport=size, timezone_id="America/New_York"
    )
    watch_csp(page.context)
    page.goto(f"{base}/cockpit/")
    page.wait_for_function("() => document.body.dataset.generated", timeout=15_000)
    return page


def test_a_new_case_shows_within_5_seconds(live_server, personas, browser_page):
    grid = UnitGrid.objects.order_by("code").first()
    CaseFactory(grid=grid, source=SourceChannel.HOTLINE_12345)
    page = _open(browser_page.context.browser, live_server.url, {"width": 1920, "height": 1080})
    assert page.locator("#intake-total").inner_text() == "1"
    _shot(page, "1920")
    polls = int(page.evaluate("document.body.dataset.polls"))

    made = CaseFactory(grid=grid, source=SourceChannel.CITIZEN)
    start = time.monotonic()
    page.wait_for_selector(f"#new-cases li[data-number='{made.number}']", timeout=5_000)
    assert time.monotonic() - start < 5
    assert page.locator("#intake-total").inner_text() == "2"
    assert (
        page.locator(f"#new-cases li[data-number='{made.number}']").get_attribute("class")
        == "fresh"
    )
    # Polls kept going; unchanged polls were 304s (no redraw) in between.
    assert int(page.evaluate("document.body.dataset.polls")) > polls
    # The clock shows the city's time (Asia/Shanghai), not the browser's (New York).
    from datetime import datetime
    from zoneinfo import ZoneInfo

    shown = page.locator("#clock").inner_text().split()[-1]  # e.g. 2026/12/6 17:31:49
    hh, mm, _ss = (int(p) for p in shown.split(":"))
    city = datetime.now(ZoneInfo("Asia/Shanghai"))
    assert abs((city.hour * 60 + city.minute) - (hh * 60 + mm)) % (24 * 60) in (0, 1, 1439)
    # The screen fits the wall: nothing scrolls.
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080
    assert page.evaluate("document.documentElement.scrollWidth") <= 1920
    assert csp_violations(page) == []  # the map, the charts and the polls all within the policy


def test_the_same_screen_at_3840_by_2160(live_server, personas, browser_page):
    browser = browser_page.context.browser
    small = _open(browser, live_server.url, {"width": 1920, "height": 1080})
    big = _open(browser, live_server.url, {"width": 3840, "height": 2160})
    _shot(big, "3840")
    box = "(() => { const r = document.getElementById('tile-red').getBoundingClientRect();" \
          " return [r.x, r.y, r.width, r.height, parseFloat(getComputedStyle(document.documentElement).fontSize)]; })()"  # fmt: skip
    a, b = small.evaluate(box), big.evaluate(box)
    for x, y in zip(a, b, strict=True):  # every tile and the type twice the size
        assert y == pytest.approx(2 * x, rel=0.02)
    assert big.evaluate("document.documentElement.scrollHeight") <= 2160


def test_a_lost_server_is_shown_and_the_screen_recovers(live_server, personas, browser_page):
    page = _open(browser_page.context.browser, live_server.url, {"width": 1920, "height": 1080})
    page.wait_for_selector("#live[data-state='live']")
    page.route("**/api/v1/cockpit", lambda route: route.abort())
    page.wait_for_selector("#live[data-state='lost']", timeout=10_000)
    page.unroute("**/api/v1/cockpit")
    page.wait_for_selector("#live[data-state='live']", timeout=20_000)


def test_supervise_a_red_case_in_two_clicks(live_server, personas, browser_page):
    from datetime import timedelta

    from django.utils import timezone

    from cases.factories import TaskFactory
    from cases.states import CaseStatus, TaskStatus
    from core.models import TimeUnit
    from dispatch.models import Supervision
    from org.factories import DepartmentFactory

    grid = UnitGrid.objects.order_by("code").first()
    now = timezone.now()
    case = CaseFactory(grid=grid, status=CaseStatus.DISPATCHED, dispatch_round=1)
    TaskFactory(
        case=case, department=DepartmentFactory(area=grid.community.parent.parent.parent),
        status=TaskStatus.ACCEPTED, time_unit=TimeUnit.URGENT_HOUR,
        started_at=now - timedelta(hours=9), deadline_at=now - timedelta(hours=5),
    )  # fmt: skip
    page = _open(browser_page.context.browser, live_server.url, {"width": 1920, "height": 1080})
    page.click(f"#tile-red li[data-number='{case.number}'] button.supervise")  # click 1
    page.click("#tile-red .supervise-form button[type=submit]")  # click 2
    page.wait_for_selector("#tile-red .done")
    (record,) = Supervision.objects.filter(case=case)
    assert record.actor.username == "leader"
    _shot(page, "supervised")
