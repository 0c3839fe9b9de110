"""The one map's layers (一张图): what a viewport holds, scoped to the user, small enough to draw.

Each layer answers for a bounding box and a zoom. Zoomed out, points are aggregated on the
server into square cells (聚合): a GROUP BY over the cell a point falls in, so a city's open
cases or its year of cases reach the browser as a few hundred counts, never as millions of
points; zoomed in (or when few points remain) the points themselves come back with what a
popup needs. Every layer reads through the same scope as its list pages (cases: the API's
visibility, devices: area scope, vehicles: their service area).

Coordinates are stored in WGS-84. With GCJ-02 tiles (高德/腾讯, ``MAP_TILE_CRS = "gcj02"``)
the page asks for ``crs=gcj02`` and every coordinate is shifted on the way out, so overlays sit
on the tiles' streets; the box it sends is converted back to WGS-84 before querying.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import shapely
import shapely.geometry
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Floor
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.ops import polylabel

from areas.geometry import geojson_in
from areas.models import AdminArea
from cases import sla
from cases.api_selectors import LIT_CASE_STATUSES, filter_by_category, visible_cases
from cases.models import Task
from cases.states import OPEN_CASE_STATUSES, OPEN_TASK_STATUSES, CaseStatus
from catalog.models import Category
from core import coords
from core.errors import NotFound, ValidationFailed
from iot.models import OPEN_ALARM_STATUSES, Alarm
from iot.selectors import device_list, sensing_scope
from iot.tracking.models import VehicleKind
from org.selectors import scope

# Cells are a quarter of a 256-pixel tile wide: about 64 px on screen at any zoom.
CELLS_PER_TILE = 4
# From this zoom (a few streets on a screen) single points are drawn, if not too many.
POINTS_FROM_ZOOM = 15
# More points than this in the box are aggregated whatever the zoom (a browser draws a few
# thousand markers smoothly; the cap keeps one answer small).
MAX_POINTS = 2000
# An area's label point is found to within 1/50 of its size (polylabel's precision).
LABEL_TOLERANCE_DIVISOR = 50
MIN_ZOOM, MAX_ZOOM = 0, 22
HEAT_WORK_MEM = "32MB"
# The time slider (时间范围): today, the last 7 or 30 days, or every open case.
RANGES = ("today", "7d", "30d", "all")


@dataclass(frozen=True)
class Box:
    """A viewport in WGS-84 degrees: west, south, east, north."""

    west: float
    south: float
    east: float
    north: float

    @classmethod
    def parse(cls, text: str | None, *, crs: str = coords.WGS84) -> Box:
        """``w,s,e,n`` as Leaflet's ``getBounds().toBBoxString()`` writes it, in ``crs``."""
        parts = (text or "").split(",")
        try:
            west, south, east, north = (float(p) for p in parts)
        except ValueError:
            raise ValidationFailed(
                _("bbox must be four numbers west,south,east,north; got %(text)r.")
                % {"text": text or ""},
                details={"field": "bbox"},
            ) from None
        if not all(math.isfinite(v) for v in (west, south, east, north)) or not (
            -180 <= west < east <= 180 and -90 <= south < north <= 90
        ):
            raise ValidationFailed(
                _(
                    "bbox must have west < east within -180..180 and south < north within "
                    "-90..90; got %(text)s."
                )
                % {"text": text},
                details={"field": "bbox"},
            )
        if crs != coords.WGS84:
            (west, east), (south, north) = coords.to_wgs84_many([west, east], [south, north], crs)
            west, east, south, north = float(west), float(east), float(south), float(north)
        return cls(west, south, east, north)

    def contains(self, lon: float | None, lat: float | None) -> bool:
        return (
            lon is not None
            and lat is not None
            and self.west <= lon <= self.east
            and self.south <= lat <= self.north
        )

    def q(self, prefix: str = "") -> Q:
        return Q(
            **{
                f"{prefix}lon__gte": self.west,
                f"{prefix}lon__lte": self.east,
                f"{prefix}lat__gte": self.south,
                f"{prefix}lat__lte": self.north,
            }
        )


