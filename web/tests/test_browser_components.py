"""Browser: an inspector scans a component's QR label (its page), taps report, and the report
opens at the component with it chosen among the nearest of its category; choosing "none of
these" sends no component. SHOTS=/some/dir saves a screenshot."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cases.tests.conftest import staff  # noqa: F401 - fixture: the case tests' staff
from components import identifiers
from components.models import Component
from components.tests.test_register import _feature, _load, cover  # noqa: F401 - fixture
from web.tests.test_browser_lifecycle import PHONE, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_report_from_the_label_offers_the_nearest_components(
    live_server,
    staff,  # noqa: F811
    cover,  # noqa: F811
    browser_page,
):
    first, second = (identifiers.make("330203", cover.code, n) for n in (1, 2))
    _load([_feature(first), _feature(second, lon=121.5052, lat=29.8651)])
    near = Component.objects.get(code=first)
    page = log_in(browser_page.context.browser, live_server.url, "inspector_alpha",
                  locale="zh-CN", **PHONE)  # fmt: skip
    page.goto(f"{live_server.url}/components/{first}/")
    page.click("#report-component")
    page.wait_for_selector("#component-pick:not([hidden])")
    page.wait_for_selector(f"#component-pick input[value='{first}']:checked")
    offered = page.locator("#component-pick input[type=radio]").evaluate_all(
        "els => els.map(e => e.value)"
    )
    assert offered[0] == first and "" in offered  # nearest first, and "none of these"
    assert page.locator("input[name=component]").input_value() == first
    if os.environ.get("SHOTS"):
        page.screenshot(path=str(Path(os.environ["SHOTS"]) / "component_pick.png"), full_page=True)
    page.check("#component-pick input[value='']")
    assert page.locator("input[name=component]").input_value() == ""
    assert near.lon == float(page.locator("input[name=lon]").input_value())
