"""Run the track rules of trackers that sent positions, and say which alarms move.

For each tracker: its active Vehicle or WorkerBadge, its effective track rules (iot.AlarmRule of
its device type, replaced per device as usual), the stored window of recent points, and for
vehicles the geofences that apply to its kind and company. Each rule's verdicts at the *new*
points (rules.changes: raise, clear, raise again ... inside a buffered stretch) become
``iot.ingest.batch.RuleHit`` rows (BREACH -> raise/update, CLEAR -> clear) for
``iot.alarms.apply_rule_hits``: one open alarm per (tracker, rule), as for every sensor.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import shapely
from django.conf import settings
from django.db.models import Q
from shapely.geometry import shape

from iot.ingest.batch import RuleHit
from iot.models import AlarmRule, Device, Geofence, GeofenceKind, RuleKind, TrackPoint
from iot.rules import Outcome
from iot.tracking import rules
from iot.tracking.geo import Frame, fence_area, parse_fence
from iot.tracking.models import Vehicle, WorkerBadge

TRACK_KINDS = (
    RuleKind.SPEEDING,
    RuleKind.OFF_ROUTE,
    RuleKind.FORBIDDEN_ZONE,
    RuleKind.DWELL,
    RuleKind.OUT_OF_GRID,
)
VEHICLE_KINDS = frozenset(TRACK_KINDS) - {RuleKind.OUT_OF_GRID}
BADGE_KINDS = frozenset({RuleKind.SPEEDING, RuleKind.DWELL, RuleKind.OUT_OF_GRID})
UNITS = {
    RuleKind.SPEEDING: "km/h",
    RuleKind.OFF_ROUTE: "m",
    RuleKind.FORBIDDEN_ZONE: "m",
    RuleKind.DWELL: "min",
    RuleKind.OUT_OF_GRID: "m",
}
# Points older than the longest rule window plus this are not needed for a verdict.
LOOKBACK_MARGIN = timedelta(minutes=15)
MAX_WINDOW_POINTS = 2000


def _dt(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _seconds(t) -> float | None:
    return None if t is None else t.hour * 3600 + t.minute * 60 + t.second


def _track_rules(devices: list[Device]) -> dict[int, list[AlarmRule]]:
    from iot.selectors import effective_rules

    out: dict[int, list[AlarmRule]] = defaultdict(list)
    for kind in TRACK_KINDS:
        for device_id, found in effective_rules(devices, kind=kind).items():
            out[device_id].extend(found)
    return out


def _windows(lookback: dict[int, timedelta], oldest: dict[int, datetime]) -> dict[int, list[tuple]]:
    """Each tracker's stored points from ``lookback`` before its oldest new point on."""
    condition = Q()
    for device_id, span in lookback.items():
        condition |= Q(tracker_id=device_id, ts__gte=oldest[device_id] - span)
    rows = (
        TrackPoint.objects.filter(condition)
        .order_by("tracker_id", "ts")
        .values_list("tracker_id", "ts", "lon", "lat", "speed")
    )
    out: dict[int, list[tuple]] = defaultdict(list)
    for row in rows:
        out[row[0]].append(row[1:])
    return {k: v[-MAX_WINDOW_POINTS:] for k, v in out.items()}


def _fences(vehicle: Vehicle, fences: list[Geofence], frame: Frame, kind: str) -> list[rules.Fence]:
    return [
        rules.Fence(
            area=fence_area(
                parse_fence(f.geometry, buffer_m=f.buffer_m), buffer_m=f.buffer_m, frame=frame
            ),
            start=_seconds(f.active_from),
            end=_seconds(f.active_until),
        )
        for f in fences
        if f.kind == kind and f.applies_to(vehicle)
    ]


