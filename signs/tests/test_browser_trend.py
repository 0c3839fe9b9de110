"""Browser: a sign value page draws its node's trend (30 days, 48 hours) with ECharts, in
Chinese on a phone, and a point opens that day's value (Playwright on Debian's Chromium)."""

from __future__ import annotations

import os
from datetime import date

import pytest

from evaluation.tests.test_regions import ALPHA, region_week  # noqa: F401 - the fixture
from signs import services
from signs.models import SignValue
from signs.tests.test_compute import small_tree  # noqa: F401 - the fixture
from web.tests.conftest import browser_page, csp_violations, watch_csp  # noqa: F401
from web.tests.test_browser_lifecycle import PHONE, log_in
from web.tests.test_browser_phone_width import overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_value_page_draws_the_trend_on_a_phone(live_server, small_tree, browser_page):  # noqa: F811
    for day in (date(2026, 11, 27), date(2026, 11, 28), date(2026, 11, 29)):
        services.compute_day(day)
    services.compute_hour(date(2026, 11, 29), 9)
    value = SignValue.objects.get(node__code="G", area_path=ALPHA, day=date(2026, 11, 29),
                                  hour=None)  # fmt: skip
    page = log_in(browser_page.context.browser, live_server.url, "leader", locale="zh-CN",
                  **PHONE)  # fmt: skip
    watch_csp(page.context)
    page.goto(f"{live_server.url}/signs/values/{value.pk}/")
    page.wait_for_selector("#trend-charts[data-ready='2']")
    days = page.locator('.chart[data-series="days"]')
    assert days.get_attribute("data-points") == "3"
    assert page.locator('.chart[data-series="hours"]').get_attribute("data-points") == "1"
    assert days.locator("canvas").count() >= 1
    assert (
        "近30天" in page.content()
        or "30" in page.locator("#sign-trend figcaption").first.inner_text()
    )
    assert overflow(page) == [] and csp_violations(page) == []
    if shots := os.environ.get("SHOTS"):  # SHOTS=/some/dir: a screenshot to look at
        page.locator("#sign-trend").screenshot(path=os.path.join(shots, "sign-trend-phone.png"))
