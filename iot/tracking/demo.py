"""Demo tracking data 演示数据: vehicles, badges, geofences and road segments laid over whatever
city is seeded (areas and grids from the database), plus the track generators the live
simulator uses, and yesterday's tracks sent through the real telemetry pipeline (so the
playback page, the alarm list and the coverage table have something to show at once).

Deterministic for a seed: the same city and seed give the same rows, tokens and tracks.
``seed_tracking`` does nothing when demo vehicles exist already.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from areas.models import AdminArea, AreaLevel, UnitGrid
from iot.models import Channel
from iot.tracking import services
from iot.tracking.coverage import compute_coverage
from iot.tracking.models import GeofenceKind, Vehicle, VehicleKind, WorkerBadge

DEMO_PLATE_PREFIX = "浙B-D"
SEGMENT_M = 400.0  # road segments of about this length
METRES_PER_DEG_LAT = 110_850.0
SWEEP_KMH, MUCK_KMH = 8.0, 30.0
VEHICLE_EVERY_S, BADGE_EVERY_S = 30, 60
PACK_POINTS = 20  # positions per SenML pack, as a terminal flushing its buffer
SWEEPERS_PER_STREET, STREETS_USED = 2, 3
ROW_BAND_DEG = 0.0025  # about 280 m north-south: grids whose centroids fall in one band form a row


def demo_token(seed: int, code: str) -> str:
    """A stable token per seed and tracker (demo data: published in the credentials file)."""
    return "demo-" + hashlib.sha256(f"cityops-demo:{seed}:{code}".encode()).hexdigest()[:24]


def _m_lon(lat: float) -> float:
    return 1 / (METRES_PER_DEG_LAT * math.cos(math.radians(lat)))


# --- track generators (shared with the live simulator) ------------------------------------


@dataclass(frozen=True)
class Fix:
    ts: datetime
    lon: float
    lat: float
    speed_ms: float
    heading: float


def along(
    coords: list[tuple[float, float]],
    *,
    start: datetime,
    kmh: float,
    every_s: int,
    rng: random.Random,
    jitter_m: float = 3.0,
    offset_m: tuple[float, float] = (0.0, 0.0),
) -> Iterator[Fix]:
    """Fixes every ``every_s`` seconds driving along ``coords`` (lon, lat) at ``kmh``, with GPS
    jitter; ``offset_m`` shifts the whole drive (east, north) metres (a deviation)."""
    speed = kmh / 3.6
    step = speed * every_s
    t = start
    for (lon1, lat1), (lon2, lat2) in zip(coords, coords[1:], strict=False):
        mx, my = _m_lon(lat1), 1 / METRES_PER_DEG_LAT
        dx, dy = (lon2 - lon1) / mx, (lat2 - lat1) / my
        length = math.hypot(dx, dy)
        heading = math.degrees(math.atan2(dx, dy)) % 360
        n = max(int(length // step), 1)
        for i in range(n):
            f = i / n
            jx, jy = rng.gauss(0, jitter_m), rng.gauss(0, jitter_m)
            yield Fix(
                ts=t,
                lon=lon1 + (dx * f + jx + offset_m[0]) * mx,
                lat=lat1 + (dy * f + jy + offset_m[1]) * my,
                speed_ms=max(speed + rng.gauss(0, speed * 0.1), 0.0),
                heading=heading,
            )
            t += timedelta(seconds=every_s)


def loiter(
    center: tuple[float, float],
    *,
    start: datetime,
    minutes: int,
    every_s: int,
    rng: random.Random,
    radius_m: float,
) -> Iterator[Fix]:
    """A walker (badge) wandering within ``radius_m`` of ``center``."""
    lon0, lat0 = center
    for i in range(minutes * 60 // every_s):
        angle, r = rng.uniform(0, 2 * math.pi), radius_m * math.sqrt(rng.random())
        yield Fix(
            ts=start + timedelta(seconds=i * every_s),
            lon=lon0 + r * math.cos(angle) * _m_lon(lat0),
            lat=lat0 + r * math.sin(angle) / METRES_PER_DEG_LAT,
            speed_ms=rng.uniform(0, 1.2),
            heading=math.degrees(angle) % 360,
        )


def senml_pack(fixes: list[Fix], *, with_motion: bool = True) -> bytes:
    records: list[dict] = []
    for fix in fixes:
        t = round(fix.ts.timestamp(), 3)
        records += [
            {"n": "lat", "u": "lat", "v": round(fix.lat, 7), "t": t},
            {"n": "lon", "u": "lon", "v": round(fix.lon, 7), "t": t},
        ]
        if with_motion:
            records += [
                {"n": "speed", "u": "m/s", "v": round(fix.speed_ms, 2), "t": t},
                {"n": "heading", "u": "deg", "v": round(fix.heading, 1), "t": t},
            ]
    return json.dumps(records).encode()


# --- layout over the seeded city ----------------------------------------------------------


@dataclass
class TrackingSeed:
    vehicles: int = 0
    badges: int = 0
    geofences: int = 0
    segments: int = 0
    positions: int = 0
    alarms: int = 0
    trackers: list[dict] = field(default_factory=list)  # {"device", "token", "kind", "plate"}


def _rows(grids: list[UnitGrid]) -> list[tuple[float, float, float]]:
    """East-west lines through each row of grids: (lat, west lon, east lon). Grids are rowed by
    ROW_BAND_DEG bands of their centroids: irregular grids (the demo city's) never share a
    latitude exactly, and one-grid "rows" would make roads of a few hundred metres."""
    rows: dict[int, list[UnitGrid]] = {}
    for grid in grids:
        rows.setdefault(round(grid.centroid_lat / ROW_BAND_DEG), []).append(grid)
    return [
        (
            round(sum(g.centroid_lat for g in row) / len(row), 7),
            min(g.min_lon for g in row),
            max(g.max_lon for g in row),
        )
        for _band, row in sorted(rows.items(), reverse=True)
    ]


def _pieces(lat: float, west: float, east: float) -> list[list[tuple[float, float]]]:
    metres = (east - west) / _m_lon(lat)
    n = max(round(metres / SEGMENT_M), 1)
    step = (east - west) / n
    return [[(west + i * step, lat), (west + (i + 1) * step, lat)] for i in range(n)]


def seed_tracking(
    *, seed: int, now: datetime | None = None, street_names: Sequence[str] = ()
) -> TrackingSeed:
    """Vehicles, badges, fences and road segments over the seeded city, and yesterday's tracks
    (sent through the telemetry pipeline), then yesterday's coverage. The fleet works the
    streets named in ``street_names`` where they exist, else the first streets by code."""
    report = TrackingSeed()
    if Vehicle.objects.filter(plate__startswith=DEMO_PLATE_PREFIX).exists():
        return report
    rng = random.Random(seed)
    all_streets = AdminArea.objects.filter(level=AreaLevel.STREET).order_by("code")
    named = {s.name: s for s in all_streets.filter(name__in=street_names)}
    streets = [named[name] for name in street_names if name in named]
    streets = streets or list(all_streets[:STREETS_USED])
    street_grids = {
        s.pk: list(
            UnitGrid.objects.filter(path__startswith=s.path, is_active=True).order_by("code")
        )
        for s in streets
    }
    streets = [s for s in streets if street_grids[s.pk]]
    if not streets:
        return report
    plan: list[tuple[str, object, list]] = []  # (kind, vehicle or badge, drive spec)
    for n, street in enumerate(streets, start=1):
        # The two longest rows are its main roads (swept), the southernmost the trucks' route.
        rows = _rows(street_grids[street.pk])
        roads = sorted(rows, key=lambda row: row[1] - row[2])[:2]
        for r, (lat, west, east) in enumerate(roads):
            for k, piece in enumerate(_pieces(lat, west, east)):
                services.road_segment_create(
                    code=f"{street.code}-r{r + 1}-{k + 1:02d}",
                    name=f"{street.name} {r + 1}号路",
                    geometry={"type": "LineString", "coordinates": [list(c) for c in piece]},
                    street=street,
                )
                report.segments += 1
        for s in range(SWEEPERS_PER_STREET):
            plate = f"{DEMO_PLATE_PREFIX}S{n}{s + 1}"
            vehicle, token = services.vehicle_create(
                plate=plate,
                kind=VehicleKind.SANITATION,
                company=f"{street.name}环卫所",
                name=f"{street.name}清扫车{s + 1}",
                area=street,
                token=demo_token(seed, plate),
            )
            plan.append(("sweeper", vehicle, roads[s % len(roads)]))
            report.trackers.append(
                {"device": vehicle.device.code, "token": token, "kind": "sweeper", "plate": plate}
            )
        plate = f"{DEMO_PLATE_PREFIX}M{n}"
        truck, token = services.vehicle_create(
            plate=plate,
            kind=VehicleKind.MUCK,
            company="甬城渣土运输有限公司",
            name=f"渣土车{n}",
            area=street,
            token=demo_token(seed, plate),
        )
        lat, west, east = rows[-1]
        services.geofence_create(
            name=f"核准路线 {plate}",
            kind=GeofenceKind.APPROVED_ROUTE,
            geometry={"type": "LineString", "coordinates": [[west, lat], [east, lat]]},
            buffer_m=50,
            vehicle_kinds=[VehicleKind.MUCK],
        )
        report.geofences += 1
        plan.append(("muck", truck, rows[-1]))
        report.trackers.append(
            {"device": truck.device.code, "token": token, "kind": "muck", "plate": plate}
        )
        for b, grid in enumerate(street_grids[street.pk][:2]):
            number = f"D{n}{b + 1:02d}"
            badge, token = services.badge_create(
                number=number,
                name=f"{street.name}保洁员{b + 1}",
                grids=[grid],
                token=demo_token(seed, number),
            )
            plan.append(("badge", badge, grid))
            report.trackers.append(
                {"device": badge.device.code, "token": token, "kind": "badge", "plate": number}
            )
    # A school block in the first street: no muck trucks by day.
    school = street_grids[streets[0].pk][-1]
    services.geofence_create(
        name=f"学校周边禁行区 {school.code}",
        kind=GeofenceKind.FORBIDDEN_ZONE,
        geometry=school.polygon,
        buffer_m=0,
        vehicle_kinds=[VehicleKind.MUCK],
        active_from=time(7, 0),
        active_until=time(19, 0),
    )
    report.geofences += 1
    report.vehicles = Vehicle.objects.filter(plate__startswith=DEMO_PLATE_PREFIX).count()
    report.badges = WorkerBadge.objects.filter(number__startswith="D").count()
    _yesterday(plan, school, rng=rng, now=now or timezone.now(), report=report)
    return report


def _yesterday(
    plan, school: UnitGrid, *, rng: random.Random, now: datetime, report: TrackingSeed
) -> None:
    from iot.ingest.batch import Message, write_batch

    tz = ZoneInfo(settings.TIME_ZONE)
    day = now.astimezone(tz).date() - timedelta(days=1)
    morning = datetime.combine(day, time(8, 0), tzinfo=tz).astimezone(UTC)
    messages: list[Message] = []
    for i, (kind, owner, spec) in enumerate(plan):
        if kind == "badge":
            center = (spec.centroid_lon, spec.centroid_lat)
            fixes = list(
                loiter(
                    center, start=morning, minutes=150, every_s=BADGE_EVERY_S, rng=rng, radius_m=150
                )
            )
            if owner.number.endswith(
                "01"
            ):  # the first of each street wanders off for a quarter of an hour (离岗)
                away = (spec.max_lon + 400 * _m_lon(spec.centroid_lat), spec.centroid_lat)
                fixes += list(
                    loiter(
                        away,
                        start=fixes[-1].ts + timedelta(minutes=1),
                        minutes=15,
                        every_s=BADGE_EVERY_S,
                        rng=rng,
                        radius_m=30,
                    )
                )
            with_motion = False
        elif kind == "sweeper":
            lat, west, east = spec
            fixes = list(
                along(
                    [(west, lat), (east, lat)],
                    start=morning,
                    kmh=SWEEP_KMH,
                    every_s=VEHICLE_EVERY_S,
                    rng=rng,
                )
            )
            fixes = fixes[
                : int(len(fixes) * rng.uniform(0.4, 1.0))
            ]  # some stop early: coverage < 100 %
            with_motion = True
        else:
            lat, west, east = spec
            start = morning + timedelta(hours=1)
            on_route = list(
                along(
                    [(west, lat), (east, lat)],
                    start=start,
                    kmh=MUCK_KMH,
                    every_s=VEHICLE_EVERY_S,
                    rng=rng,
                )
            )
            third = len(on_route) // 3
            # A detour 200 m north for the middle third: an off-route alarm (偏离路线).
            detour = list(
                along(
                    [(west, lat), (east, lat)],
                    start=start,
                    kmh=MUCK_KMH,
                    every_s=VEHICLE_EVERY_S,
                    rng=rng,
                    offset_m=(0, 200),
                )
            )
            fixes = on_route[:third] + detour[third : 2 * third] + on_route[2 * third :]
            if i == 2:  # the first street's truck cuts through the school block at 10:30
                through = [
                    (school.min_lon, school.centroid_lat),
                    (school.max_lon, school.centroid_lat),
                ]
                fixes += list(
                    along(
                        through,
                        start=fixes[-1].ts + timedelta(minutes=5),
                        kmh=20,
                        every_s=VEHICLE_EVERY_S,
                        rng=rng,
                    )
                )
            with_motion = True
        for k in range(0, len(fixes), PACK_POINTS):
            chunk = fixes[k : k + PACK_POINTS]
            messages.append(
                Message(
                    channel=Channel.HTTP,
                    payload=senml_pack(chunk, with_motion=with_motion),
                    received_at=chunk[-1].ts,
                    device=owner.device,
                    device_code=owner.device.code,
                )
            )
        report.positions += len(fixes)
    # In time order, as the terminals would have sent them, so alarms rise and clear in turn.
    messages.sort(key=lambda m: m.received_at)
    for message in messages:
        result = write_batch([message], now=message.received_at)
        report.alarms += result.alarms_raised
    compute_coverage(day=day, now=now)