def parse_zoom(zoom: int | None) -> int:
    if zoom is None or not MIN_ZOOM <= zoom <= MAX_ZOOM:
        raise ValidationFailed(
            _("zoom must be a whole number from %(low)s to %(high)s.")
            % {"low": MIN_ZOOM, "high": MAX_ZOOM},
            details={"field": "zoom"},
        )
    return zoom


def parse_crs(crs: str | None) -> str:
    try:
        return coords.normalize_crs(crs or coords.WGS84)
    except ValueError as exc:
        raise ValidationFailed(str(exc), details={"field": "crs"}) from None


def since_of(range_: str | None, now: datetime) -> datetime | None:
    """The start of a time-slider range (local midnight for today); None for every open case."""
    range_ = range_ or "all"
    if range_ not in RANGES:
        raise ValidationFailed(
            _("range must be one of %(ranges)s.") % {"ranges": ", ".join(RANGES)},
            details={"field": "range"},
        )
    if range_ == "all":
        return None
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight - timedelta(days={"today": 0, "7d": 6, "30d": 29}[range_])


# However large the box for its zoom, at most this many cells across it: one answer stays small.
MAX_CELLS_ACROSS = 128


def cell_size(zoom: int, box: Box | None = None) -> float:
    """The side of an aggregation cell in degrees at ``zoom`` (~64 screen pixels), never so
    small that ``box`` holds more than MAX_CELLS_ACROSS cells across."""
    size = 360.0 / (2**zoom) / CELLS_PER_TILE
    if box is not None:
        size = max(size, (box.east - box.west) / MAX_CELLS_ACROSS,
                   (box.north - box.south) / MAX_CELLS_ACROSS)  # fmt: skip
    return size


def _out(lon: float, lat: float, crs: str) -> tuple[float, float]:
    if crs == coords.WGS84:
        return round(lon, 6), round(lat, 6)
    x, y = coords.from_wgs84(lon, lat, crs)
    return round(x, 6), round(y, 6)


def _bins(qs, size: float, counts: dict, crs: str) -> list[dict]:
    """``qs`` grouped by cells of ``size`` degrees: each cell's point count, the mean position
    of its points (so a cluster sits where its points are, not at a cell corner) and
    ``counts`` (name -> aggregate) per cell."""
    rows = (
        qs.annotate(
            cx=Cast(Floor(F("lon") / size), IntegerField()),
            cy=Cast(Floor(F("lat") / size), IntegerField()),
        )
        .values("cx", "cy")
        .annotate(n=Count("*"), sx=Sum("lon"), sy=Sum("lat"), **counts)
        .order_by("cx", "cy")
    )
    out = []
    for row in rows:
        lon, lat = _out(row["sx"] / row["n"], row["sy"] / row["n"], crs)
        cell = {"lon": lon, "lat": lat, "n": row["n"]}
        cell.update({name: row[name] or 0 for name in counts})
        out.append(cell)
    return out


def _cells(qs, size: float, counts: dict, crs: str) -> dict:
    cells = _bins(qs, size, counts, crs)
    return {"mode": "cells", "cell": size, "cells": cells, "points": []}


# --- cases -----------------------------------------------------------------------------------


