"""Street sweeping coverage 清扫作业覆盖率: the share of each road segment that a sweeper's
track passed within the segment's tolerance on one local day.

Pure part (``covered_lengths``): each segment is cut into pieces of about ``STEP_M`` metres; a
piece counts as swept when its midpoint lies within the tolerance of the day's sweeper track
(consecutive points joined into lines, so a 30 s ping interval at working speed leaves no gaps).
Everything is vectorised with shapely 2: one ``line_interpolate_point`` call for all pieces,
one STRtree ``dwithin`` query against all track pieces. A segment's share is exact to within
one piece (STEP_M / length).

Track pieces join consecutive points of one vehicle only when they are at most ``MAX_GAP_S``
apart and imply a believable speed: a GPS outage or a jump across town must not "sweep" every
street in between.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from iot.tracking.geo import Frame, parse_line
from iot.tracking.models import CoverageDay, RoadSegment, TrackPoint, Vehicle, VehicleKind

logger = logging.getLogger(__name__)

STEP_M = 2.0
MAX_GAP_S = 300.0
MAX_PIECE_KMH = 120.0


def track_pieces(
    ts: NDArray[np.float64], x: NDArray[np.float64], y: NDArray[np.float64]
) -> NDArray[np.object_]:
    """One vehicle's day (oldest first) as line pieces between joinable consecutive points,
    plus the points that join nothing (a lone ping still sweeps around itself)."""
    if ts.size == 0:
        return np.empty(0, dtype=object)
    dt = np.diff(ts)
    dist = np.hypot(np.diff(x), np.diff(y))
    speed = np.where(dt > 0, dist / np.maximum(dt, 1e-9) * 3.6, np.inf)
    join = (dt <= MAX_GAP_S) & (speed <= MAX_PIECE_KMH)
    starts = np.flatnonzero(join)
    coords = np.stack(
        [np.column_stack([x[starts], y[starts]]), np.column_stack([x[starts + 1], y[starts + 1]])],
        axis=1,
    )
    lines = shapely.linestrings(coords) if starts.size else np.empty(0, dtype=object)
    attached = np.zeros(ts.size, dtype=bool)
    attached[starts] = True
    attached[starts + 1] = True
    lone = shapely.points(x[~attached], y[~attached]) if (~attached).any() else []
    return np.concatenate([np.asarray(lines, dtype=object), np.asarray(lone, dtype=object)])


def covered_lengths(
    segments: Sequence[BaseGeometry],
    tolerances: Sequence[float],
    pieces: NDArray[np.object_],
    *,
    step_m: float = STEP_M,
) -> NDArray[np.float64]:
    """Metres of each segment (metric geometries) within its tolerance of any track piece."""
    segments = np.asarray(segments, dtype=object)
    if segments.size == 0:
        return np.zeros(0)
    lengths = shapely.length(segments)
    counts = np.maximum(np.ceil(lengths / step_m).astype(int), 1)
    owner = np.repeat(np.arange(segments.size), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    order_in_segment = np.arange(owner.size) - first
    piece_len = lengths[owner] / counts[owner]
    samples = shapely.line_interpolate_point(segments[owner], (order_in_segment + 0.5) * piece_len)
    covered = np.zeros(owner.size, dtype=bool)
    if len(pieces):
        tol = np.asarray(tolerances, dtype=float)
        tree = shapely.STRtree(pieces)
        sample_idx, piece_idx = tree.query(samples, predicate="dwithin", distance=float(tol.max()))
        if sample_idx.size:
            near = shapely.distance(samples[sample_idx], tree.geometries[piece_idx])
            hit = sample_idx[near <= tol[owner[sample_idx]]]
            covered[hit] = True
    return np.bincount(owner, weights=np.where(covered, piece_len, 0.0), minlength=segments.size)


@dataclass
class CoverageReport:
    day: date
    segments: int = 0
    sweepers: int = 0
    points: int = 0
    mean_share: float = 0.0


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


@transaction.atomic
def compute_coverage(*, day: date, now: datetime | None = None) -> CoverageReport:
    """Recompute CoverageDay rows of ``day`` (local date) for every active segment from the
    sanitation vehicles' track points of that day; running it twice gives the same rows."""
    now = now or timezone.now()
    tz = ZoneInfo(settings.TIME_ZONE)
    report = CoverageReport(day=day)
    segments = list(RoadSegment.objects.filter(is_active=True).order_by("pk"))
    report.segments = len(segments)
    if not segments:
        return report
    shapes = [parse_line(s.geometry) for s in segments]
    bounds = np.array([g.bounds for g in shapes])
    frame = Frame.around(bounds[:, [0, 2]].ravel(), bounds[:, [1, 3]].ravel())
    metric = [frame.project(g) for g in shapes]
    start, end = day_bounds(day, tz)
    sweepers = list(
        Vehicle.objects.filter(kind=VehicleKind.SANITATION).values_list("device_id", flat=True)
    )
    rows = list(
        TrackPoint.objects.filter(tracker_id__in=sweepers, ts__gte=start, ts__lt=end)
        .order_by("tracker_id", "ts")
        .values_list("tracker_id", "ts", "lon", "lat")
    )
    report.points = len(rows)
    pieces: list[NDArray] = []
    point_counts = np.zeros(len(segments), dtype=int)
    if rows:
        tracker = np.array([r[0] for r in rows])
        ts = np.array([r[1].timestamp() for r in rows])
        x, y = frame.xy([r[2] for r in rows], [r[3] for r in rows])
        cuts = np.flatnonzero(np.diff(tracker)) + 1
        for part in np.split(np.arange(tracker.size), cuts):
            pieces.append(track_pieces(ts[part], x[part], y[part]))
        report.sweepers = len(cuts) + 1
        point_counts = _points_near(metric, [s.tolerance_m for s in segments], x, y)
    all_pieces = np.concatenate(pieces) if pieces else np.empty(0, dtype=object)
    covered = covered_lengths(metric, [s.tolerance_m for s in segments], all_pieces)
    lengths = shapely.length(np.asarray(metric, dtype=object))
    shares = np.clip(np.where(lengths > 0, covered / np.maximum(lengths, 1e-9), 0.0), 0.0, 1.0)
    CoverageDay.objects.filter(date=day, segment__in=segments).delete()
    CoverageDay.objects.bulk_create(
        [
            CoverageDay(
                segment=segment,
                date=day,
                covered_share=round(float(share), 4),
                covered_m=round(float(metres), 1),
                track_points=int(n),
                computed_at=now,
            )
            for segment, share, metres, n in zip(
                segments, shares, covered, point_counts, strict=True
            )
        ]
    )
    report.mean_share = float(shares.mean())
    logger.info("coverage %s: %s", day, report)
    return report


def _points_near(
    segments: list[BaseGeometry], tolerances: list[float], x: NDArray, y: NDArray
) -> NDArray[np.int64]:
    """How many sweeper points lie within each segment's tolerance."""
    tree = shapely.STRtree(segments)
    tol = np.asarray(tolerances, dtype=float)
    points = shapely.points(x, y)
    point_idx, segment_idx = tree.query(points, predicate="dwithin", distance=float(tol.max()))
    near = shapely.distance(points[point_idx], tree.geometries[segment_idx]) <= tol[segment_idx]
    return np.bincount(segment_idx[near], minlength=len(segments))
