"""The demo city's vehicles and worker badges 车辆与人员定位 (iot.tracking.demo lays them out).

``seed`` runs ``iot.tracking.demo.seed_tracking`` over the freshly built city (sweepers, muck
trucks, badges, approved routes, a school zone, road segments, yesterday's tracks through the
telemetry pipeline, yesterday's coverage). ``load_trackers`` reads them back with what the
simulator and the credentials file need: the seed's token (only when it still matches the
stored digest: a rotated token is never published), the route or home grid. ``reset`` removes
what ``seed`` made, for ``seed_demo --reset``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from areas.models import UnitGrid
from demo.names import CITY_CODE, SANITATION_STREETS
from iot.models import Device
from iot.tracking.demo import DEMO_PLATE_PREFIX, TrackingSeed, demo_token, seed_tracking
from iot.tracking.models import (
    Geofence,
    GeofenceKind,
    RoadSegment,
    Vehicle,
    VehicleKind,
    WorkerBadge,
)
from org.services import token_digest

CITY_PATH = f"/{CITY_CODE}/"
SWEEPER, MUCK, BADGE = "sweeper", "muck", "badge"
KINDS = (SWEEPER, MUCK, BADGE)
BADGE_PREFIX = "D"  # badge numbers D101, D102 ... (iot.tracking.demo)
# Names and codes as iot.tracking.demo gives them: how reset tells its rows from an operator's.
ROUTE_FENCE = "核准路线 "  # + plate
ROUTE_FENCE_PREFIX = f"{ROUTE_FENCE}{DEMO_PLATE_PREFIX}"
SCHOOL_FENCE_PREFIX = "学校周边禁行区 "
SEGMENT_CODE = re.compile(r"^\d{9}-r(\d+)-\d{2}$")
LISTED_PER_KIND = 2  # trackers per kind published in the credentials file
BADGE_RADIUS_M = 60.0  # a worker walks about this far from the middle of the home grid
METRES_PER_DEG_LAT = 110_850.0
METRICS_WITH_MOTION = ["lat", "lon", "speed", "heading"]


@dataclass(frozen=True)
class DemoTracker:
    """One demo tracker as the simulator drives it and the credentials file lists it."""

    code: str  # the tracker's device id (VH-..., WB-...)
    token: str
    kind: str  # SWEEPER, MUCK or BADGE
    label: str  # plate number or badge number
    name: str
    route: tuple[tuple[float, float], ...]  # (lon, lat): a vehicle's road; a badge's home point
    radius_m: float = 0.0  # badges: how far the worker wanders from home
    away: tuple[float, float] | None = None  # badges: a point outside the home grids

    @property
    def home(self) -> tuple[float, float]:
        return self.route[0]


def seed(*, seed: int, now: datetime | None = None) -> TrackingSeed:
    return seed_tracking(seed=seed, now=now, street_names=SANITATION_STREETS)


def _rows_by_street() -> dict[int, list[tuple[tuple[float, float], ...]]]:
    """Each street's swept roads (the demo segments of one row joined west to east)."""
    pieces: dict[tuple[int, int], list[RoadSegment]] = {}
    for segment in RoadSegment.objects.filter(area_path__startswith=CITY_PATH).order_by("code"):
        found = SEGMENT_CODE.match(segment.code)
        if found and segment.street_id:
            pieces.setdefault((segment.street_id, int(found.group(1))), []).append(segment)
    rows: dict[int, list[tuple[tuple[float, float], ...]]] = {}
    for (street_id, _row), segments in sorted(pieces.items()):
        coords = [tuple(segments[0].geometry["coordinates"][0])]
        coords += [tuple(s.geometry["coordinates"][-1]) for s in segments]
        rows.setdefault(street_id, []).append(tuple(coords))
    return rows


def _routes() -> dict[str, tuple[tuple[float, float], ...]]:
    """Approved route (LineString) by plate."""
    fences = Geofence.objects.filter(
        kind=GeofenceKind.APPROVED_ROUTE, name__startswith=ROUTE_FENCE_PREFIX, is_active=True
    )
    return {
        fence.name.removeprefix(ROUTE_FENCE): tuple(tuple(c) for c in fence.geometry["coordinates"])
        for fence in fences
        if fence.geometry.get("type") == "LineString"
    }


def _token(seed: int, label: str, device: Device) -> str | None:
    token = demo_token(seed, label)
    return token if device.token_digest == token_digest(token) else None


