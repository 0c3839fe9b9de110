"""Browser: a street inspector logs in (landing on the patrol list) and the home map shows only
their street."""

from __future__ import annotations

import pytest

from org.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_street_inspector_sees_only_their_street_on_the_map(live_server, personas, browser_page):
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "inspector_alpha")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/m/inspect/" in url)  # an inspector lands on 巡查
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#map[data-ready='1']", timeout=15_000)

    map_el = page.locator("#map")
    assert map_el.get_attribute("data-street-names") == "Alpha"
    assert map_el.get_attribute("data-grid-features") == "8"
    # Leaflet drew the 8 grids and 1 street outline on its canvas/SVG layer.
    assert page.locator("#scope-panel").inner_text().count("Alpha") >= 1
    assert "Beta" not in page.locator("#scope-panel").inner_text()
    assert page.locator("#grid-count").inner_text() == "8"