def light_expression(now: datetime):
    """The case's light in SQL, as the map shows it (案件红黄绿灯).

    Red: an open task with a running clock past its stored working-time deadline (or paused
    after it), the same test as ``sla.progress > 1``. Yellow: a task the SLA scanner has
    warned (``warned_at``, set when 80 % of the allowed time is used). Green: any other case
    whose clock runs (dispatched or suspended). Blank: not dispatched yet (no clock).
    Computed in SQL so a viewport of thousands of cases needs no working-time calls; the
    workbench's per-case light (``cases.api_selectors.case_light``) agrees except for the few
    minutes between a task turning yellow and the scanner's next pass, and between a deadline
    that ends a working window and the next working minute (red here: the deadline has
    passed; yellow there: no working time was used beyond it yet).
    """
    clocked = Task.objects.filter(case=OuterRef("pk"), status__in=OPEN_TASK_STATUSES)
    late = clocked.filter(
        Q(paused_at__isnull=True, deadline_at__lt=now) | Q(paused_at__gt=F("deadline_at"))
    )
    warned = clocked.filter(warned_at__isnull=False)
    return Case(
        When(Q(status__in=LIT_CASE_STATUSES) & Exists(late), then=Value(sla.Light.RED.value)),
        When(Q(status__in=LIT_CASE_STATUSES) & Exists(warned), then=Value(sla.Light.YELLOW.value)),
        When(status__in=LIT_CASE_STATUSES, then=Value(sla.Light.GREEN.value)),
        default=Value(""),
        output_field=CharField(),
    )


def _cases(user, box: Box, *, since, category, kind, open_only: bool):
    qs = visible_cases(user).filter(box.q())
    if open_only:  # a list of statuses, not NOT IN: the (status, area_path) index serves it
        qs = qs.filter(status__in=OPEN_CASE_STATUSES)
    if since is not None:
        qs = qs.filter(reported_at__gte=since)
    if category:
        # By id, resolved first: a join to the catalogue would keep PostgreSQL from reading the
        # month's cases from the covering index alone (3.7 s instead of 0.2 s at 2.6 M).
        ids = filter_by_category(Category.objects.all(), code=category, kind=kind, field="")
        qs = qs.filter(category_id__in=list(ids.values_list("pk", flat=True)))
    return qs


def _too_many(qs, zoom: int) -> bool:
    return zoom < POINTS_FROM_ZOOM or qs.order_by()[MAX_POINTS : MAX_POINTS + 1].exists()


def cases_layer(
    user,
    box: Box,
    zoom: int,
    *,
    since: datetime | None = None,
    category: str = "",
    kind: str | None = None,
    crs: str = coords.WGS84,
    now: datetime | None = None,
) -> dict:
    """Open cases (未结案件) in the box by light: cells with counts per light when zoomed out
    or crowded, otherwise each case with its number, category, status and light."""
    now = now or timezone.now()
    qs = _cases(user, box, since=since, category=category, kind=kind, open_only=True)
    qs = qs.annotate(light=light_expression(now))
    if _too_many(qs, zoom):
        counts = {
            light: Count("pk", filter=Q(light=light))
            for light in (sla.Light.RED, sla.Light.YELLOW, sla.Light.GREEN)
        }
        return _cells(qs, cell_size(zoom, box), counts, crs)
    rows = qs.order_by("-reported_at").values(
        "number",
        "lon",
        "lat",
        "status",
        "light",
        "priority",
        "address",
        "reported_at",
        "category__code",
        "category__name",
    )
    statuses = dict(CaseStatus.choices)
    points = []
    for row in rows:
        lon, lat = _out(row["lon"], row["lat"], crs)
        points.append(
            {
                "number": row["number"],
                "lon": lon,
                "lat": lat,
                "status": row["status"],
                "status_label": str(statuses.get(row["status"], row["status"])),
                "light": row["light"],
                "urgent": row["priority"] == "urgent",
                "category": row["category__code"] or "",
                "category_name": row["category__name"] or "",
                "address": row["address"],
                "reported_at": timezone.localtime(row["reported_at"]).isoformat(),
            }
        )
    return {"mode": "points", "cell": None, "cells": [], "points": points}


