"""Browser: the 领导交办/媒体曝光 entry page finds the place by name and sets the pin (no typed
coordinates)."""

from __future__ import annotations

import pytest

from cases.models import Case
from cases.tests.conftest import staff  # noqa: F401 - fixture: personas + shift leader etc.
from org.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_leader_order_is_placed_by_finding_the_grid(live_server, staff, browser_page):  # noqa: F811
    browser = browser_page.context.browser
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "dispatcher")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("form:has(input[name=username]) button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
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
