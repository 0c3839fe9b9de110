"""Positions through the telemetry pipeline (HTTP here; MQTT in test_mqtt): stored as track
points, judged by the track rules, alarms raised and cleared like any sensor's."""

from __future__ import annotations

import json

import pytest

from iot.models import Alarm, AlarmStatus, DeadLetter, Reading, RuleKind
from iot.tracking import services
from iot.tracking.models import GeofenceKind, TrackPoint
from iot.tracking.tests.conftest import (
    BADGE_TOKEN,
    M_LAT,
    M_LON,
    MUCK_TOKEN,
    SWEEPER_TOKEN,
    T0_S,
    position_pack,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/telemetry"
LON0, LAT0 = 121.505, 29.865  # inside grid Alpha-1/001


def post(client, body: bytes, token: str):
    return client.post(
        URL,
        body,
        content_type="application/senml+json",
        headers={"authorization": f"Bearer {token}"},
    )


def alarms_of(vehicle_or_badge, kind: str):
    return Alarm.objects.filter(device=vehicle_or_badge.device, rule__kind=kind)


@pytest.fixture
def approved_route(muck_truck):
    """An east-west route through (LON0, LAT0), 1 km long, 50 m corridor, for muck trucks."""
    return services.geofence_create(
        name="Permit 2026-118 route",
        kind=GeofenceKind.APPROVED_ROUTE,
        geometry={
            "type": "LineString",
            "coordinates": [[LON0 - 500 * M_LON, LAT0], [LON0 + 500 * M_LON, LAT0]],
        },
        buffer_m=50,
        vehicle_kinds=["muck"],
    )


def test_a_sweeper_posts_positions_and_they_become_its_track(client, sweeper):
    body = position_pack((0, LON0, LAT0, 2.0), (30, LON0 + 0.0005, LAT0, 2.5))
    response = post(client, body, SWEEPER_TOKEN)
    assert response.status_code == 200, response.content
    assert response.json()["positions"] == 2
    assert response.json()["readings"] == 0
    points = list(TrackPoint.objects.filter(tracker=sweeper.device).order_by("ts"))
    assert [(p.lon, p.lat) for p in points] == [(LON0, LAT0), (LON0 + 0.0005, LAT0)]
    assert points[1].speed == pytest.approx(9.0)  # 2.5 m/s
    assert not Reading.objects.filter(device=sweeper.device).exists()
    sweeper.device.refresh_from_db()
    assert sweeper.device.is_online


def test_a_repeated_pack_stores_nothing_twice(client, sweeper):
    body = position_pack((0, LON0, LAT0, None))
    assert post(client, body, SWEEPER_TOKEN).status_code == 200
    assert post(client, body, SWEEPER_TOKEN).status_code == 200
    assert TrackPoint.objects.filter(tracker=sweeper.device).count() == 1


def test_a_badge_sends_battery_as_a_reading_beside_its_position(client, badge):
    body = json.loads(position_pack((0, LON0, LAT0, None)))
    body.append({"n": "battery", "u": "%EL", "v": 80, "t": T0_S})
    assert post(client, json.dumps(body).encode(), BADGE_TOKEN).status_code == 200
    assert TrackPoint.objects.filter(tracker=badge.device).count() == 1
    assert Reading.objects.get(device=badge.device).metric == "battery"


@pytest.mark.parametrize(
    ("records", "reason"),
    [
        ([{"n": "lat", "u": "lat", "v": 29.86, "t": T0_S}], "'lon' is missing"),
        (
            [
                {"n": "lat", "u": "lat", "v": 95, "t": T0_S},
                {"n": "lon", "u": "lon", "v": 121.5, "t": T0_S},
            ],
            "not a WGS-84",
        ),
        (
            [
                {"n": "lat", "u": "lat", "v": 29.86, "t": T0_S},
                {"n": "lon", "u": "lon", "vs": "east", "t": T0_S},
            ],
            "must be a number",
        ),
        (
            [
                {"n": "lat", "u": "lat", "v": 29.86, "t": T0_S},
                {"n": "lon", "u": "lon", "v": 121.5, "t": T0_S},
                {"n": "speed", "u": "m/s", "v": -3, "t": T0_S},
            ],
            "negative",
        ),
        ([{"n": "speed", "u": "km/h", "v": 30, "t": T0_S}], "measures it in 'm/s'"),
    ],
)
def test_a_bad_position_refuses_the_pack_and_says_why(client, sweeper, records, reason):
    response = post(client, json.dumps(records).encode(), SWEEPER_TOKEN)
    assert response.status_code == 422
    assert reason in response.json()["message"]
    assert DeadLetter.objects.filter(device=sweeper.device).count() == 1
    assert not TrackPoint.objects.exists()


def test_a_muck_truck_off_its_route_raises_one_alarm_then_clears_when_back(
    client, muck_truck, approved_route
):
    on = [(0, LON0, LAT0, 8.0), (30, LON0 + 100 * M_LON, LAT0, 8.0)]
    assert post(client, position_pack(*on), MUCK_TOKEN).json()["alarms_raised"] == 0

    off = [(60 + 30 * i, LON0 + (150 + 100 * i) * M_LON, LAT0 + 200 * M_LAT, 8.0) for i in range(3)]
    response = post(client, position_pack(*off), MUCK_TOKEN)
    assert response.json()["alarms_raised"] == 1
    alarm = alarms_of(muck_truck, RuleKind.OFF_ROUTE).get()
    assert alarm.status == AlarmStatus.ACTIVE
    assert alarm.last_value == pytest.approx(150, abs=3)  # 200 m off the line, 50 m corridor
    assert alarm.area_path == muck_truck.area_path

    more_off = [(150, LON0 + 450 * M_LON, LAT0 + 210 * M_LAT, 8.0)]
    assert post(client, position_pack(*more_off), MUCK_TOKEN).json()["alarms_raised"] == 0
    assert alarms_of(muck_truck, RuleKind.OFF_ROUTE).count() == 1  # updated, not duplicated

    back = [(180 + 30 * i, LON0 + (400 - 50 * i) * M_LON, LAT0, 8.0) for i in range(2)]
    assert post(client, position_pack(*back), MUCK_TOKEN).json()["alarms_cleared"] == 1
    alarm.refresh_from_db()
    assert alarm.status == AlarmStatus.CLEARED and alarm.confirmed_clear


def test_a_route_for_muck_trucks_does_not_bind_a_sweeper(client, sweeper, approved_route):
    off = [(30 * i, LON0, LAT0 + 300 * M_LAT, 2.0) for i in range(4)]
    assert post(client, position_pack(*off), SWEEPER_TOKEN).status_code == 200
    assert not alarms_of(sweeper, RuleKind.OFF_ROUTE).exists()


def test_a_muck_truck_inside_a_forbidden_zone_raises(client, muck_truck):
    services.geofence_create(
        name="School block",
        kind=GeofenceKind.FORBIDDEN_ZONE,
        geometry={
            "type": "Polygon",
            "coordinates": [
                [
                    [LON0, LAT0],
                    [LON0 + 0.002, LAT0],
                    [LON0 + 0.002, LAT0 + 0.002],
                    [LON0, LAT0 + 0.002],
                    [LON0, LAT0],
                ]
            ],
        },
        buffer_m=0,
    )
    inside = [(0, LON0 + 0.001, LAT0 + 0.001, 5.0)]
    assert post(client, position_pack(*inside), MUCK_TOKEN).json()["alarms_raised"] == 1
    assert alarms_of(muck_truck, RuleKind.FORBIDDEN_ZONE).get().is_open


def test_speeding_over_three_points_raises(client, muck_truck):
    fixes = [(30 * i, LON0 + i * 500 * M_LON, LAT0, 20.0) for i in range(3)]  # 72 km/h
    assert post(client, position_pack(*fixes), MUCK_TOKEN).json()["alarms_raised"] == 1
    alarm = alarms_of(muck_truck, RuleKind.SPEEDING).get()
    assert alarm.last_value == pytest.approx(72)


def test_a_badge_away_from_its_grid_in_working_hours_raises(client, badge):
    # Ten minutes 300 m east of grid Alpha-1/001 (its east edge is 121.51), Monday morning.
    fixes = [(60 * i, 121.51 + 300 * M_LON, LAT0, None) for i in range(11)]
    assert post(client, position_pack(*fixes), BADGE_TOKEN).json()["alarms_raised"] == 1
    alarm = alarms_of(badge, RuleKind.OUT_OF_GRID).get()
    assert alarm.last_value == pytest.approx(300, abs=5)
    assert alarm.area_path == badge.area_path


def test_a_buffered_pack_with_a_detour_inside_raises_and_clears_it(
    client, muck_truck, approved_route
):
    """A terminal out of coverage flushes its buffer: the detour in the middle still counts."""
    on = [(30 * i, LON0 + (100 * i - 400) * M_LON, LAT0, 8.0) for i in range(3)]
    off = [(90 + 30 * i, LON0 + (100 * i - 100) * M_LON, LAT0 + 200 * M_LAT, 8.0) for i in range(3)]
    back = [(180 + 30 * i, LON0 + (100 * i + 200) * M_LON, LAT0, 8.0) for i in range(3)]
    body = position_pack(*on, *off, *back)
    answer = post(client, body, MUCK_TOKEN).json()
    assert (answer["alarms_raised"], answer["alarms_cleared"]) == (1, 1)
    alarm = alarms_of(muck_truck, RuleKind.OFF_ROUTE).get()
    assert alarm.status == AlarmStatus.CLEARED
    assert alarm.started_at.timestamp() == T0_S + 90

    again = post(client, body, MUCK_TOKEN).json()  # the same pack redelivered
    assert (again["alarms_raised"], again["alarms_cleared"]) == (0, 0)
    assert alarms_of(muck_truck, RuleKind.OFF_ROUTE).count() == 1
