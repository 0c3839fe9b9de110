"""Normalisers (归一化): a leaf's raw value -> a score 0-100, one small function per kind.

Each kind is one row of reference/signs.md §7.2; a leaf names its kind and parameters in the
tree file (``{"kind": "piecewise", "points": [[0, 100], [1, 75], ...]}``), so a city changes
breakpoints without code. Every function is clipped to 0-100, monotone in the direction its
parameters give, and exact on its breakpoints; ``None`` in (no raw value, no baseline) gives
``None`` out: a missing value is missing, never a score of 0 or 100.

``check(spec)`` refuses parameters a function could not use (unsorted points, a step of 0), with
a message naming the problem, before a tree is saved.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

SCORE_MIN, SCORE_MAX = 0.0, 100.0

# The default scales of the proposal (reference/signs.md §7.2); a leaf may give its own.
BASELINE_RATIO_POINTS = ((0.8, 95), (1.0, 80), (1.3, 65), (1.6, 45), (2.0, 20), (3.0, 0))
SURVEY_POINTS = ((60, 40), (75, 60), (85, 75), (92, 90), (100, 100))
# National warning levels (预警级别, highest first I 红 ... IV 蓝; 0 = none) -> score.
WARNING_LEVEL_SCORES = {0: 100, 4: 74, 3: 60, 2: 45, 1: 20}


class BadParameters(ValueError):
    """A normaliser's parameters it cannot use (said in words)."""


def _clip(score: float) -> float:
    return max(SCORE_MIN, min(SCORE_MAX, score))


def piecewise(x: float | None, points: Sequence[Sequence[float]]) -> float | None:
    """Straight lines through (raw, score) points sorted by raw, flat beyond both ends; the
    direction is the points' (scores falling: lower is better)."""
    if x is None:
        return None
    if x <= points[0][0]:
        return _clip(points[0][1])
    for (x0, s0), (x1, s1) in zip(points, points[1:], strict=False):
        if x <= x1:
            return _clip(s0 + (s1 - s0) * (x - x0) / (x1 - x0))
    return _clip(points[-1][1])


def deduct(x: float | None, *, ref: float, step: float, k: float) -> float | None:
    """评价细则 deduction: 100 at or above ``ref``, else ``k`` points off per started ``step``
    below it (ref 95 %, step 5 %, k 20: 94 % scores 80, 89 % scores 60)."""
    if x is None:
        return None
    if x >= ref:
        return SCORE_MAX
    return _clip(SCORE_MAX - k * math.ceil((ref - x) / step - 1e-9))


def band_table(x: float | None, bands: Sequence[Sequence[float]]) -> float | None:
    """A graded scale (AQI, TPI): the score of the first band whose upper bound (inclusive) the
    value does not exceed; above the last bound, the last band's score."""
    if x is None:
        return None
    for upper, score in bands:
        if x <= upper:
            return _clip(score)
    return _clip(bands[-1][1])


def baseline_ratio(
    x: float | None,
    baseline: float | None,
    points: Sequence[Sequence[float]] = BASELINE_RATIO_POINTS,
) -> float | None:
    """A count against its usual level (counts have no absolute norm): r = x / baseline, then
    ``piecewise`` on r. No baseline yet: no score. A zero baseline: nothing is usual, so no
    events is r = 0 and any event is far above it."""
    if x is None or baseline is None:
        return None
    if baseline <= 0:
        ratio = 0.0 if x <= 0 else points[-1][0]
    else:
        ratio = x / baseline
    return piecewise(ratio, points)


def density(
    count: float | None, exposure: float | None, *, per: float, points: Sequence[Sequence[float]]
) -> float | None:
    """A count per exposure (per 100 km of road, per 10 k covers): count / exposure x ``per``,
    then ``piecewise``. No exposure known: no score."""
    if count is None or not exposure:
        return None
    return piecewise(count / exposure * per, points)


def warning_level(level: int | None, scores: dict | None = None) -> float | None:
    """The highest active national warning in the area (I 红 = 1 ... IV 蓝 = 4, none = 0)."""
    if level is None:
        return None
    table = {int(k): v for k, v in (scores or WARNING_LEVEL_SCORES).items()}
    if level not in table:
        raise BadParameters(f"no score for warning level {level}")
    return _clip(table[level])


def survey(x: float | None, points: Sequence[Sequence[float]] = SURVEY_POINTS) -> float | None:
    """A satisfaction share in % through the survey scale."""
    return piecewise(x, points)


