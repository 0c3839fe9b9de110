"""Where a leaf's raw value comes from (``SignNode.measure``), for every area of a tier at once.

Platform leaves count the evaluation rollups (evaluation.rollups), so a rate such as 按期结案率
has one definition in the code base (evaluation.definitions) and a count of filed cases is the
same number the evaluation pages show:

- ``filed``: cases filed on the day in the leaf's categories (GB/T 47678.5 codes, both 部件 and
  事件 unless ``kind`` says which); its baseline (for ``baseline_ratio``) is the median of the
  same weekday over the previous ``BASELINE_WEEKS`` weeks, days without a case counting 0.
- ``region_rate``: an evaluation region indicator (``indicator``: 结案率, 按期结案率, 返工率,
  满意率 ...) over the ``window_days`` days ending with the day (default 30: one day's rate of a
  street is mostly noise).
- ``active_discovery_rate`` 主动发现率: cases the city found itself (grid inspectors, video AI,
  sensors, crews on planned work) / all cases filed, over the same window.

A density leaf takes its exposure from the component register where it counts one (``per:
covers``: the registered covers of the leaf's categories in the area). A leaf whose density
needs an exposure the city has not registered (road km, pipe km), or whose measure is not
computed yet, or whose source is a feed, reading or manual figure not connected yet, gets no
value and says why (``note``): a missing number is shown as missing, never as 0 or 100.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.states import SourceChannel
from evaluation import definitions, rollups, selectors
from evaluation.models import CategoryRollup, Grain, RegionRollup
from signs.models import SignNode, Source

BASELINE_WEEKS = 8
RATE_WINDOW_DAYS = 30
# Sources of cases the city found itself (主动发现).
FOUND_BY_THE_CITY = (
    SourceChannel.INSPECTOR,
    SourceChannel.VIDEO_AI,
    SourceChannel.IOT,
    SourceChannel.PLANNED_WORK,
)


@dataclass(frozen=True)
class Measured:
    raw: float | None
    other: float | None = None  # the baseline (baseline_ratio) or the exposure (density)
    rows: dict = field(default_factory=dict)  # what was counted: the explanation's filter
    note: str = ""  # why there is no value: a key of NOTES (shown in the reader's language)
    note_params: dict = field(default_factory=dict)


# Why a leaf has no value (the keys stored; the words are the page's, in its language).
NOTES = {
    "no_exposure": _("No exposure (%(per)s) is registered for the area yet, so no density."),
    "unknown_indicator": _("Unknown evaluation indicator %(indicator)s."),
    "no_denominator": _("No case in the rate's denominator in the window."),
    "no_cases": _("No case filed in the window."),
    "no_figure": _("No figure has been received for the area yet."),
    "no_sensor": _("No %(type)s sensor is installed in the area."),
    "stale": _("Stale: the latest figure (%(at)s) is older than the leaf's freshness."),
    "not_computed": _("The platform measure %(kind)s is not computed yet."),
    "not_connected": _("No %(source)s connected for this leaf yet."),
}


def _window(day: date, days: int) -> tuple:
    return selectors.day_bounds(day - timedelta(days=days - 1), day)


# Exposures the component register (部件普查, components app) counts: the registered objects of
# the leaf's 部件 categories in the area, removed and abandoned ones not counted.
REGISTER_EXPOSURES = frozenset({"covers"})


def register_counts(codes: list[str], tier: str, paths: list[str]) -> dict[str, int]:
    """path -> how many components of the categories ``codes`` stand in the area."""
    from components.models import GONE, Component

    length = selectors.tier_path_length(tier)
    rows = (
        Component.objects.filter(category__code__in=codes)
        .exclude(state__in=GONE)
        .annotate(region=Substr("area_path", 1, length))
        .filter(region__in=paths)
        .values("region")
        .annotate(n=Count("pk"))
    )
    return {row["region"]: row["n"] for row in rows}


def _filed(leaf: SignNode, tier: str, paths: list[str], day: date) -> dict[str, Measured]:
    spec = leaf.measure
    length = selectors.tier_path_length(tier)
    exposures = (
        register_counts(spec.get("categories", []), tier, paths)
        if spec.get("per") in REGISTER_EXPOSURES
        else {}
    )
    first = day - timedelta(weeks=BASELINE_WEEKS)
    categories = Q(category__code__in=spec.get("categories", []))
    if spec.get("kind_of_case"):
        categories &= Q(category_kind=spec["kind_of_case"])
    rows = (
        CategoryRollup.objects.filter(categories, grain=Grain.DAY, day__gte=first, day__lte=day)
        .annotate(region=Substr("area_path", 1, length))
        .filter(region__in=paths)
        .values("region", "day")
        .annotate(n=Sum("filed"))
    )
    per_day: dict[str, dict[date, int]] = defaultdict(dict)
    for row in rows:
        per_day[row["region"]][row["day"]] = row["n"]
    same_weekdays = [day - timedelta(weeks=w) for w in range(1, BASELINE_WEEKS + 1)]
    found = {}
    for path in paths:
        counts = per_day.get(path, {})
        raw = float(counts.get(day, 0))
        what = {"categories": spec.get("categories", []), "area": path, "day": day.isoformat()}
        if spec.get("per") and exposures.get(path):
            # e.g. 井盖 cases per 10 k registered covers: the register's count is the exposure.
            what["exposure"] = {"per": spec["per"], "registered": exposures[path]}
            found[path] = Measured(raw, float(exposures[path]), what)
        elif spec.get("per"):
            found[path] = Measured(raw, None, what, "no_exposure", {"per": spec["per"]})
        elif leaf.normaliser.get("kind") == "baseline_ratio":
            baseline = statistics.median(counts.get(d, 0) for d in same_weekdays)
            what["baseline_days"] = [d.isoformat() for d in same_weekdays]
            found[path] = Measured(raw, float(baseline), what)
        else:
            found[path] = Measured(raw, None, what)
    return found


def _region_rate(leaf: SignNode, tier: str, paths: list[str], day: date) -> dict[str, Measured]:
    key = leaf.measure.get("indicator")
    indicator = definitions.REGION_BY_KEY.get(key)
    if indicator is None:
        return {p: Measured(None, None, {}, "unknown_indicator", {"indicator": key}) for p in paths}
    days = int(leaf.measure.get("window_days", RATE_WINDOW_DAYS))
    start, end = _window(day, days)
    counts = _region_counts(tier, start, end, tuple(paths))
    found = {}
    for path in paths:
        value = definitions.region_values(counts[path])[key] if path in counts else None
        what = {
            "indicator": key,
            "area": path,
            "from": (day - timedelta(days=days - 1)).isoformat(),
            "to": day.isoformat(),
            "counts": {k: counts[path][k] for k in (indicator.numerator, indicator.denominator)}
            if path in counts and indicator.denominator
            else {},
        }
        note = "" if value is not None else "no_denominator"
        found[path] = Measured(None if value is None else float(value), None, what, note)
    return found


@lru_cache(maxsize=64)
def _region_counts(tier: str, start, end, paths: tuple[str, ...]) -> dict:
    """The evaluation region counts of a tier and window: the rate leaves of one computation
    share them (``measure_tier`` callers clear the cache when a computation starts)."""
    return rollups.region_counts(tier, start, end, now=end, within=list(paths))


def _active_discovery(leaf: SignNode, tier: str, paths: list[str], day: date):
    days = int(leaf.measure.get("window_days", RATE_WINDOW_DAYS))
    length = selectors.tier_path_length(tier)
    first = day - timedelta(days=days - 1)
    rows = (
        RegionRollup.objects.filter(rollups.span(first, day + timedelta(days=1)))
        .annotate(region=Substr("area_path", 1, length))
        .filter(region__in=paths)
        .values("region", "source")
        .annotate(n=Sum("filed"))
    )
    by_source: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        by_source[row["region"]][row["source"]] = row["n"] or 0
    found = {}
    for path in paths:
        sources = by_source.get(path, {})
        total = sum(sources.values())
        own = sum(sources.get(s, 0) for s in FOUND_BY_THE_CITY)
        what = {"area": path, "from": first.isoformat(), "to": day.isoformat(),
                "found_by_the_city": own, "filed": total}  # fmt: skip
        if total == 0:
            found[path] = Measured(None, None, what, "no_cases")
        else:
            found[path] = Measured(round(own / total * 100, 2), None, what)
    return found


def _figures(leaf: SignNode, tier: str, paths: list[str], day: date) -> dict[str, Measured]:
    """Feed and manual leaves: the latest fresh figure of the area, or of the nearest above."""
    from signs import feeds

    found = {}
    for path, (figure, origin, stale) in feeds.latest(leaf, paths, day).items():
        what = {"code": leaf.measure.get("code"), "area": path, "day": day.isoformat()}
        if figure is not None:
            what.update(figure=figure.pk, at=figure.at.isoformat(), from_area=origin)
            found[path] = Measured(figure.value, None, what)
        elif stale is not None:
            what.update(figure=stale.pk, at=stale.at.isoformat(), from_area=origin)
            local = timezone.localtime(stale.at).strftime("%Y-%m-%d %H:%M")
            found[path] = Measured(None, None, what, "stale", {"at": local})
        else:
            found[path] = Measured(None, None, what, "no_figure")
    return found


DISSATISFIED_BELOW = 3  # portal.Rating: 不满意 (2) and 非常不满意 (1)


def _dissatisfied(leaf: SignNode, tier: str, paths: list[str], day: date) -> dict[str, Measured]:
    """不满意占比: ratings of 不满意 or 非常不满意 / all ratings given in the window (%)."""
    from evaluation.models import CaseFact

    days = int(leaf.measure.get("window_days", RATE_WINDOW_DAYS))
    start, end = _window(day, days)
    length = selectors.tier_path_length(tier)
    rows = (
        CaseFact.objects.filter(rated_at__gte=start, rated_at__lt=end)
        .annotate(region=Substr("area_path", 1, length))
        .filter(region__in=paths)
        .values("region")
        .annotate(rated=Count("pk"), unhappy=Count("pk", filter=Q(rating__lt=DISSATISFIED_BELOW)))
    )
    by_region = {r["region"]: (r["rated"], r["unhappy"]) for r in rows}
    found = {}
    for path in paths:
        rated, unhappy = by_region.get(path, (0, 0))
        what = {"area": path, "from": (day - timedelta(days=days - 1)).isoformat(),
                "to": day.isoformat(), "rated": rated, "dissatisfied": unhappy}  # fmt: skip
        if not rated:
            found[path] = Measured(None, None, what, "no_denominator")
        else:
            found[path] = Measured(round(unhappy / rated * 100, 2), None, what)
    return found


def _overdue_per_mille(leaf: SignNode, tier: str, paths: list[str], day: date):
    """超期未结案件千分比: cases overdue and not closed at the day's end per 1,000 cases open
    then (filed, neither closed nor voided), both from the rollups' running totals."""
    start, end = selectors.day_bounds(day, day)
    overdue = _region_counts(tier, start, end, tuple(paths))
    length = selectors.tier_path_length(tier)
    totals = (
        RegionRollup.objects.filter(rollups.span(None, day + timedelta(days=1)))
        .annotate(region=Substr("area_path", 1, length))
        .filter(region__in=paths)
        .values("region")
        .annotate(filed=Sum("filed"), closed=Sum("closed"), voided=Sum("voided"))
    )
    open_by = {t["region"]: t["filed"] - t["closed"] - t["voided"] for t in totals}
    found = {}
    for path in paths:
        late = overdue.get(path, {}).get("overdue_open", 0)
        still_open = open_by.get(path, 0)
        what = {"area": path, "day": day.isoformat(), "overdue_open": late, "open": still_open}
        if still_open <= 0:
            found[path] = Measured(None, None, what, "no_denominator")
        else:
            found[path] = Measured(round(late / still_open * 1000, 2), None, what)
    return found


