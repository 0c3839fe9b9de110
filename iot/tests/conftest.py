"""Fixtures for the sensing tests: the seeded device types (migration 0002), devices placed in
the small city, and a helper that sends SenML through the batch writer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from areas.models import UnitGrid
from iot import services
from iot.ingest.batch import Message, write_batch
from iot.models import AlarmRule, Channel, DeviceType

# Telemetry time of the tests: Monday 2026-11-23 09:00 Asia/Shanghai (01:00 UTC).
T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
T0_S = T0.timestamp()
DEVICE_TOKEN = "manhole-token-0001-abcdefgh"


@pytest.fixture
def grid(small_city) -> UnitGrid:
    return UnitGrid.objects.get(code="330203001001001")  # Alpha-1, street Alpha, district East


@pytest.fixture
def manhole_type() -> DeviceType:
    return DeviceType.objects.get(code="manhole_cover")


@pytest.fixture
def manhole(grid, manhole_type):
    device, _ = services.device_create(
        code="MH-0001",
        name="Manhole at Alpha road 1",
        device_type=manhole_type,
        lon=grid.centroid_lon,
        lat=grid.centroid_lat,
        address="Alpha road 1",
        token=DEVICE_TOKEN,
    )
    return device


@pytest.fixture
def displaced_rule(manhole_type) -> AlarmRule:
    return AlarmRule.objects.get(device_type=manhole_type, key="displaced")


def pack(*records: dict, bn: str = "", bt: float | None = None) -> bytes:
    head = {}
    if bn:
        head["bn"] = bn
    if bt is not None:
        head["bt"] = bt
    body = [dict(records[0], **head), *records[1:]] if records else [head]
    return json.dumps(body).encode()


def send(device_code: str, payload: bytes, *, at: datetime = T0, channel: str = Channel.MQTT):
    """One MQTT-like message through the batch writer (the consumer's path minus the broker)."""
    message = Message(
        channel=channel,
        payload=payload,
        received_at=at,
        device_code=device_code,
        topic=f"cityops/telemetry/{device_code}",
    )
    return write_batch([message], now=at)


def tilt(device_code: str, *values_at: tuple[float, float], at: datetime | None = None):
    """Send tilt readings (seconds after T0, degrees) in one pack, received with the last one."""
    records = [{"n": "tilt", "u": "deg", "v": v, "t": T0_S + s} for s, v in values_at]
    at = at or T0 + timedelta(seconds=max(s for s, _ in values_at))
    return send(device_code, json.dumps(records).encode(), at=at)