def target_band(
    x: float | None, *, low: float, high: float, floor_low: float, floor_high: float,
    floor: float = 40,
) -> float | None:  # fmt: skip
    """Best inside [low, high] (parking vacancy 10-30 %), falling straight to ``floor`` at
    ``floor_low`` below and ``floor_high`` above."""
    if x is None:
        return None
    if low <= x <= high:
        return SCORE_MAX
    if x < low:
        return piecewise(x, ((floor_low, floor), (low, SCORE_MAX)))
    return piecewise(x, ((high, SCORE_MAX), (floor_high, floor)))


def _points(spec: dict, default=None) -> tuple[tuple[float, float], ...]:
    raw = spec.get("points", default)
    try:
        points = tuple((float(a), float(b)) for a, b in raw)
    except (TypeError, ValueError):
        raise BadParameters("points must be a list of [raw value, score] pairs") from None
    if len(points) < 2:
        raise BadParameters("points need at least two [raw value, score] pairs")
    if any(b[0] <= a[0] for a, b in zip(points, points[1:], strict=False)):
        raise BadParameters("the raw values of the points must rise strictly")
    if any(not SCORE_MIN <= s <= SCORE_MAX for _x, s in points):
        raise BadParameters("scores must lie between 0 and 100")
    return points


def _number(spec: dict, name: str, *, positive: bool = False) -> float:
    try:
        value = float(spec[name])
    except (KeyError, TypeError, ValueError):
        raise BadParameters(f"{name} must be a number") from None
    if not math.isfinite(value) or (positive and value <= 0):
        raise BadParameters(f"{name} must be a {'positive ' if positive else ''}finite number")
    return value


def _bands(spec: dict) -> tuple[tuple[float, float], ...]:
    try:
        bands = tuple((float(a), float(b)) for a, b in spec["bands"])
    except (KeyError, TypeError, ValueError):
        raise BadParameters("bands must be a list of [upper bound, score] pairs") from None
    if not bands or any(b[0] <= a[0] for a, b in zip(bands, bands[1:], strict=False)):
        raise BadParameters("band upper bounds must rise strictly")
    if any(not SCORE_MIN <= s <= SCORE_MAX for _x, s in bands):
        raise BadParameters("scores must lie between 0 and 100")
    return bands


def compile_spec(spec: dict) -> Callable[..., float | None]:
    """The normaliser a leaf's spec names, its parameters checked, as a function of the raw
    value (and, for ``baseline_ratio`` / ``density``, the baseline or exposure)."""
    kind = spec.get("kind") if isinstance(spec, dict) else None
    if kind == "piecewise":
        points = _points(spec)
        return lambda x, _other=None: piecewise(x, points)
    if kind == "deduct":
        ref, step, k = (_number(spec, n, positive=n != "ref") for n in ("ref", "step", "k"))
        return lambda x, _other=None: deduct(x, ref=ref, step=step, k=k)
    if kind == "band_table":
        bands = _bands(spec)
        return lambda x, _other=None: band_table(x, bands)
    if kind == "baseline_ratio":
        points = _points(spec, BASELINE_RATIO_POINTS)
        return lambda x, baseline=None: baseline_ratio(x, baseline, points)
    if kind == "density":
        per, points = _number(spec, "per", positive=True), _points(spec)
        return lambda x, exposure=None: density(x, exposure, per=per, points=points)
    if kind == "warning_level":
        scores = spec.get("scores") or WARNING_LEVEL_SCORES
        if not isinstance(scores, dict) or set(map(int, scores)) != set(WARNING_LEVEL_SCORES):
            raise BadParameters("scores must give a score for the levels 0 (none) and 1-4")
        return lambda x, _other=None: warning_level(None if x is None else int(x), scores)
    if kind == "survey":
        points = _points(spec, SURVEY_POINTS)
        return lambda x, _other=None: survey(x, points)
    if kind == "target_band":
        names = ("low", "high", "floor_low", "floor_high")
        low, high, floor_low, floor_high = (_number(spec, n) for n in names)
        if not floor_low < low <= high < floor_high:
            raise BadParameters("need floor_low < low <= high < floor_high")
        return lambda x, _other=None: target_band(
            x, low=low, high=high, floor_low=floor_low, floor_high=floor_high
        )
    if kind == "observe":  # shown for its trend only; never scored
        return lambda x, _other=None: None
    raise BadParameters(f"unknown normaliser kind {kind!r}")


KINDS = (
    "piecewise", "deduct", "band_table", "baseline_ratio", "density", "warning_level", "survey",
    "target_band", "observe",
)  # fmt: skip


def check(spec: dict) -> None:
    """Raise BadParameters when ``spec`` names no known normaliser or parameters it cannot use."""
    compile_spec(spec)