def verdicts_of(
    rule: AlarmRule,
    track: rules.Track,
    *,
    first: int,
    vehicle: Vehicle | None,
    badge: WorkerBadge | None,
    fences: list[Geofence],
    frame: Frame,
    tz: ZoneInfo,
) -> list[tuple[int, rules.Verdict]]:
    """The alarm-moving verdicts of one rule on one tracker's window, at the new points from
    index ``first`` on (iot.tracking.device_types explains the rule columns)."""
    if rule.kind == RuleKind.DWELL:
        found = [
            (
                end,
                rules.dwell(
                    track, radius_m=rule.threshold, min_seconds=rule.duration_seconds, end=end
                ),
            )
            for end in range(first, len(track))
        ]
        return rules.changes(found)
    if rule.kind == RuleKind.SPEEDING:
        flags, values = rules.speeding_flags(track, limit_kmh=rule.threshold)
    elif rule.kind == RuleKind.OFF_ROUTE and vehicle is not None:
        routes = _fences(vehicle, fences, frame, GeofenceKind.APPROVED_ROUTE)
        flags, values = rules.off_route_flags(track, routes)
    elif rule.kind == RuleKind.FORBIDDEN_ZONE and vehicle is not None:
        zones = _fences(vehicle, fences, frame, GeofenceKind.FORBIDDEN_ZONE)
        flags, values = rules.forbidden_flags(track, zones)
    elif rule.kind == RuleKind.OUT_OF_GRID and badge is not None:
        grids = [frame.project(shape(g.polygon)) for g in badge.grids.all()]
        if not grids:
            return []  # no home grid: nothing to be out of
        from core.workcalendar import get_calendar

        working = rules.working_mask(track.ts, get_calendar(), tz)
        flags, values = rules.out_of_grid_flags(
            track, shapely.union_all(grids), working, tolerance_m=rule.threshold
        )
    else:
        return []
    found = rules.verdicts_from(
        flags,
        track.ts,
        values,
        first=first,
        count=rule.count,
        duration=rule.duration_seconds,
        clear_count=rule.clear_count,
    )
    return rules.changes(found)


def evaluate_trackers(
    devices: dict[int, Device], *, oldest: dict[int, datetime], now: datetime
) -> tuple[list[RuleHit], int]:
    """Rule hits, in time order, for the trackers in ``devices`` (the oldest of their new
    points in ``oldest``), and the number of verdicts computed. Locks the trackers' device rows so two consumers
    never judge one tracker at once (one answer for "one open alarm per rule")."""
    vehicles = {
        v.device_id: v for v in Vehicle.objects.filter(device_id__in=list(devices), is_active=True)
    }
    badges = {
        b.device_id: b
        for b in WorkerBadge.objects.filter(
            device_id__in=list(devices), is_active=True
        ).prefetch_related("grids")
    }
    tracked = sorted(set(vehicles) | set(badges))
    if not tracked:
        return [], 0
    by_device = _track_rules([devices[pk] for pk in tracked])
    lookback = {
        pk: max(
            (timedelta(seconds=r.duration_seconds) for r in by_device.get(pk, ())),
            default=timedelta(),
        )
        + LOOKBACK_MARGIN
        for pk in tracked
        if by_device.get(pk)
    }
    if not lookback:
        return [], 0
    windows = _windows(lookback, oldest)
    fences = list(Geofence.objects.filter(is_active=True)) if vehicles else []
    tz = ZoneInfo(settings.TIME_ZONE)
    hits: list[RuleHit] = []
    evaluated = 0
    for pk, points in windows.items():
        vehicle, badge = vehicles.get(pk), badges.get(pk)
        allowed = VEHICLE_KINDS if vehicle is not None else BADGE_KINDS
        lons = [p[1] for p in points]
        lats = [p[2] for p in points]
        frame = Frame.around(lons, lats)
        x, y = frame.xy(lons, lats)
        track = rules.Track.build(
            [p[0].timestamp() for p in points], x, y, [p[3] for p in points], tz=tz
        )
        first = next((i for i, p in enumerate(points) if p[0] >= oldest[pk]), len(points))
        for rule in by_device[pk]:
            if rule.kind not in allowed:
                continue
            found = verdicts_of(
                rule,
                track,
                first=first,
                vehicle=vehicle,
                badge=badge,
                fences=fences,
                frame=frame,
                tz=tz,
            )
            evaluated += len(points) - first
            for index, verdict in found:
                breach = verdict.status is rules.Status.BREACH
                hits.append(
                    RuleHit(
                        device=devices[pk],
                        rule=rule,
                        outcome=Outcome.RAISE if breach else Outcome.CLEAR,
                        value=round(verdict.value, 1),
                        ts=points[index][0],
                        started_at=_dt(verdict.since) if verdict.since is not None else None,
                        unit=UNITS[rule.kind],
                    )
                )
    hits.sort(key=lambda h: h.ts)
    return hits, evaluated
