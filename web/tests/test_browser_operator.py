"""Browser: the 领导交办/媒体曝光 entry page finds the place by name and sets the pin (no typed
coordinates)."""

from __future__ import annotations

import pytest

from cases.models import Case
from cases.tests.conftest import staff  # noqa: F401 - fixture: personas + shift leader etc.
from web.tests.test_browser_lifecycle import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_leader_order_is_placed_by_finding_the_grid(live_server, staff, browser_page):  # noqa: F811
    base = live_server.url
    page = log_in(
        browser_page.context.browser,
        base,
        "dispatcher",
        locale="zh-CN",
        viewport={"width": 1280, "height": 900},
    )
    context = page.context
    page.goto(f"{base}/intake/new/")
    page.wait_for_selector("#report-map[data-ready]")
    page.fill("textarea[name=description]", "市长交办：学校门口井盖缺失")
    page.fill("input[name=place]", "330203001001001")
    page.wait_for_selector("#place-results button.place")
    page.press("input[name=place]", "Enter")  # the first match, not a submit
    page.wait_for_selector("#report-map[data-pin]")
    assert page.url.endswith("/intake/new/")
    page.click("#operator-report-form button[type=submit]")
    page.wait_for_url(lambda url: "/cases/NB" in url)
    number = page.inner_text("#case-number")
    context.close()
    case = Case.objects.get(number=number)
    assert case.grid.code == "330203001001001" and case.lon is not None