def heat_layer(
    user,
    box: Box,
    zoom: int,
    *,
    since: datetime,
    category: str = "",
    kind: str | None = None,
    crs: str = coords.WGS84,
) -> dict:
    """Every case reported since ``since`` (open or not) counted per cell: the heat map of
    where problems arise (高发区域), by category and time range. Cells are half the cases
    layer's size so the heat has some grain."""
    qs = _cases(user, box, since=since, category=category, kind=kind, open_only=False)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Room to group a month of points in memory (hash) rather than sort them on disk.
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL work_mem = '{HEAT_WORK_MEM}'")
        size = cell_size(min(zoom + 1, MAX_ZOOM), box)
        cells = _bins(qs, size, {}, crs)
    return {
        "cell": size,
        "cells": cells,
        "max": max((c["n"] for c in cells), default=0),
    }


# --- devices ---------------------------------------------------------------------------------


def devices_layer(user, box: Box, zoom: int, *, crs: str = coords.WGS84) -> dict:
    """Sensors in the box with their state: alarm (an open alarm), offline, online."""
    alarming = Alarm.objects.filter(device=OuterRef("pk"), status__in=OPEN_ALARM_STATUSES)
    qs = (
        device_list(user=user)
        .filter(box.q(), is_active=True)
        .annotate(alarm=Exists(alarming))
        .annotate(
            state=Case(
                When(alarm=True, then=Value("alarm")),
                When(is_online=False, then=Value("offline")),
                default=Value("online"),
                output_field=CharField(),
            )
        )
    )
    if _too_many(qs, zoom):
        counts = {
            state: Count("pk", filter=Q(state=state)) for state in ("alarm", "offline", "online")
        }
        return _cells(qs, cell_size(zoom, box), counts, crs)
    points = []
    for device in qs.order_by("code"):
        lon, lat = _out(device.lon, device.lat, crs)
        points.append(
            {
                "id": device.pk,
                "code": device.code,
                "name": device.name,
                "type": device.device_type.name,
                "lon": lon,
                "lat": lat,
                "state": device.state,
                "battery": device.battery,
            }
        )
    return {"mode": "points", "cell": None, "cells": [], "points": points}


# --- components (部件) ------------------------------------------------------------------------

# How the map colours a registered component: faulty (破损, 丢失) or standing (完好).
COMPONENT_FAULTY = ("damaged", "lost")


def components_layer(
    user, box: Box, zoom: int, *, category: str = "", crs: str = coords.WGS84
) -> dict:
    """Registered components (部件台账) in the box, of one 部件 category or all, faulty or
    intact; removed and abandoned ones are not on the map. Scoped like the register page."""
    from components import selectors as components
    from components.models import GONE, ComponentState

    qs = components.visible(user).filter(box.q()).exclude(state__in=GONE)
    if category:  # a 5-digit 部件 subclass or a 2-digit major class
        qs = filter_by_category(qs, code=category, kind=None)
    if _too_many(qs, zoom):
        counts = {
            "faulty": Count("pk", filter=Q(state__in=COMPONENT_FAULTY)),
            "intact": Count("pk", filter=Q(state=ComponentState.INTACT)),
        }
        return _cells(qs, cell_size(zoom, box), counts, crs)
    points = []
    for c in qs.select_related("category").order_by("code")[:MAX_POINTS]:
        lon, lat = _out(c.lon, c.lat, crs)
        points.append(
            {
                "code": c.code,
                "name": c.name,
                "category": f"{c.category.code} {c.category.name}",
                "state": c.state,
                "state_label": c.get_state_display(),
                "faulty": c.state in COMPONENT_FAULTY,
                "lon": lon,
                "lat": lat,
            }
        )
    return {"mode": "points", "cell": None, "cells": [], "points": points}


# --- vehicles and worker badges --------------------------------------------------------------

# A tracker that sent a position this recently is "online" on the map (在线).
TRACKER_ONLINE_MINUTES = 10
# The trail behind a tracker on the map (轨迹): its last positions, thinned to this many.
TRAIL_MINUTES = 30
TRAIL_POINTS = 120


def _last_position() -> dict:
    """The newest fix of a vehicle's or badge's tracker, as annotations."""
    from iot.tracking.selectors import last_fix

    return {f"last_{f}": last_fix(f) for f in ("ts", "lon", "lat", "speed")}


