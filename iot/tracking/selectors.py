"""Tracking reads: vehicles in a user's scope, a day's track, the fences that bind a vehicle."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, OuterRef, QuerySet, Subquery

from areas.geometry import round_coords
from iot.models import OPEN_ALARM_STATUSES, Alarm
from iot.selectors import sensing_scope
from iot.tracking.coverage import day_bounds
from iot.tracking.models import CoverageDay, Geofence, TrackPoint, Vehicle
from org.selectors import scope

MAX_TRACK_POINTS = 20_000  # one terminal every 5 s for a day is 17,280


def last_fix(field: str, *, tracker: str = "device_id") -> Subquery:
    """The ``field`` (ts, lon, lat, speed ...) of the newest position of the tracker named by
    the outer row's ``tracker`` column, for an annotation."""
    newest = TrackPoint.objects.filter(tracker=OuterRef(tracker)).order_by("-ts")
    return Subquery(newest.values(field)[:1])


def vehicle_list(*, user, kind: str | None = None) -> QuerySet[Vehicle]:
    """Vehicles whose service area the user may see, with their last position time and open
    alarm count."""
    open_alarms = (
        Alarm.objects.filter(device=OuterRef("device_id"), status__in=OPEN_ALARM_STATUSES)
        .values("device")
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = (
        Vehicle.objects.select_related("device", "area")
        .defer("area__boundary")
        .annotate(
            last_ts=last_fix("ts"),
            open_alarms=Subquery(open_alarms[:1]),
        )
    )
    if kind:
        qs = qs.filter(kind=kind)
    return sensing_scope(qs, user, department_field="department_id").order_by("plate")


def last_track_day(vehicle: Vehicle) -> date | None:
    ts = (
        TrackPoint.objects.filter(tracker=vehicle.device_id)
        .order_by("-ts")
        .values_list("ts", flat=True)
        .first()
    )
    return ts.astimezone(ZoneInfo(settings.TIME_ZONE)).date() if ts else None


def track_of_day(
    vehicle: Vehicle, day: date
) -> list[tuple[datetime, float, float, float | None, float | None]]:
    """(ts, lon, lat, speed, heading) of a local day, oldest first."""
    start, end = day_bounds(day, ZoneInfo(settings.TIME_ZONE))
    return list(
        TrackPoint.objects.filter(tracker=vehicle.device_id, ts__gte=start, ts__lt=end)
        .order_by("ts")
        .values_list("ts", "lon", "lat", "speed", "heading")[:MAX_TRACK_POINTS]
    )


def fences_for(vehicle: Vehicle) -> list[Geofence]:
    return [f for f in Geofence.objects.filter(is_active=True) if f.applies_to(vehicle)]


def fences_geojson(fences: list[Geofence]) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": round_coords(f.geometry),
                "properties": {
                    "name": f.name,
                    "kind": f.kind,
                    "buffer_m": f.buffer_m,
                    "hours": f"{f.active_from:%H:%M}-{f.active_until:%H:%M}"
                    if f.active_from and f.active_until
                    else "",
                },
            }
            for f in fences
        ],
    }


def coverage_of_day(*, user, day: date) -> QuerySet[CoverageDay]:
    qs = CoverageDay.objects.filter(date=day).select_related("segment")
    return scope(qs, user, path_field="segment__area_path").order_by("covered_share")