# A sensor leaf's quantity -> (device type code, reading metric of its alarm rules).
SENSOR_QUANTITIES = {
    "water_depth": ("water_level", "depth"),
    "gas": ("gas_pressure", "pressure"),
    "noise": ("noise", "LAeq"),
    "cooking_fume": ("cooking_fume", "concentration"),
    "subsidence": ("road_subsidence", "settlement"),
    "bin_fill": ("waste_bin", "fill_level"),
}


def _sensors(leaf: SignNode, tier: str, paths: list[str], day: date) -> dict[str, Measured]:
    """Sensor leaves from the sensing module (一网感知): ``points_over`` counts the devices of
    the quantity's type in the area whose reading alarm (rules on that metric) was active at
    any time on the day; ``share_over`` is that count as a share of the area's active devices
    of the type. An area without such a device has no value."""
    from iot.models import Alarm, Device

    spec = leaf.measure
    kind, quantity = spec.get("kind"), spec.get("quantity")
    if quantity not in SENSOR_QUANTITIES or kind not in ("points_over", "share_over"):
        note, params = "not_computed", {"kind": f"{kind}/{quantity}"}
        return {path: Measured(None, None, {}, note, params) for path in paths}
    if spec.get("per"):
        return {p: Measured(None, None, {}, "no_exposure", {"per": spec["per"]}) for p in paths}
    device_type, metric = SENSOR_QUANTITIES[quantity]
    start, end = selectors.day_bounds(day, day)
    length = selectors.tier_path_length(tier)
    devices = Device.objects.filter(device_type__code=device_type, is_active=True).annotate(
        region=Substr("area_path", 1, length)
    )
    installed: dict[str, int] = defaultdict(int)
    for region in devices.filter(region__in=paths).values_list("region", flat=True):
        installed[region] += 1
    over = (
        Alarm.objects.filter(
            device__device_type__code=device_type, rule__metric=metric, started_at__lt=end
        )
        .filter(Q(cleared_at__isnull=True) | Q(cleared_at__gte=start))
        .annotate(region=Substr("device__area_path", 1, length))
        .filter(region__in=paths)
        .values("region")
        .annotate(n=Count("device", distinct=True))
    )
    over_by = {row["region"]: row["n"] for row in over}
    found = {}
    for path in paths:
        what = {"quantity": quantity, "device_type": device_type, "metric": metric,
                "area": path, "day": day.isoformat(), "devices": installed.get(path, 0),
                "over": over_by.get(path, 0)}  # fmt: skip
        if not installed.get(path):
            found[path] = Measured(None, None, what, "no_sensor", {"type": device_type})
        elif kind == "points_over":
            found[path] = Measured(float(what["over"]), None, what)
        else:
            found[path] = Measured(round(what["over"] / what["devices"] * 100, 2), None, what)
    return found


PLATFORM = {
    "filed": _filed,
    "region_rate": _region_rate,
    "active_discovery_rate": _active_discovery,
    "dissatisfied_share": _dissatisfied,
    "overdue_per_mille": _overdue_per_mille,
}


def forget() -> None:
    """Drop what an earlier computation cached (a new one reads the rollups afresh)."""
    _region_counts.cache_clear()


def measure_tier(leaf: SignNode, tier: str, paths: list[str], day: date) -> dict[str, Measured]:
    """path -> the leaf's raw value (and baseline or exposure) for every area of ``tier``."""
    kind = leaf.measure.get("kind")
    if leaf.source == Source.PLATFORM and kind in PLATFORM:
        return PLATFORM[kind](leaf, tier, paths, day)
    if leaf.source in (Source.FEED, Source.MANUAL) and kind in ("feed", "manual"):
        return _figures(leaf, tier, paths, day)
    if leaf.source == Source.SENSOR:
        return _sensors(leaf, tier, paths, day)
    if leaf.source == Source.PLATFORM:
        note, params = "not_computed", {"kind": kind}
    else:
        note, params = "not_connected", {"source": leaf.source}
    return {path: Measured(None, None, {}, note, params) for path in paths}
