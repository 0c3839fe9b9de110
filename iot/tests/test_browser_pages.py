"""Browser: the device page draws its ECharts charts, and the track playback moves the vehicle
marker along the day's track (Playwright on Debian's Chromium)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from iot.tests.conftest import tilt
from iot.tracking import services as tracking_services
from iot.tracking.models import TrackPoint, VehicleKind
from org.factories import DEFAULT_PASSWORD
from web.tests.conftest import browser_page  # noqa: F401  (the fixture)

pytestmark = [
    pytest.mark.browser,
    # serialized_rollback: keep the migrated device types for the tests that run after this.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def login(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/en/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_the_device_page_draws_a_chart_per_metric(live_server, personas, manhole, browser_page):  # noqa: F811
    tilt(manhole.code, *[(60 * i, 2 + i % 4) for i in range(30)])
    page = browser_page
    login(page, live_server, "inspector_alpha")
    page.goto(f"{live_server.url}/en/iot/devices/{manhole.code}/")
    page.wait_for_selector("#charts[data-ready='1']", timeout=15_000)
    chart = page.locator('.chart[data-metric="tilt"]')
    assert chart.get_attribute("data-points") == "30"
    assert chart.locator("canvas").count() >= 1


def test_the_track_playback_moves_the_marker(live_server, personas, small_city, browser_page):  # noqa: F811
    truck, _ = tracking_services.vehicle_create(
        plate="浙B-M0009", kind=VehicleKind.MUCK, area=small_city.alpha
    )
    from iot.tests.conftest import T0

    TrackPoint.objects.bulk_create(
        TrackPoint(
            tracker=truck.device,
            ts=T0 + timedelta(seconds=30 * i),
            lon=121.502 + i * 0.0004,
            lat=29.865,
            speed=25.0,
        )
        for i in range(40)
    )
    page = browser_page
    login(page, live_server, "inspector_alpha")
    page.goto(f"{live_server.url}/en/iot/vehicles/{truck.pk}/track/?date=2026-11-23")
    page.wait_for_selector("#track-map[data-ready='1']", timeout=15_000)
    map_el = page.locator("#track-map")
    assert map_el.get_attribute("data-points") == "40"
    assert map_el.get_attribute("data-index") == "0"
    start = map_el.get_attribute("data-marker")

    page.select_option("#rate", "600")
    page.click("#play")
    page.wait_for_function(
        "() => Number(document.getElementById('track-map').dataset.index) >= 5", timeout=10_000
    )
    page.click("#play")  # pause
    assert map_el.get_attribute("data-playing") == "0"
    assert map_el.get_attribute("data-marker") != start

    page.locator("#scrub").fill("39")  # drag the slider to the end
    assert map_el.get_attribute("data-index") == "39"
    assert map_el.get_attribute("data-marker") == "29.865000,121.517600"
