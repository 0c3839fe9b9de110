"""Track rules 轨迹规则: pure functions over a recent stretch of one tracker's track.

No Django, no database. Each rule looks at the points of a window (oldest first, metres in a
local ``geo.Frame``) and answers for the *latest* point with a ``Verdict``:

* ``BREACH``: the condition holds now and has held long enough (``count`` consecutive points
  *and* ``duration`` seconds, like iot.rules' threshold windows): raise or keep the alarm;
  ``since`` is when this stretch began (telemetry time), ``value`` its worst measure.
* ``CLEAR``: the condition has been false for the last ``clear_count`` points: clear.
* ``HOLD``: in between (a breach building up, or a clear not yet confirmed): change nothing.

Evaluating the window afresh at every batch needs no per-rule memory, and a redelivered or
late point gives the same answer (the window comes from the stored, de-duplicated track).

The rules (thresholds come from iot.AlarmRule rows, see iot.tracking.device_types):
``speeding`` (speed above a limit), ``off_route`` (outside every approved route that is active
at that time), ``forbidden_zone`` (inside an active forbidden zone), ``dwell`` (staying within a
radius for too long, 停车超时/滞留) and ``out_of_grid`` (a badge away from its home grids during
working windows, 离岗/越界).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

SECONDS_PER_DAY = 86_400
KMH_PER_MS = 3.6


class Status(enum.Enum):
    BREACH = "breach"
    CLEAR = "clear"
    HOLD = "hold"


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    since: float | None = None  # BREACH: Unix seconds the breaching stretch began
    value: float = 0.0  # BREACH: the stretch's worst measure (km/h, metres, minutes)


HOLD = Verdict(Status.HOLD)
CLEAR = Verdict(Status.CLEAR)


@dataclass(frozen=True)
class Track:
    """Points of one tracker, oldest first: Unix seconds, metres, km/h (nan = not sent), and
    the local time of day in seconds (for fences with active hours)."""

    ts: NDArray[np.float64]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    speed: NDArray[np.float64]
    tod: NDArray[np.float64]

    @classmethod
    def build(cls, ts, x, y, speed=None, *, tz: ZoneInfo | None = None) -> Track:
        ts = np.asarray(ts, dtype=float)
        order = np.argsort(ts, kind="stable")
        x, y = np.asarray(x, dtype=float)[order], np.asarray(y, dtype=float)[order]
        ts = ts[order]
        speed = (
            np.full(ts.shape, np.nan)
            if speed is None
            else np.asarray([np.nan if s is None else s for s in speed], dtype=float)[order]
        )
        return cls(ts=ts, x=x, y=y, speed=speed, tod=time_of_day(ts, tz or ZoneInfo("UTC")))

    def __len__(self) -> int:
        return int(self.ts.size)

    def points(self) -> NDArray[np.object_]:
        return shapely.points(self.x, self.y)

    def speeds(self) -> NDArray[np.float64]:
        """Sent speeds; where none was sent, the speed implied by the previous point."""
        speed = self.speed.copy()
        missing = np.isnan(speed)
        if missing.any() and len(self) > 1:
            dt = np.diff(self.ts)
            dist = np.hypot(np.diff(self.x), np.diff(self.y))
            implied = np.concatenate(
                [[np.nan], np.where(dt > 0, dist / np.maximum(dt, 1e-9) * KMH_PER_MS, np.nan)]
            )
            speed[missing] = implied[missing]
        return speed


@dataclass(frozen=True)
class Fence:
    """A fence as an area in the track's metres, active between two local times of day
    (seconds after midnight; ``start > end`` wraps midnight; None = always)."""

    area: BaseGeometry
    start: float | None = None
    end: float | None = None

    def active(self, tod: NDArray[np.float64]) -> NDArray[np.bool_]:
        if self.start is None or self.end is None:
            return np.ones(tod.shape, dtype=bool)
        if self.start <= self.end:
            return (tod >= self.start) & (tod < self.end)
        return (tod >= self.start) | (tod < self.end)


def time_of_day(ts: NDArray[np.float64], tz: ZoneInfo) -> NDArray[np.float64]:
    """Local seconds after midnight of each Unix time (DST-safe: per-point offsets)."""
    if not ts.size:
        return ts.copy()
    offsets = np.array(
        [datetime.fromtimestamp(t, tz=UTC).astimezone(tz).utcoffset().total_seconds() for t in ts]
    )
    return np.mod(ts + offsets, SECONDS_PER_DAY)


def sustained(
    flags: NDArray[np.bool_],
    ts: NDArray[np.float64],
    values: NDArray[np.float64],
    *,
    count: int = 1,
    duration: float = 0.0,
    clear_count: int = 1,
) -> Verdict:
    """The verdict of per-point breach ``flags`` at the last point (module docstring)."""
    n = int(flags.size)
    if n == 0:
        return HOLD
    last = bool(flags[-1])
    # Index where the trailing run of equal flags begins.
    changes = np.flatnonzero(flags != last)
    start = int(changes[-1]) + 1 if changes.size else 0
    run = n - start
    if not last:
        if run < clear_count:
            return HOLD
        latest = float(values[-1])
        return Verdict(Status.CLEAR, value=latest if np.isfinite(latest) else 0.0)
    if run >= count and ts[-1] - ts[start] >= duration:
        return Verdict(
            Status.BREACH, since=float(ts[start]), value=float(np.nanmax(values[start:]))
        )
    return HOLD


def speeding_flags(track: Track, *, limit_kmh: float) -> tuple[NDArray, NDArray]:
    speed = track.speeds()
    return np.nan_to_num(speed, nan=0.0) > limit_kmh, speed


def off_route_flags(track: Track, routes: Sequence[Fence]) -> tuple[NDArray, NDArray]:
    """Per point: outside every approved route active at that time, and metres off.

    A point at a time when no route applies is not off route: the permit says nothing then.
    """
    nearest = np.full(len(track), np.inf)
    if len(track) and routes:
        points = track.points()
        for route in routes:
            distance = shapely.distance(route.area, points)
            nearest = np.where(route.active(track.tod), np.minimum(nearest, distance), nearest)
    flags = np.isfinite(nearest) & (nearest > 0)
    return flags, np.where(np.isfinite(nearest), nearest, 0.0)


def forbidden_flags(track: Track, zones: Sequence[Fence]) -> tuple[NDArray, NDArray]:
    """Per point: inside a forbidden zone active at that time, and metres inside (deepest)."""
    depth = np.zeros(len(track))
    flags = np.zeros(len(track), dtype=bool)
    if len(track) and zones:
        points = track.points()
        for zone in zones:
            inside = zone.active(track.tod) & shapely.contains_xy(zone.area, track.x, track.y)
            if inside.any():
                to_edge = shapely.distance(zone.area.boundary, points)
                depth = np.where(inside, np.maximum(depth, to_edge), depth)
            flags |= inside
    return flags, depth


def out_of_grid_flags(
    track: Track, home: BaseGeometry, working: NDArray[np.bool_], *, tolerance_m: float
) -> tuple[NDArray, NDArray]:
    """Per point: more than ``tolerance_m`` away from the home grids during working windows
    (off-duty points count as back to normal), and metres away."""
    distance = shapely.distance(home, track.points()) if len(track) else np.zeros(0)
    return working & (distance > tolerance_m), distance


def speeding(
    track: Track, *, limit_kmh: float, count: int = 1, duration: float = 0.0, clear_count: int = 1
) -> Verdict:
    """Speed above ``limit_kmh`` (value: the top speed, km/h)."""
    flags, values = speeding_flags(track, limit_kmh=limit_kmh)
    return sustained(
        flags, track.ts, values, count=count, duration=duration, clear_count=clear_count
    )


def off_route(
    track: Track,
    routes: Sequence[Fence],
    *,
    count: int = 1,
    duration: float = 0.0,
    clear_count: int = 1,
) -> Verdict:
    """Outside every approved route active at that time (value: metres off, at worst)."""
    flags, values = off_route_flags(track, routes)
    return sustained(
        flags, track.ts, values, count=count, duration=duration, clear_count=clear_count
    )


def forbidden_zone(
    track: Track,
    zones: Sequence[Fence],
    *,
    count: int = 1,
    duration: float = 0.0,
    clear_count: int = 1,
) -> Verdict:
    """Inside a forbidden zone active at that time (value: metres inside, at deepest)."""
    flags, values = forbidden_flags(track, zones)
    return sustained(
        flags, track.ts, values, count=count, duration=duration, clear_count=clear_count
    )


def dwell(track: Track, *, radius_m: float, min_seconds: float, end: int | None = None) -> Verdict:
    """Staying within ``radius_m`` of the position at ``end`` (default: the latest point) for
    ``min_seconds`` or more (value: minutes). Moving on clears at once: the latest point itself
    starts a new stay."""
    if not len(track):
        return HOLD
    end = len(track) - 1 if end is None else end
    x, y, ts = track.x[: end + 1], track.y[: end + 1], track.ts[: end + 1]
    away = np.hypot(x - x[-1], y - y[-1]) > radius_m
    outside = np.flatnonzero(away)
    start = int(outside[-1]) + 1 if outside.size else 0
    stayed = float(ts[-1] - ts[start])
    if stayed >= min_seconds:
        return Verdict(Status.BREACH, since=float(ts[start]), value=stayed / 60)
    return Verdict(Status.CLEAR, value=stayed / 60)


def verdicts_from(
    flags: NDArray[np.bool_],
    ts: NDArray[np.float64],
    values: NDArray[np.float64],
    *,
    first: int,
    count: int = 1,
    duration: float = 0.0,
    clear_count: int = 1,
) -> list[tuple[int, Verdict]]:
    """The verdict at every point from index ``first`` on (the points new in this batch), so a
    terminal flushing a buffered stretch raises and clears what happened inside it."""
    return [
        (
            end,
            sustained(
                flags[: end + 1],
                ts[: end + 1],
                values[: end + 1],
                count=count,
                duration=duration,
                clear_count=clear_count,
            ),
        )
        for end in range(max(first, 0), int(flags.size))
    ]


def changes(verdicts: list[tuple[int, Verdict]]) -> list[tuple[int, Verdict]]:
    """The last verdict of each run of equal (non-HOLD) statuses: what moves an alarm, in
    order (a raise, then a clear, then a raise again ...)."""
    out: list[tuple[int, Verdict]] = []
    for index, verdict in verdicts:
        if verdict.status is Status.HOLD:
            continue
        if out and out[-1][1].status is verdict.status:
            out[-1] = (index, verdict)
        else:
            out.append((index, verdict))
    return out


def working_mask(ts: NDArray[np.float64], calendar, tz: ZoneInfo) -> NDArray[np.bool_]:
    """Whether each Unix time falls inside a working window of its local date.

    ``calendar`` is a core.workcalendar.WorkingCalendar (``windows_on(date)`` -> microsecond
    windows after local midnight; empty on holidays and weekends, set on 调休 make-up days).
    """
    out = np.zeros(ts.shape, dtype=bool)
    for i, t in enumerate(ts):
        local = datetime.fromtimestamp(float(t), tz=UTC).astimezone(tz)
        offset = (local.hour * 3600 + local.minute * 60 + local.second) * 1_000_000
        out[i] = any(start <= offset < end for start, end in calendar.windows_on(local.date()))
    return out


def out_of_grid(
    track: Track,
    home: BaseGeometry,
    working: NDArray[np.bool_],
    *,
    tolerance_m: float = 0.0,
    count: int = 1,
    duration: float = 0.0,
    clear_count: int = 1,
) -> Verdict:
    """A badge more than ``tolerance_m`` outside its home grids during working windows (value:
    metres away, at farthest). Off-duty points count as back to normal."""
    flags, values = out_of_grid_flags(track, home, working, tolerance_m=tolerance_m)
    return sustained(
        flags, track.ts, values, count=count, duration=duration, clear_count=clear_count
    )
