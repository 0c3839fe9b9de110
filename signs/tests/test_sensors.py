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


def _sensor_leaf(measure: dict, normaliser: dict | None = None):
    from signs.models import SignNode, Source

    return SignNode(code="X", source=Source.SENSOR, measure=measure,
                    normaliser=normaliser or {"kind": "piecewise", "points": [[0, 100], [5, 0]]})  # fmt: skip


def test_alarms_started_in_the_period_per_monitored_point_or_against_the_weeks_before(
    water_points,
):
    """``alarms``: the alarms that started in the period (a leaf may name the city's own device
    type and metric); per 1,000 monitored points the exposure is the active devices; a
    baseline_ratio leaf gets the median of the same weekday of the eight weeks before."""
    monday = date(2026, 11, 23)
    spec = {"kind": "alarms", "quantity": "water_pressure", "device_type": "water_level",
            "metric": "depth"}  # fmt: skip
    found = measures.measure_tier(_sensor_leaf(spec), "street", [ALPHA], monday)[ALPHA]
    # 0.45 m: over the 0.15 m 积水 rule and the 0.3 m deep-water rule: two alarms.
    assert (found.raw, found.other, found.rows["alarms"]) == (2.0, None, 2)
    dense = _sensor_leaf({**spec, "per": "monitored_points"},
                         {"kind": "density", "per": 1000, "points": [[0, 100], [1000, 0]]})  # fmt: skip
    found = measures.measure_tier(dense, "street", [ALPHA], monday)[ALPHA]
    assert (found.raw, found.other) == (2.0, 2.0)  # 2 alarms / 2 points -> 1,000 per 1,000
    ratio = _sensor_leaf(spec, {"kind": "baseline_ratio"})
    found = measures.measure_tier(ratio, "street", [ALPHA], monday)[ALPHA]
    assert (found.raw, found.other) == (2.0, 0.0)
    later = measures.measure_tier(ratio, "street", [ALPHA], monday + timedelta(days=7))[ALPHA]
    assert (later.raw, later.other) == (0.0, 0.0)  # one day in eight weeks: the median is 0
    piped = _sensor_leaf({**spec, "per": "pipe_km"})
    found = measures.measure_tier(piped, "street", [ALPHA], monday)[ALPHA]
    assert found.raw is None and found.note == "no_exposure"  # no pipe register yet


def test_alarm_level_is_the_most_severe_alarm_active_as_a_warning_level(water_points):
    """``alarm_level``: critical I, major II, minor III, warning IV; none 0."""
    monday = date(2026, 11, 23)
    spec = {"kind": "alarm_level", "quantity": "structure", "device_type": "water_level",
            "metric": "depth"}  # fmt: skip
    leaf = _sensor_leaf(spec, {"kind": "warning_level"})
    alarms = Alarm.objects.filter(device__code="WL-1", rule__metric="depth")
    assert sorted(alarms.values_list("severity", flat=True)) == ["critical", "warning"]
    found = measures.measure_tier(leaf, "street", [ALPHA], monday)[ALPHA]
    assert found.raw == 1.0 and found.rows["alarm_level"] == 1  # the deep water: I 红
    alarms.filter(severity="critical").update(severity="minor")
    measures.forget()
    assert measures.measure_tier(leaf, "street", [ALPHA], monday)[ALPHA].raw == 3.0  # III 黄
    before = measures.measure_tier(leaf, "street", [ALPHA], monday - timedelta(days=7))[ALPHA]
    assert before.raw == 0.0  # no warning: level 0
    built_in = measures.measure_tier(_leaf("S2.3"), "street", [ALPHA], monday)[ALPHA]
    assert built_in.note == "no_sensor" and built_in.note_params == {"type": "structure_monitor"}


def test_a_sensor_value_page_states_what_was_counted(client, staff, water_points):
    from signs import services
    from signs.models import SignValue

    services.compute_day(date(2026, 11, 23))
    value = SignValue.objects.get(node__code="S1.2", area_path=ALPHA, day=date(2026, 11, 23))
    client.force_login(staff["city_leader"])
    page = client.get(f"/signs/values/{value.pk}/").content.decode()
    assert "在用 water_level 设备 2 台，其中 1 台有 depth 报警" in page
    behind = client.get(f"/signs/values/{value.pk}/").context["behind"]
    assert behind.total == value.raw == 1  # one device over its limit, by its two alarms
    assert len(behind.rows) == 2 and {r["device"] for r in behind.rows} == {"WL-1"}
    assert 'href="/iot/devices/WL-1/"' in page
