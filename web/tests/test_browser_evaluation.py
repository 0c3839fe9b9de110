"""Browser: the leader's department ranking, a number opened to the tasks it counts, and the
same page on a phone without sideways scrolling."""

from __future__ import annotations

import pytest

from cases.tests.conftest import flow, grid, roads, staff, standard, t0  # noqa: F401 - fixtures
from evaluation.tests.test_definitions import week  # noqa: F401 - the fixture
from web.tests.test_browser_lifecycle import log_in
from web.tests.test_browser_phone_width import overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WEEK = "/evaluation/?period=custom&from=2026-11-23&to=2026-11-29"


def test_a_number_opens_the_tasks_it_counts(live_server, week, browser_page):  # noqa: F811
    browser = browser_page.context.browser
    page = log_in(
        browser, live_server.url, "leader", locale="zh-CN", viewport={"width": 1280, "height": 800}
    )
    page.goto(live_server.url + WEEK)
    cell = page.inner_text("#ranking td[data-indicator=disposed] a")
    assert cell == "5"
    page.click("#ranking td[data-indicator=disposed] a")
    page.wait_for_selector("#behind-table")
    assert page.inner_text("#total") == "5"
    assert page.locator("#behind-table tbody tr").count() == 5
    phone = log_in(
        browser,
        live_server.url,
        "leader",
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
    )
    phone.goto(live_server.url + WEEK)
    assert overflow(phone) == []
