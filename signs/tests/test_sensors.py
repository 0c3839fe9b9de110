"""Sensor leaves read the sensing module (一网感知): a water-level point whose depth alarm was
active on the day counts as over its alert depth; an area without such sensors has no value."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from iot import services as iot
from iot.models import Alarm, DeviceType
from iot.tests.conftest import T0, T0_S, send
from signs import measures
from signs.tree import active_tree

pytestmark = pytest.mark.django_db
ALPHA = "/330200/330203/330203001/"
EAST, WEST = "/330200/330203/", "/330200/330205/"


@pytest.fixture
def water_points(small_city):
    from areas.models import UnitGrid

    grid = UnitGrid.objects.get(code="330203001001001")  # in street Alpha
    kind = DeviceType.objects.get(code="water_level")
    for n in (1, 2):
        iot.device_create(code=f"WL-{n}", name=f"Underpass {n}", device_type=kind,
                          lon=grid.centroid_lon, lat=grid.centroid_lat, token=f"wl-token-{n}-abcdefgh")  # fmt: skip
    # Point 1 floods on Monday morning: 0.45 m, over the 0.3 m alert depth.
    records = [{"n": "depth", "u": "m", "v": 0.45, "t": T0_S + s} for s in (0, 60, 120)]
    send("WL-1", json.dumps(records).encode(), at=T0 + timedelta(minutes=2))
    assert Alarm.objects.filter(device__code="WL-1", rule__metric="depth").exists()


def _leaf(code):
    return active_tree().nodes.get(code=code)


def test_a_point_over_its_alert_depth_counts_on_the_day(water_points):
    monday = date(2026, 11, 23)
    found = measures.measure_tier(_leaf("S1.2"), "street", [ALPHA], monday)
    assert found[ALPHA].raw == 1.0
    assert (found[ALPHA].rows["devices"], found[ALPHA].rows["over"]) == (2, 1)
    week_before = measures.measure_tier(
        _leaf("S1.2"), "street", [ALPHA], monday - timedelta(days=7)
    )
    assert week_before[ALPHA].raw == 0.0  # the alarm had not started


def test_an_area_without_the_sensor_has_no_value(water_points):
    found = measures.measure_tier(_leaf("S1.2"), "district", [EAST, WEST], date(2026, 11, 23))
    assert found[EAST].raw == 1.0
    assert found[WEST].raw is None and found[WEST].note == "no_sensor"
    noise = measures.measure_tier(_leaf("C2.2"), "district", [EAST], date(2026, 11, 23))
    assert noise[EAST].note == "no_sensor" and noise[EAST].note_params == {"type": "noise"}