def trackers_layer(user, box: Box, *, crs: str = coords.WGS84, now: datetime | None = None):
    """Vehicles (环卫车, 渣土车 ...) and worker badges (环卫工牌) at their last position inside
    the box, online when it is recent, with their open alarm count."""
    from iot.models import Vehicle, WorkerBadge

    now = now or timezone.now()
    recent = now - timedelta(minutes=TRACKER_ONLINE_MINUTES)
    alarming = Alarm.objects.filter(device=OuterRef("device_id"), status__in=OPEN_ALARM_STATUSES)
    kinds = dict(VehicleKind.choices)
    sources = (
        # (kind, the rows, their department column, ordering, label, detail)
        ("vehicle", Vehicle, "department_id", "plate", lambda v: v.plate,
         lambda v: f"{kinds.get(v.kind, v.kind)} · {v.company}".strip(" ·")),
        ("badge", WorkerBadge, None, "number", lambda b: b.name or b.number, lambda b: b.number),
    )  # fmt: skip
    points = []
    for kind, model, department_field, order, label, detail in sources:
        rows = (
            sensing_scope(
                model.objects.filter(is_active=True), user, department_field=department_field
            )
            .annotate(**_last_position(), alarm=Exists(alarming))
            .filter(last_ts__isnull=False)
            .order_by(order)
        )
        for row in rows:
            if not box.contains(row.last_lon, row.last_lat):
                continue
            lon, lat = _out(row.last_lon, row.last_lat, crs)
            points.append(
                {
                    "kind": kind,
                    "id": row.pk,
                    "device": row.device_id,
                    "label": label(row),
                    "detail": detail(row),
                    "lon": lon,
                    "lat": lat,
                    "online": row.last_ts >= recent,
                    "alarm": row.alarm,
                    "speed": row.last_speed,
                    "seen_at": timezone.localtime(row.last_ts).isoformat(),
                }
            )
    return {"points": points, "online_minutes": TRACKER_ONLINE_MINUTES}


def trail(user, device_id: int, *, crs: str = coords.WGS84, now: datetime | None = None):
    """The last ``TRAIL_MINUTES`` of a vehicle's or badge's positions (NotFound outside scope)."""
    from iot.models import TrackPoint, Vehicle, WorkerBadge

    vehicles = Vehicle.objects.filter(device_id=device_id)
    badges = WorkerBadge.objects.filter(device_id=device_id)
    visible = (
        sensing_scope(vehicles, user, department_field="department_id").exists()
        or sensing_scope(badges, user, department_field=None).exists()
    )
    if not visible:
        raise NotFound(_("No vehicle or badge %(id)s that you may see.") % {"id": device_id})
    now = now or timezone.now()
    rows = list(
        TrackPoint.objects.filter(
            tracker=device_id, ts__gte=now - timedelta(minutes=TRAIL_MINUTES), ts__lte=now
        )
        .order_by("ts")
        .values_list("lon", "lat")
    )
    step = max(1, math.ceil(len(rows) / TRAIL_POINTS))
    thinned = rows[::step]
    if rows and thinned[-1] != rows[-1]:
        thinned.append(rows[-1])
    return {"device": device_id, "minutes": TRAIL_MINUTES,
            "line": [list(_out(lon, lat, crs)) for lon, lat in thinned]}  # fmt: skip


# --- areas in the index colours --------------------------------------------------------------


