"""Fixtures for tracking: a sweeper, a muck truck and a badge in the small city (Alpha street,
grids of 0.01 degrees from 121.50 E, 29.85 N), and helpers to send positions."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from areas.models import UnitGrid
from iot.tracking import services
from iot.tracking.models import VehicleKind

# Monday 2026-11-23 10:00 Beijing time (02:00 UTC): a working morning.
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
T0_S = T0.timestamp()
SWEEPER_TOKEN = "sweeper-token-0001-abcdefgh"
MUCK_TOKEN = "muck-token-0001-abcdefghijk"
BADGE_TOKEN = "badge-token-0001-abcdefghij"
# One metre in degrees near 29.85 N (east-west, north-south), close enough for test layouts.
M_LON = 1 / 96_600
M_LAT = 1 / 110_850


@pytest.fixture
def alpha_grid(small_city) -> UnitGrid:
    return UnitGrid.objects.get(code="330203001001001")  # lon 121.50-121.51, lat 29.86-29.87


@pytest.fixture
def sweeper(small_city):
    vehicle, _ = services.vehicle_create(
        plate="浙B-S0001",
        kind=VehicleKind.SANITATION,
        company="Alpha Sanitation Co.",
        area=small_city.alpha,
        token=SWEEPER_TOKEN,
    )
    return vehicle


@pytest.fixture
def muck_truck(small_city):
    vehicle, _ = services.vehicle_create(
        plate="浙B-M0001",
        kind=VehicleKind.MUCK,
        company="Muck Haulage Co.",
        area=small_city.alpha,
        token=MUCK_TOKEN,
    )
    return vehicle


@pytest.fixture
def badge(alpha_grid):
    made, _ = services.badge_create(
        number="HW-0001", name="Worker Wang", grids=[alpha_grid], token=BADGE_TOKEN
    )
    return made


def position_pack(*fixes: tuple[float, float, float, float | None]) -> bytes:
    """SenML for (seconds after T0, lon, lat, speed m/s or None) fixes."""
    records = []
    for seconds, lon, lat, speed in fixes:
        t = T0_S + seconds
        records += [
            {"n": "lat", "u": "lat", "v": lat, "t": t},
            {"n": "lon", "u": "lon", "v": lon, "t": t},
        ]
        if speed is not None:
            records.append({"n": "speed", "u": "m/s", "v": speed, "t": t})
    return json.dumps(records).encode()
