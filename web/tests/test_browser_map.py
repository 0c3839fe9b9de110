"""Browser: the one map (一张图) with its layers switched on and off, clusters zooming in to
points, and a point's popup leading to the case.
SHOTS=/some/dir saves screenshots (to look at them)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from areas.models import UnitGrid
from cases.factories import CaseFactory
from cases.states import CaseStatus
from web.tests.test_browser_lifecycle import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page, name):
    shots = os.environ.get("SHOTS")
    if shots:
        page.screenshot(path=str(Path(shots) / f"map_{name}.png"))


def _ready(page):
    page.wait_for_selector("#city-map[data-ready='1']", timeout=15_000)


def test_layers_on_and_off_and_a_case_popup(live_server, personas, browser_page):
    grids = list(UnitGrid.objects.order_by("code"))
    made = [CaseFactory(grid=g, status=CaseStatus.FILED) for g in grids[:6]]
    CaseFactory(grid=grids[0], status=CaseStatus.CLOSED)  # closed: not on the open layer
    page = log_in(browser_page.context.browser, live_server.url, "leader")
    page.goto(f"{live_server.url}/en/map/")
    _ready(page)
    city_map = page.locator("#city-map")
    assert city_map.get_attribute("data-area-features") == "3"  # the three streets
    assert city_map.get_attribute("data-cases") == "6"
    assert city_map.get_attribute("data-case-mode") == "cells"
    assert page.locator(".map-cluster").count() >= 1
    _shot(page, "streets_cases")

    # Cases off: no cluster left; devices and the heat map on.
    page.uncheck("input[name=layer][value=cases]")
    page.check("input[name=layer][value=heat]")
    page.wait_for_function("() => document.getElementById('city-map').dataset.cases === '0'")
    _ready(page)
    assert page.locator(".map-cluster").count() == 0
    assert int(city_map.get_attribute("data-heat-cells")) >= 1
    assert page.locator("#legend li[data-for=cases]").first.is_hidden()
    assert page.locator("#legend li[data-for=heat]").is_visible()

    # Cases on again, zoomed in on one case: a point whose popup opens the case.
    page.check("input[name=layer][value=cases]")
    page.uncheck("input[name=layer][value=heat]")
    case = made[0]
    page.evaluate("([lat, lon]) => window.cityMap.setView([lat, lon], 18)", [case.lat, case.lon])
    page.wait_for_function(
        "() => document.getElementById('city-map').dataset.caseMode === 'points'"
    )
    _ready(page)
    x, y = page.evaluate(
        """([lat, lon]) => {
            const p = window.cityMap.latLngToContainerPoint([lat, lon]);
            const r = document.getElementById('city-map').getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""",
        [case.lat, case.lon],
    )
    page.mouse.click(x, y)
    link = page.locator(".map-popup a").first
    link.wait_for()
    number = link.inner_text()
    assert number in {c.number for c in made}
    _shot(page, "popup")
    link.click()
    page.wait_for_url(f"**/cases/{number}/")
