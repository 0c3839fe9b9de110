"""Positions in the telemetry pipeline 定位上报: SenML records -> TrackPoint rows -> track rules.

The batch writer (iot.ingest.batch) hands every resolved record of a *tracker* (a device type
declaring ``lat`` and ``lon``) to ``take_positions`` first: the ``lat``/``lon``/``speed``/
``heading`` records sharing one time become one Position; other records (battery ...) stay
readings. Inside the batch's transaction ``store_positions`` inserts the points (ON CONFLICT DO
NOTHING on (tracker, ts): redelivery stores nothing twice) and evaluates the track rules of the
trackers that moved (iot.tracking.evaluate). HTTP and MQTT therefore behave alike.

A pack is refused as a whole (dead letter + 422 over HTTP) when a position is incomplete or
impossible: a latitude without its longitude at the same time, a value that is not a number,
a coordinate off the globe, a negative speed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from iot.ingest.sql import ReadingRow
from iot.models import Device, DeviceType, TrackPoint

LAT, LON, SPEED, HEADING = "lat", "lon", "speed", "heading"
POSITION_METRICS = frozenset({LAT, LON, SPEED, HEADING})
KMH_PER_MS = 3.6
INSERT_BATCH = 1000


@dataclass(frozen=True, slots=True)
class Position:
    device_id: int
    ts: datetime
    lon: float
    lat: float
    speed: float | None  # km/h
    heading: float | None  # degrees clockwise from north, [0, 360)


def is_tracker(device_type: DeviceType) -> bool:
    units = device_type.metric_units()
    return LAT in units and LON in units


def take_positions(
    rows: Sequence[ReadingRow], *, device: Device
) -> tuple[list[ReadingRow], list[Position], str]:
    """Split a message's readings into (other readings, positions, "") or ([], [], reason)."""
    by_time: dict[datetime, dict[str, ReadingRow]] = {}
    rest: list[ReadingRow] = []
    for row in rows:
        if row.metric in POSITION_METRICS:
            by_time.setdefault(row.ts, {})[row.metric] = row
        else:
            rest.append(row)
    positions = []
    for ts, parts in sorted(by_time.items()):
        where = f"position at {ts.isoformat()}"
        values: dict[str, float] = {}
        for metric, row in parts.items():
            if row.value is None:
                return [], [], f"{where}: {metric!r} must be a number ('v')"
            values[metric] = row.value
        if LAT not in values or LON not in values:
            missing = LON if LAT in values else LAT
            return [], [], f"{where}: {missing!r} is missing (a position needs lat and lon)"
        lat, lon = values[LAT], values[LON]
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return [], [], f"{where}: ({lon:g}, {lat:g}) is not a WGS-84 longitude/latitude"
        speed = values.get(SPEED)
        if speed is not None and speed < 0:
            return [], [], f"{where}: speed {speed:g} m/s is negative"
        heading = values.get(HEADING)
        positions.append(
            Position(
                device_id=device.pk,
                ts=ts,
                lon=lon,
                lat=lat,
                speed=speed * KMH_PER_MS if speed is not None else None,
                heading=math.fmod(heading, 360.0) % 360.0 if heading is not None else None,
            )
        )
    return rest, positions, ""


def _fresh(positions: Sequence[Position]) -> list[Position]:
    """The positions not stored yet, after locking their trackers' device rows.

    Only new points are judged: a redelivered pack (MQTT after a lost acknowledgement) must not
    replay a past deviation as a second alarm. The lock serialises two consumers that got the
    same tracker's messages, so both never see the same point as new.
    """
    ids = sorted({p.device_id for p in positions})
    list(Device.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
    stored = set(
        TrackPoint.objects.filter(
            tracker_id__in=ids,
            ts__gte=min(p.ts for p in positions),
            ts__lte=max(p.ts for p in positions),
        ).values_list("tracker_id", "ts")
    )
    fresh = []
    for p in positions:
        key = (p.device_id, p.ts)
        if key not in stored:
            stored.add(key)  # the same fix twice in one batch counts once
            fresh.append(p)
    return fresh


@dataclass
class StoreResult:
    positions: int = 0
    rules_evaluated: int = 0
    alarms_raised: int = 0
    alarms_cleared: int = 0


def store_positions(
    positions: Sequence[Position], *, devices: dict[int, Device], now: datetime
) -> StoreResult:
    """Insert the points and move the trackers' track alarms; runs inside the batch's
    transaction (the caller's ``transaction.atomic``)."""
    from iot import alarms
    from iot.tracking.evaluate import evaluate_trackers

    result = StoreResult(positions=len(positions))
    fresh = _fresh(positions)
    TrackPoint.objects.bulk_create(
        [
            TrackPoint(
                tracker_id=p.device_id,
                ts=p.ts,
                lon=p.lon,
                lat=p.lat,
                speed=p.speed,
                heading=p.heading,
            )
            for p in fresh
        ],
        batch_size=INSERT_BATCH,
        ignore_conflicts=True,
    )
    positions = fresh
    if not positions:
        return result
    oldest: dict[int, datetime] = {}
    for p in positions:
        if p.device_id not in oldest or p.ts < oldest[p.device_id]:
            oldest[p.device_id] = p.ts
    hits, evaluated = evaluate_trackers({pk: devices[pk] for pk in oldest}, oldest=oldest, now=now)
    result.rules_evaluated = evaluated
    if hits:
        result.alarms_raised, result.alarms_cleared = alarms.apply_rule_hits(hits, now=now)
    return result