def load_trackers(seed: int) -> list[DemoTracker]:
    """The demo's vehicles and badges that still hold the seed's token, in plate/number order.

    Sweepers of a street take its swept roads in turn; a muck truck drives its approved route;
    a badge stays near the middle of its first home grid (``away`` is east of that grid, where
    a wandering worker is out of bounds 离岗).
    """
    trackers: list[DemoTracker] = []
    rows, routes = _rows_by_street(), _routes()
    taken: dict[int, int] = {}
    vehicles = Vehicle.objects.filter(
        plate__startswith=DEMO_PLATE_PREFIX, area_path__startswith=CITY_PATH, is_active=True
    ).select_related("device")
    for vehicle in vehicles.order_by("plate"):
        token = _token(seed, vehicle.plate, vehicle.device)
        if token is None:
            continue
        if vehicle.kind == VehicleKind.MUCK:
            kind, route = MUCK, routes.get(vehicle.plate)
        else:
            street_rows = rows.get(vehicle.area_id) or []
            n = taken.get(vehicle.area_id, 0)
            taken[vehicle.area_id] = n + 1
            kind, route = SWEEPER, street_rows[n % len(street_rows)] if street_rows else None
        if route:
            trackers.append(
                DemoTracker(vehicle.device.code, token, kind, vehicle.plate, vehicle.name, route)
            )
    badges = WorkerBadge.objects.filter(
        number__startswith=BADGE_PREFIX, area_path__startswith=CITY_PATH, is_active=True
    ).select_related("device")
    for badge in badges.prefetch_related("grids").order_by("number"):
        token = _token(seed, badge.number, badge.device)
        grids = sorted(badge.grids.all(), key=lambda g: g.code)
        if token is None or not grids:
            continue
        grid = grids[0]
        # Within the grid: a third of its smaller side, at most BADGE_RADIUS_M.
        height_m = (grid.max_lat - grid.min_lat) * METRES_PER_DEG_LAT
        radius = min(BADGE_RADIUS_M, height_m / 3)
        away_lon = grid.max_lon + (grid.max_lon - grid.min_lon)  # one grid width east
        trackers.append(
            DemoTracker(
                badge.device.code,
                token,
                BADGE,
                badge.number,
                badge.name,
                ((grid.centroid_lon, grid.centroid_lat),),
                radius_m=radius,
                away=(away_lon, grid.centroid_lat),
            )
        )
    return trackers


def listed_trackers(seed: int) -> list[dict]:
    """A few trackers of each kind for the credentials file: id, kind, plate or badge number,
    name, token, metrics and a position to send in the example."""
    shown: dict[str, int] = {}
    listed = []
    for tracker in load_trackers(seed):
        if shown.get(tracker.kind, 0) >= LISTED_PER_KIND:
            continue
        shown[tracker.kind] = shown.get(tracker.kind, 0) + 1
        listed.append(
            {
                "id": tracker.code,
                "kind": tracker.kind,
                ("badge" if tracker.kind == BADGE else "plate"): tracker.label,
                "name": tracker.name,
                "token": tracker.token,
                "metrics": ["lat", "lon"] if tracker.kind == BADGE else METRICS_WITH_MOTION,
                "position": [round(tracker.home[0], 6), round(tracker.home[1], 6)],
            }
        )
    return listed


def counts() -> dict[str, int]:
    return {
        "vehicles": Vehicle.objects.filter(area_path__startswith=CITY_PATH).count(),
        "badges": WorkerBadge.objects.filter(area_path__startswith=CITY_PATH).count(),
    }


def reset() -> dict[str, int]:
    """Delete the demo's vehicles, badges, their trackers (track points, alarms with them),
    the demo routes and school zone, and the demo road segments (coverage with them)."""
    vehicles = Vehicle.objects.filter(
        plate__startswith=DEMO_PLATE_PREFIX, area_path__startswith=CITY_PATH
    )
    badges = WorkerBadge.objects.filter(
        number__startswith=BADGE_PREFIX, area_path__startswith=CITY_PATH
    )
    device_ids = [*vehicles.values_list("device_id", flat=True)]
    device_ids += badges.values_list("device_id", flat=True)
    grid_codes = set(
        UnitGrid.objects.filter(path__startswith=CITY_PATH).values_list("code", flat=True)
    )
    schools = [
        fence.pk
        for fence in Geofence.objects.filter(name__startswith=SCHOOL_FENCE_PREFIX)
        if fence.name.removeprefix(SCHOOL_FENCE_PREFIX) in grid_codes
    ]
    segments = [
        pk
        for pk, code in RoadSegment.objects.filter(area_path__startswith=CITY_PATH).values_list(
            "pk", "code"
        )
        if SEGMENT_CODE.match(code)
    ]
    deleted: dict[str, int] = {}

    def gone(name: str, queryset) -> None:
        _total, per_model = queryset.delete()
        deleted[name] = per_model.get(queryset.model._meta.label, 0)

    gone("vehicles", vehicles)
    gone("worker badges", badges)
    # Vehicle/WorkerBadge.device is PROTECT: the trackers go once their owners are gone.
    gone("trackers", Device.objects.filter(pk__in=device_ids))
    gone(
        "geofences",
        Geofence.objects.filter(Q(name__startswith=ROUTE_FENCE_PREFIX) | Q(pk__in=schools)),
    )
    gone("road segments", RoadSegment.objects.filter(pk__in=segments))
    return deleted