def areas_layer(user, level: str, *, crs: str = coords.WGS84) -> dict:
    """The outlines of one tier the user may see, each with its city sign index (体征指数:
    score, band, colour) "now": as the latest computed hour ended (its 24 hours, as the
    cockpit shows it), or the latest day where no hour is newer; so the map paints areas
    蓝绿黄橙红. Areas not computed carry no colour and are drawn as plain outlines."""
    from areas.selectors import areas_geojson
    from signs.models import Level, SignValue
    from signs.selectors import current_hour, current_tree, latest_day

    collection = areas_geojson(user, level=level)
    tree = current_tree()
    now = current_hour(tree) if tree is not None else None
    day, hour = now if now else (latest_day(tree) if tree is not None else None, None)
    values = {}
    paths = dict(
        AdminArea.objects.filter(
            pk__in=[f["properties"]["id"] for f in collection["features"]]
        ).values_list("pk", "path")
    )
    if day is not None:
        for v in SignValue.objects.filter(
            tree=tree,
            day=day,
            hour=hour,
            node__level=Level.INDEX,
            area_path__in=list(paths.values()),
        ).values("area_path", "pk", "score", "band", "colour"):
            values[v["area_path"]] = v
    for feature in collection["features"]:
        props = feature["properties"]
        v = values.get(paths.get(props["id"]))
        props["index"] = (
            {"value": v["pk"], "score": v["score"], "band": v["band"], "colour": v["colour"]}
            if v
            else None
        )
        if crs != coords.WGS84:
            feature["geometry"] = shift_geometry(feature["geometry"], crs)
        props["label_at"] = label_point(feature["geometry"])
    until = None
    if hour is not None:
        from signs.models import hour_end

        until = hour_end(day, hour).isoformat()
    return {**collection, "day": day.isoformat() if day else None, "hour": hour, "until": until}


def label_point(geometry: dict | None) -> list[float] | None:
    """Where an area's name is written: the point of its largest piece farthest from the edge
    (inside even a crescent-shaped street, where the middle of the bounds may be outside)."""
    if not geometry:
        return None
    parts = [p for p in shapely.get_parts(shapely.geometry.shape(geometry)) if not p.is_empty]
    if not parts:
        return None
    largest = max(parts, key=lambda part: part.area)
    tolerance = max(math.sqrt(largest.area) / LABEL_TOLERANCE_DIVISOR, 1e-7)
    point = polylabel(largest, tolerance=tolerance)
    return [round(point.x, 6), round(point.y, 6)]


def shift_geometry(geometry: dict | None, crs: str) -> dict | None:
    """A GeoJSON geometry with every position moved from WGS-84 to ``crs``."""
    return geojson_in(geometry, crs)


# --- geofences and sweeping coverage ---------------------------------------------------------


def fences_layer(user, *, crs: str = coords.WGS84) -> dict:
    """The active geofences (电子围栏: no-go zones, disposal sites ...) for staff: they are
    city-wide rules for vehicles, not data of an area."""
    from cases.permissions import role_of
    from iot.tracking.models import Geofence
    from iot.tracking.selectors import fences_geojson

    if role_of(user) is None and not user.is_superuser:
        return {"type": "FeatureCollection", "features": []}
    collection = fences_geojson(list(Geofence.objects.filter(is_active=True).order_by("name")))
    if crs != coords.WGS84:
        for feature in collection["features"]:
            feature["geometry"] = shift_geometry(feature["geometry"], crs)
    return collection


def coverage_layer(user, *, day=None, crs: str = coords.WGS84) -> dict:
    """The road segments of the user's area with the share swept on ``day`` (清扫覆盖率; the
    latest computed day when not given)."""
    from iot.tracking.models import CoverageDay
    from iot.tracking.selectors import coverage_of_day

    if day is None:
        latest = scope(CoverageDay.objects.all(), user, path_field="segment__area_path")
        day = latest.order_by("-date").values_list("date", flat=True).first()
    features = []
    if day is not None:
        for row in coverage_of_day(user=user, day=day):
            geometry = row.segment.geometry
            features.append(
                {
                    "type": "Feature",
                    "geometry": shift_geometry(geometry, crs) if crs != coords.WGS84 else geometry,
                    "properties": {
                        "code": row.segment.code,
                        "name": row.segment.name,
                        "share": round(row.covered_share, 3),
                        "length_m": round(row.segment.length_m),
                    },
                }
            )
    return {
        "type": "FeatureCollection",
        "features": features,
        "day": day.isoformat() if day else None,
    }
