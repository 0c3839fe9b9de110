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
- ``open`` 未结案件: cases of the leaf's categories open as the period ended (a stock).
- ``component_ok_rate`` 部件完好率 / 路灯亮灯率: 100 x (1 - those open cases / the components of
  the categories standing in the register).
- ``repeat_rate`` 重复立案率: of the cases filed in the ``days`` days to the period's end, the
  share filed within ``days`` after an earlier case of the same grid and subclass.
- ``dispatch_quality`` 按时、准确派遣率: the mean of the dispatchers' two post rates.
- ``time_share`` 处置用时占时限比: working time taken / time allowed of the lead tasks disposed.
Categories are five-digit subclass codes or two-digit major classes (``catalog.selectors.codes_q``).

A density leaf takes its exposure from the component register where it counts one (``per:
covers``: the registered covers of the leaf's categories in the area). A leaf whose density
needs an exposure the city has not registered (road km, pipe km), or whose measure is not
computed yet, or whose source is a feed, reading or manual figure not connected yet, gets no
value and says why (``note``): a missing number is shown as missing, never as 0 or 100.

**Days and hours** (``When``). A day's value measures the day (its two midnights). An hour's
value (实时, the index "now", computed as each hour ends) measures the 24 hours before the
hour's end for what happens in a day (cases filed, sensors over their limit) and its baseline
the same 24 hours in earlier weeks; rates read their window of whole days ending with the
hour's day as it stood at the hour's end (the rollups' days, less what the facts say the last
day counted after the hour; the overdue backlog at the hour's end), so an hour computed later
(a catch-up, ``signs_compute --hours``) says what it would have said then; a feed or manual
figure is the latest at the hour's end. Two measures read their windows differently: the
repeat rate counts the ``days`` days (rolling) up to the period's end, and the dispatch
quality reads whether a dispatch held (准确) as the posts know it now.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from django.db.models import Case as Choose
from django.db.models import Count, FloatField, IntegerField, Q, Sum
from django.db.models import When as Where
from django.db.models.functions import Cast, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.states import SourceChannel
from catalog.selectors import codes_q
from evaluation import definitions, rollups, selectors
from evaluation.models import CaseFact, CategoryRollup, Grain, RegionRollup
from signs.models import SignNode, Source, hour_end

# The reads one computation shares (every leaf and tier of it): each cached for the
# computation and dropped by ``forget`` (a cache left out of this list would serve stale
# counts to the next computation, so ``per_computation`` is the only way to make one).
_PER_COMPUTATION: list = []


def per_computation(maxsize: int):
    """``lru_cache`` registered with ``forget``."""

    def wrap(function):
        cached = lru_cache(maxsize=maxsize)(function)
        _PER_COMPUTATION.append(cached)
        return cached

    return wrap


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
    "not_backfilled": _(
        "%(n)s tasks of the window were recorded before their allowed time was kept: run "
        "manage.py evaluation_backfill to count them."
    ),
}


@dataclass(frozen=True)
class When:
    """What a value measures: ``day`` (a day's value: ``hour`` None, [start, end) its
    midnights) or the 24 hours [start, end) ending at the end of ``hour`` of ``day``."""

    day: date
    start: datetime
    end: datetime
    hour: int | None = None

    @classmethod
    def of_day(cls, day: date) -> When:
        return cls(day, *selectors.day_bounds(day, day))

    @classmethod
    def of_hour(cls, day: date, hour: int) -> When:
        """The 24 hours ending at the end of local hour ``hour`` (0-23) of ``day``."""
        end = hour_end(day, hour)
        return cls(day, end - timedelta(days=1), end, hour)

    def describe(self) -> dict:
        """The period as an explanation states it."""
        if self.hour is None:
            return {"day": self.day.isoformat()}
        return {"from": self.start.isoformat(), "until": self.end.isoformat()}


def _until(when: When) -> dict:
    """An hour's window of whole days is counted as it stood at the hour's end."""
    return {} if when.hour is None else {"until": when.end.isoformat()}


def _window(day: date, days: int) -> tuple:
    return selectors.day_bounds(day - timedelta(days=days - 1), day)


def _rate_window(leaf: SignNode, when: When) -> tuple[datetime, datetime, dict]:
    """The leaf's ``window_days`` whole days ending with the period's day, cut at an hour's
    end, and how an explanation states them."""
    days = int(leaf.measure.get("window_days", RATE_WINDOW_DAYS))
    start, end = _window(when.day, days)
    first = when.day - timedelta(days=days - 1)
    return start, min(end, when.end), {"from": first.isoformat(), "to": when.day.isoformat(),
                                       **_until(when)}  # fmt: skip


# Exposures the component register (部件普查, components app) counts: the registered objects of
# the leaf's 部件 categories in the area, removed and abandoned ones not counted.
REGISTER_EXPOSURES = frozenset({"covers", "lamps", "toilets", "components"})


def register_counts(codes: list[str], tier: str, paths: list[str]) -> dict[str, int]:
    """path -> how many components of the categories ``codes`` stand in the area."""
    from components.models import GONE, Component

    length = selectors.tier_path_length(tier)
    rows = (
        Component.objects.filter(codes_q(codes))
        .exclude(state__in=GONE)
        .annotate(region=Substr("area_path", 1, length))
        .filter(region__in=paths)
        .values("region")
        .annotate(n=Count("pk"))
    )
    return {row["region"]: row["n"] for row in rows}


def _filed(leaf: SignNode, tier: str, paths: list[str], when: When) -> dict[str, Measured]:
    spec = leaf.measure
    day = when.day
    length = selectors.tier_path_length(tier)
    exposures = (
        register_counts(spec.get("categories", []), tier, paths)
        if spec.get("per") in REGISTER_EXPOSURES
        else {}
    )
    # weeks back (0: the period itself) -> region -> cases filed
    per_week = _filed_per_week(spec, length, paths, when)
    found = {}
    for path in paths:
        counts = {w: by_region.get(path, 0) for w, by_region in per_week.items()}
        raw = float(counts.get(0, 0))
        what = {"categories": spec.get("categories", []), "area": path, **when.describe()}
        if spec.get("per") and exposures.get(path):
            # e.g. 井盖 cases per 10 k registered covers: the register's count is the exposure.
            what["exposure"] = {"per": spec["per"], "registered": exposures[path]}
            found[path] = Measured(raw, float(exposures[path]), what)
        elif spec.get("per"):
            found[path] = Measured(raw, None, what, "no_exposure", {"per": spec["per"]})
        elif leaf.normaliser.get("kind") == "baseline_ratio":
            weeks = range(1, BASELINE_WEEKS + 1)
            baseline = statistics.median(counts.get(w, 0) for w in weeks)
            if when.hour is None:
                what["baseline_days"] = [(day - timedelta(weeks=w)).isoformat() for w in weeks]
            else:
                what["baseline_until"] = [
                    (when.end - timedelta(weeks=w)).isoformat() for w in weeks
                ]
            found[path] = Measured(raw, float(baseline), what)
        else:
            found[path] = Measured(raw, None, what)
    return found


def _filed_per_week(spec: dict, length: int, paths: list[str], when: When) -> dict[int, dict]:
    """weeks back (0: ``when`` itself) -> region -> cases filed in the leaf's categories (and
    kind), summed from ``_filed_counts`` (read once per computation)."""
    kind = spec.get("kind_of_case")
    paths_wanted = set(paths)
    per_week: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    wanted = set(spec.get("categories", []))
    by_code = _filed_counts(when)
    for code in [c for c in by_code if c in wanted or c[:2] in wanted]:  # subclass or 大类
        for path, category_kind, week, n in by_code[code]:
            if not kind or category_kind == kind:
                region = path[:length]
                if region in paths_wanted:
                    per_week[week][region] += n
    return per_week


@per_computation(maxsize=4)
def _filed_counts(when: When) -> dict[str, list[tuple]]:
    """category code -> [(area path, kind, weeks back, cases filed)] for ``when`` and the same
    day (or 24 hours) of each of the ``BASELINE_WEEKS`` weeks before: one read for every filed
    leaf and tier of a computation (``forget`` clears it). A day's from the category rollups'
    day rows (nine days' rows, not the 57 between); an hour's from the case facts (rollups
    have no hours)."""
    if when.hour is None:
        days = [when.day - timedelta(weeks=w) for w in range(BASELINE_WEEKS + 1)]
        rows = (
            CategoryRollup.objects.filter(grain=Grain.DAY, day__in=days)
            .values_list("area_path", "category__code", "category_kind", "day")
            .annotate(n=Sum("filed"))
            .order_by()
        )
        keyed = (
            ((when.day - day).days // 7, path, code, kind, n) for path, code, kind, day, n in rows
        )
    else:
        keyed = ((w, path, code, kind, n) for path, code, kind, w, n in _filed_facts(when))
    found: dict[str, list[tuple]] = defaultdict(list)
    for week, path, code, kind, n in keyed:
        found[code].append((path, kind, week, n))
    return found


def _filed_facts(when: When):
    """(area path, category code, kind, weeks back, cases filed) of the case facts filed in the
    24 hours of an hour's ``when`` and the same 24 hours of the weeks before."""
    windows = [
        (w, when.start - timedelta(weeks=w), when.end - timedelta(weeks=w))
        for w in range(BASELINE_WEEKS + 1)
    ]
    inside = Q(pk__in=[])
    for _w, lo, hi in windows:
        inside |= Q(filed_at__gte=lo, filed_at__lt=hi)
    week = Choose(
        *(Where(filed_at__gte=lo, filed_at__lt=hi, then=w) for w, lo, hi in windows),
        output_field=IntegerField(),
    )
    return (
        CaseFact.objects.filter(inside, category__isnull=False)
        .annotate(week=week)
        .values_list("area_path", "category__code", "category_kind", "week")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _percent(what: dict, part: float, whole: float, note: str = "no_denominator") -> Measured:
    """``part`` / ``whole`` in % (2 decimals) with what was counted; no value, and why, when
    nothing is in the denominator."""
    if not whole:
        return Measured(None, None, what, note)
    return Measured(round(part / whole * 100, 2), None, what)


def _summed(per_path: dict[str, dict], tier: str, paths: list[str]) -> dict[str, Counter]:
    """Counts kept per area path as stored (``selectors.region_of(None)``: the grid, or the area
    a case was placed at) summed into the areas ``paths`` of ``tier``: one read serves every
    tier. A path above the tier (a case placed at a district only) is in no area of it."""
    length = selectors.tier_path_length(tier)
    wanted = set(paths)
    found: dict[str, Counter] = defaultdict(Counter)
    for path, counts in per_path.items():
        region = path[:length]
        if len(region) == length and region in wanted:
            found[region].update(counts)
    return found


def _region_rate(leaf: SignNode, tier: str, paths: list[str], when: When) -> dict[str, Measured]:
    day = when.day
    key = leaf.measure.get("indicator")
    indicator = definitions.REGION_BY_KEY.get(key)
    if indicator is None:
        return {p: Measured(None, None, {}, "unknown_indicator", {"indicator": key}) for p in paths}
    days = int(leaf.measure.get("window_days", RATE_WINDOW_DAYS))
    start, end = _window(day, days)
    counts = _region_counts(tier, start, end, tuple(paths), when.end)
    found = {}
    for path in paths:
        value = definitions.region_values(counts[path])[key] if path in counts else None
        what = {
            "indicator": key,
            "area": path,
            "from": (day - timedelta(days=days - 1)).isoformat(),
            "to": day.isoformat(),
            **_until(when),
            "counts": {k: counts[path][k] for k in (indicator.numerator, indicator.denominator)}
            if path in counts and indicator.denominator
            else {},
        }
        note = "" if value is not None else "no_denominator"
        found[path] = Measured(None if value is None else float(value), None, what, note)
    return found


@per_computation(maxsize=64)
def _region_counts(tier: str, start, end, paths: tuple[str, ...], cutoff) -> dict:
    """The evaluation region counts of the areas ``paths`` of a tier, window of whole days as
    they stood at ``cutoff`` (see ``_path_counts``), shared by the rate leaves of one
    computation."""
    counts = _summed(_path_counts(start, end, cutoff), tier, list(paths))
    return {region: dict(row) for region, row in counts.items()}


@per_computation(maxsize=8)
def _path_counts(start, end, cutoff) -> dict[str, dict]:
    """The evaluation region counts per area path of a window of whole days as they stood at
    ``cutoff`` (a day's value: the window's end; an hour's: the hour's end, inside the last
    day): the rollups' whole days with the overdue backlog at the cutoff, less what the last
    day counted after it (from the facts: at most a day of them). Read once per computation
    for every tier and rate leaf (``forget`` clears it)."""
    counts = rollups.region_counts(None, start, end, now=min(end, cutoff))
    if cutoff < end:
        for path, row in _counted_after(cutoff, end).items():
            if path in counts:
                mine = counts[path]
                for key in AFTER_THE_CUTOFF:
                    mine[key] -= row[key]
                mine["due"] = mine["closed"] + mine["overdue_open"]
    return counts


@per_computation(maxsize=4)
def _counted_after(cutoff, end) -> dict[str, dict[str, int]]:
    """area path -> the region counts of [cutoff, end): what a day's rollups count after an
    hour's end, to be taken out of them (the rates' windows and the open totals both end with
    that day, so one read serves them)."""
    return selectors.region_counts(_dated_within(cutoff, end), None, cutoff, end, now=end)


def _dated_within(start, end):
    """The case facts that can count in [start, end): filed, settled or rated then (each by
    its index; the counts' own filters decide the rest)."""
    return CaseFact.objects.filter(
        Q(filed_at__gte=start, filed_at__lt=end)
        | Q(settled_at__gte=start, settled_at__lt=end)
        | Q(rated_at__gte=start, rated_at__lt=end)
    )


# The region counts summed over a period (all but the overdue backlog and its "due").
AFTER_THE_CUTOFF = tuple(c for c in definitions.REGION_COUNTS if c not in ("overdue_open", "due"))


@per_computation(maxsize=8)
def _filed_by_source(first: date, when: When) -> dict[str, dict[str, int]]:
    """area path -> source channel -> cases filed from ``first`` to ``when``'s day (an hour's:
    less what its day's rollups count as filed after the hour, from the facts); read once per
    computation for every tier."""
    rows = (
        RegionRollup.objects.filter(rollups.span(first, when.day + timedelta(days=1)))
        .values_list("area_path", "source")
        .annotate(n=Sum("filed"))
        .order_by()
    )
    by_path: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for path, source, n in rows:
        by_path[path][source] += n or 0
    if when.hour is not None:
        midnight = selectors.day_bounds(when.day, when.day)[1]
        later = (
            CaseFact.objects.filter(filed_at__gte=when.end, filed_at__lt=midnight)
            .values_list("area_path", "source")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for path, source, n in later:
            by_path[path][source] -= n
    return by_path


def _active_discovery(leaf: SignNode, tier: str, paths: list[str], when: When):
    day = when.day
    days = int(leaf.measure.get("window_days", RATE_WINDOW_DAYS))
    first = day - timedelta(days=days - 1)
    by_source = _summed(_filed_by_source(first, when), tier, paths)
    found = {}
    for path in paths:
        sources = by_source.get(path, {})
        total = sum(sources.values())
        own = sum(sources.get(s, 0) for s in FOUND_BY_THE_CITY)
        what = {"area": path, "from": first.isoformat(), "to": day.isoformat(), **_until(when),
                "found_by_the_city": own, "filed": total}  # fmt: skip
        found[path] = _percent(what, own, total, "no_cases")
    return found


def _figures(leaf: SignNode, tier: str, paths: list[str], when: When) -> dict[str, Measured]:
    """Feed and manual leaves: the latest fresh figure of the area, or of the nearest above."""
    from signs import feeds

    found = {}
    for path, (figure, origin, stale) in feeds.latest(leaf, paths, when.end).items():
        what = {"code": leaf.measure.get("code"), "area": path, **when.describe()}
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


def _dissatisfied(leaf: SignNode, tier: str, paths: list[str], when: When) -> dict[str, Measured]:
    """不满意占比: ratings of 不满意 or 非常不满意 / all ratings given in the window (%)."""
    start, end, stated = _rate_window(leaf, when)
    by_region = _summed(_ratings(start, end), tier, paths)
    found = {}
    for path in paths:
        rated, unhappy = by_region[path]["rated"], by_region[path]["unhappy"]
        what = {"area": path, **stated, "rated": rated, "dissatisfied": unhappy}
        found[path] = _percent(what, unhappy, rated)
    return found


@per_computation(maxsize=8)
def _ratings(start, end) -> dict[str, dict[str, int]]:
    """area path -> ratings given in [start, end) and those of them dissatisfied."""
    rows = (
        CaseFact.objects.filter(rated_at__gte=start, rated_at__lt=end)
        .values_list("area_path")
        .annotate(rated=Count("pk"), unhappy=Count("pk", filter=Q(rating__lt=DISSATISFIED_BELOW)))
        .order_by()
    )
    return {path: {"rated": rated, "unhappy": unhappy} for path, rated, unhappy in rows}


def _overdue_per_mille(leaf: SignNode, tier: str, paths: list[str], when: When):
    """超期未结案件千分比: cases overdue and not closed at the day's end (an hour's: at the
    hour's end) per 1,000 cases open then (filed, neither closed nor voided), both from the
    rollups' running totals."""
    day = when.day
    start, end = selectors.day_bounds(day, day)
    overdue = _region_counts(tier, start, end, tuple(paths), when.end)
    open_by = _summed(_open_totals(when), tier, paths)
    found = {}
    for path in paths:
        late = overdue.get(path, {}).get("overdue_open", 0)
        still_open = open_by[path]["open"]
        what = {"area": path, **when.describe(), "overdue_open": late, "open": still_open}
        if still_open <= 0:
            found[path] = Measured(None, None, what, "no_denominator")
        else:
            found[path] = Measured(round(late / still_open * 1000, 2), None, what)
    return found


@per_computation(maxsize=4)
def _open_totals(when: When) -> dict[str, dict[str, int]]:
    """area path -> cases open at ``when``'s end (filed, neither closed nor voided), from the
    rollups' running totals (an hour's: less what its day counted after the hour)."""
    day = when.day
    totals = (
        RegionRollup.objects.filter(rollups.span(None, day + timedelta(days=1)))
        .values_list("area_path")
        .annotate(filed=Sum("filed"), closed=Sum("closed"), voided=Sum("voided"))
        .order_by()
    )
    open_by = {path: {"open": filed - closed - voided} for path, filed, closed, voided in totals}
    end = selectors.day_bounds(day, day)[1]
    if when.end < end:
        for path, row in _counted_after(when.end, end).items():
            if path in open_by:
                open_by[path]["open"] -= row["filed"] - row["closed"] - row["voided"]
    return open_by


@per_computation(maxsize=4)
def _open_by_category(when: When) -> dict[str, dict[tuple[str, str, str], int]]:
    """area path -> (category code, major code, kind) -> cases open at ``when``'s end (filed before
    it, neither closed nor voided by then), from the case facts: one read for every ``open``
    and ``component_ok_rate`` leaf and tier of a computation."""
    rows = (
        CaseFact.objects.filter(filed_at__lt=when.end, category__isnull=False)
        .filter(Q(settled_at__isnull=True) | Q(settled_at__gte=when.end))
        .values_list("area_path", "category__code", "category__major_code", "category_kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    found: dict[str, dict[tuple[str, str, str], int]] = defaultdict(dict)
    for path, code, major, kind, n in rows:
        found[path][(code, major, kind)] = n
    return found


def _open_in(leaf: SignNode, tier: str, paths: list[str], when: When) -> dict[str, int]:
    """region -> cases of the leaf's categories open at ``when``'s end."""
    wanted = set(leaf.measure.get("categories", []))
    kind = leaf.measure.get("kind_of_case")
    per_path = {
        path: {"open": sum(n for (code, major, of_kind), n in by.items()
                           if (code in wanted or major in wanted) and kind in (None, of_kind))}
        for path, by in _open_by_category(when).items()
    }  # fmt: skip
    return {region: c["open"] for region, c in _summed(per_path, tier, paths).items()}


def _open(leaf: SignNode, tier: str, paths: list[str], when: When) -> dict[str, Measured]:
    """未结案件 (e.g. C3.2 私搭乱建): cases of the leaf's categories filed and still open as
    the day (an hour's value: the hour) ended, whenever they were filed."""
    counts = _open_in(leaf, tier, paths, when)
    codes = leaf.measure.get("categories", [])
    return {
        path: Measured(
            float(counts.get(path, 0)),
            None,
            {"open_cases": codes, "area": path, "at": when.end.isoformat(), **when.describe()},
        )  # fmt: skip
        for path in paths
    }


def _component_ok_rate(leaf: SignNode, tier: str, paths: list[str], when: When):
    """部件完好率 / 路灯亮灯率: 100 x (1 - open cases of the leaf's 部件 categories / the
    components of those categories standing in the register), at the period's end. An area
    with none registered has no value (the register is the exposure: ``per``)."""
    spec = leaf.measure
    codes, per = spec.get("categories", []), spec.get("per", "components")
    counts = _open_in(leaf, tier, paths, when)
    registered = register_counts(codes, tier, paths)
    found = {}
    for path in paths:
        what = {"open_cases": codes, "area": path, "at": when.end.isoformat(),
                **when.describe(), "open": counts.get(path, 0),
                "registered": registered.get(path, 0), "per": per}  # fmt: skip
        if not registered.get(path):
            found[path] = Measured(None, None, what, "no_exposure", {"per": per})
        else:
            share = min(1.0, what["open"] / what["registered"])
            found[path] = Measured(round(100 * (1 - share), 2), None, what)
    return found


# Days between a case and the one before it (``prev``), per database.
GAP_DAYS = {
    "postgresql": "EXTRACT(EPOCH FROM filed_at - prev) / 86400.0",
    "sqlite": "julianday(filed_at) - julianday(prev)",
}


def lagged(start, end, days: int, *, under: str = "") -> tuple[str, list]:
    """A statement to select from, and its parameters: the case facts filed in [start, end)
    (under the area path ``under`` if given; ``case_id``, ``area_path``, ``filed_at``), each
    with ``gap``, the days since the case before it of the same grid and subclass (``LAG``
    over the facts from ``days`` days before ``start``; NULL for none). The repeat rate counts
    it, the value page lists it (signs.behind)."""
    from django.db import connection

    q, ops = connection.ops.quote_name, connection.ops
    sql = f"""
        SELECT case_id, area_path, filed_at, {GAP_DAYS[connection.vendor]} AS gap
        FROM (SELECT case_id, area_path, filed_at,
                     LAG(filed_at) OVER (PARTITION BY area_path, category_id
                                         ORDER BY filed_at, id) AS prev
              FROM {q(CaseFact._meta.db_table)}
              WHERE filed_at >= %s AND filed_at < %s AND category_id IS NOT NULL
                    {"AND area_path LIKE %s" if under else ""}) AS t
        WHERE filed_at >= %s
    """  # noqa: S608 - the table name is the model's
    first, last, since = (
        ops.adapt_datetimefield_value(t) for t in (start - timedelta(days=days), end, start)
    )
    return sql, [first, last, *([under + "%"] if under else []), since]


@per_computation(maxsize=8)
def _repeats(start, end, days: int) -> dict[str, dict[str, int]]:
    """area path -> {"filed": cases filed in [start, end), "repeats": those filed within
    ``days`` days after an earlier case of the same grid and subclass} (``lagged``)."""
    from django.db import connection

    each, params = lagged(start, end, days)
    sql = f"""
        SELECT area_path, COUNT(*), SUM(CASE WHEN gap <= %s THEN 1 ELSE 0 END)
        FROM ({each}) AS r GROUP BY area_path
    """  # noqa: S608 - built above
    with connection.cursor() as cursor:
        cursor.execute(sql, [days, *params])
        return {path: {"filed": n, "repeats": r or 0} for path, n, r in cursor.fetchall()}


def _repeat_rate(leaf: SignNode, tier: str, paths: list[str], when: When):
    """重复立案率 (O1.4 7日, M1.4 30日): of the cases filed in the ``days`` days ending with the
    period, the share (%) filed within ``days`` days after an earlier case of the same unit
    grid and subclass. "The same place" is the same unit grid (单元网格, ~100-200 m): the
    finest place the facts keep."""
    days = int(leaf.measure.get("days", 7))
    same = leaf.measure.get("same", "grid")  # "place" is counted by the grid too (see above)
    start = when.end - timedelta(days=days)
    counts = _summed(_repeats(start, when.end, days), tier, paths)
    found = {}
    for path in paths:
        filed, repeats = counts[path]["filed"], counts[path]["repeats"]
        what = {"area": path, "from": start.isoformat(), "until": when.end.isoformat(),
                "days": days, "same": same, "counted_by": "grid", "filed": filed,
                "repeats": repeats}  # fmt: skip
        found[path] = _percent(what, repeats, filed, "no_cases")
    return found


@per_computation(maxsize=8)
def _time_shares(start, end) -> dict[str, dict[str, float]]:
    """area path -> {"tasks": lead tasks disposed in [start, end) with an allowed time,
    "share": the sum of their working time used / allowed, "unknown": those whose fact has no
    allowed time (written before evaluation 0012, until ``evaluation_backfill`` rewrites
    them)}."""
    from evaluation.models import Outcome, TaskFact

    known = Q(allowed_seconds__gt=0)
    used = Cast("work_seconds", FloatField()) / Cast("allowed_seconds", FloatField())
    rows = (
        TaskFact.objects.filter(
            outcome=Outcome.DISPOSED,
            is_lead=True,
            settled_at__gte=start,
            settled_at__lt=end,
            work_seconds__isnull=False,
        )
        .values_list("area_path")
        .annotate(
            n=Count("pk", filter=known),
            share=Sum(used, filter=known),
            unknown=Count("pk", filter=Q(allowed_seconds__isnull=True)),
        )
        .order_by()
    )
    return {path: {"tasks": n, "share": share or 0.0, "unknown": unknown}
            for path, n, share, unknown in rows}  # fmt: skip


def _time_share(leaf: SignNode, tier: str, paths: list[str], when: When):
    """处置用时占时限比 (B3.3): the mean, over the lead tasks disposed in the ``window_days``
    days ending with the period, of the working time they took (dispatch to disposal, less
    pauses) as a share (%) of the time they were allowed (limit + extensions): 80 % is the
    SLA light's yellow point (cases.sla)."""
    start, end, stated = _rate_window(leaf, when)
    counts = _summed(_time_shares(start, end), tier, paths)
    found = {}
    for path in paths:
        tasks, share = counts[path]["tasks"], counts[path]["share"]
        what = {"area": path, **stated, "tasks": tasks, "time_share_sum": round(share, 4)}
        if counts[path]["unknown"]:  # a mean over part of the tasks would mislead
            what["without_allowed_time"] = counts[path]["unknown"]
            found[path] = Measured(None, None, what, "not_backfilled",
                                   {"n": counts[path]["unknown"]})  # fmt: skip
            continue
        found[path] = _percent(what, share, tasks)
    return found


@per_computation(maxsize=8)
def _dispatches(start, end) -> dict[str, dict[str, int]]:
    """area path -> the dispatch steps (派遣, evaluation.posts) done in [start, end): how many
    could be told on time or not, how many were, and the same for 准确 (not returned for
    wrong routing)."""
    from evaluation.models import PostFact, Stage

    rows = (
        PostFact.objects.filter(stage=Stage.DISPATCH, at__gte=start, at__lt=end)
        .values_list("area_path")
        .annotate(
            timed=Count("pk", filter=Q(on_time__isnull=False)),
            on_time=Count("pk", filter=Q(on_time=True)),
            judged=Count("pk", filter=Q(held__isnull=False)),
            accurate=Count("pk", filter=Q(held=True)),
        )
        .order_by()
    )
    return {path: {"timed": t, "on_time": o, "judged": j, "accurate": a}
            for path, t, o, j, a in rows}  # fmt: skip


def _dispatch_quality(leaf: SignNode, tier: str, paths: list[str], when: When):
    """按时、准确派遣率 (M3.2): the mean of 按时派遣率 (dispatched within the post limit) and
    准确派遣率 (not returned for wrong routing) over the dispatches of the ``window_days``
    days ending with the period (the posts' definitions, evaluation.posts)."""
    start, end, stated = _rate_window(leaf, when)
    counts = _summed(_dispatches(start, end), tier, paths)
    found = {}
    for path in paths:
        c = counts[path]
        what = {"area": path, **stated, "dispatches": dict(c)}
        if not c["timed"] or not c["judged"]:
            found[path] = Measured(None, None, what, "no_denominator")
            continue
        on_time, accurate = c["on_time"] / c["timed"] * 100, c["accurate"] / c["judged"] * 100
        what.update(on_time_rate=round(on_time, 2), accuracy=round(accurate, 2))
        found[path] = Measured(round((on_time + accurate) / 2, 2), None, what)
    return found


# A sensor leaf's quantity -> (device type code, reading metric of its alarm rules); a leaf
# may name its own (``device_type``, ``metric``) where the city's device types differ.
SENSOR_QUANTITIES = {
    "water_depth": ("water_level", "depth"),
    "gas": ("gas_pressure", "pressure"),
    "noise": ("noise", "LAeq"),
    "cooking_fume": ("cooking_fume", "concentration"),
    "subsidence": ("road_subsidence", "settlement"),
    "bin_fill": ("waste_bin", "fill_level"),
    "water_pressure": ("water_pressure", "pressure"),  # 供水管网压力
    "structure": ("structure_monitor", "strain"),  # 桥梁/隧道结构监测
    "electric": ("electric_safety", "leakage_current"),  # 智慧用电 (剩余电流)
}
SENSOR_KINDS = ("points_over", "share_over", "alarms", "alarm_level")
# Exposures a sensor leaf takes from the devices themselves (智慧用电: alarms per 1,000
# monitored points = the active devices of the type).
DEVICE_EXPOSURES = frozenset({"monitored_points"})
# An alarm's severity as a national warning level (I 红 = 1 ... IV 蓝 = 4; none = 0).
SEVERITY_LEVEL = {"critical": 1, "major": 2, "minor": 3, "warning": 4}


def active_in(alarms, start, end):
    """The alarms active at any time in [start, end): started before its end, not cleared
    before its start."""
    return alarms.filter(started_at__lt=end).filter(
        Q(cleared_at__isnull=True) | Q(cleared_at__gte=start)
    )


def _sensors(leaf: SignNode, tier: str, paths: list[str], when: When) -> dict[str, Measured]:
    """Sensor leaves from the sensing module (一网感知), over the day (an hour's value: the 24
    hours before its end), from the alarms of the rules on the quantity's metric:

    - ``points_over``: the devices of the type in the area whose alarm was active at any time
      in the period; ``share_over``: that count as a share (%) of the area's active devices;
    - ``alarms``: the alarms that started in the period (with ``per: monitored_points`` per
      the active devices of the type; a ``baseline_ratio`` leaf against the median of the
      same period of the ``BASELINE_WEEKS`` weeks before);
    - ``alarm_level``: the most severe alarm active in the period as a national warning level
      (critical I ... warning IV; none 0).

    An area without such a device has no value."""
    from iot.models import Alarm, Device

    spec = leaf.measure
    kind, quantity = spec.get("kind"), spec.get("quantity")
    if quantity not in SENSOR_QUANTITIES or kind not in SENSOR_KINDS:
        note, params = "not_computed", {"kind": f"{kind}/{quantity}"}
        return {path: Measured(None, None, {}, note, params) for path in paths}
    per = spec.get("per")
    if per and not (kind == "alarms" and per in DEVICE_EXPOSURES):
        return {p: Measured(None, None, {}, "no_exposure", {"per": per}) for p in paths}
    device_type, metric = SENSOR_QUANTITIES[quantity]
    device_type, metric = spec.get("device_type", device_type), spec.get("metric", metric)
    length = selectors.tier_path_length(tier)
    devices = Device.objects.filter(device_type__code=device_type, is_active=True).annotate(
        region=Substr("area_path", 1, length)
    )
    installed: dict[str, int] = defaultdict(int)
    for region in devices.filter(region__in=paths).values_list("region", flat=True):
        installed[region] += 1
    alarms = (
        Alarm.objects.filter(
            device__device_type__code=device_type, device__is_active=True, rule__metric=metric
        )
        .annotate(region=Substr("device__area_path", 1, length))
        .filter(region__in=paths)
    )
    active = active_in(alarms, when.start, when.end)
    baseline: dict[str, float] = {}
    if kind == "alarms":
        weeks = range(BASELINE_WEEKS + 1)
        started = Q(pk__in=[])
        for w in weeks:
            shift = timedelta(weeks=w)
            started |= Q(started_at__gte=when.start - shift, started_at__lt=when.end - shift)
        per_week: dict[str, list[int]] = defaultdict(lambda: [0] * (BASELINE_WEEKS + 1))
        for region, at in alarms.filter(started).values_list("region", "started_at"):
            per_week[region][(when.end - at - timedelta(microseconds=1)).days // 7] += 1
        counted = {region: weeks_[0] for region, weeks_ in per_week.items()}
        baseline = {r: float(statistics.median(c[1:])) for r, c in per_week.items()}
    elif kind == "alarm_level":
        counted = {}
        for region, severity in active.values_list("region", "severity").distinct():
            level = SEVERITY_LEVEL.get(severity)
            if level is not None:
                counted[region] = min(counted.get(region, level), level)
    else:
        over = active.values("region").annotate(n=Count("device", distinct=True))
        counted = {row["region"]: row["n"] for row in over}
    found = {}
    for path in paths:
        what = {"quantity": quantity, "device_type": device_type, "metric": metric,
                "area": path, **when.describe(), "devices": installed.get(path, 0),
                ("over" if kind in ("points_over", "share_over") else kind):
                counted.get(path, 0)}  # fmt: skip
        n = counted.get(path, 0)
        if not installed.get(path):
            found[path] = Measured(None, None, what, "no_sensor", {"type": device_type})
        elif kind == "share_over":
            found[path] = Measured(round(n / what["devices"] * 100, 2), None, what)
        elif kind == "alarms" and per:
            found[path] = Measured(float(n), float(what["devices"]), what)
        elif kind == "alarms" and leaf.normaliser.get("kind") == "baseline_ratio":
            found[path] = Measured(float(n), baseline.get(path, 0.0), what)
        else:  # points_over, alarms, alarm_level
            found[path] = Measured(float(n), None, what)
    return found


PLATFORM = {
    "filed": _filed,
    "region_rate": _region_rate,
    "active_discovery_rate": _active_discovery,
    "dissatisfied_share": _dissatisfied,
    "overdue_per_mille": _overdue_per_mille,
    "open": _open,
    "component_ok_rate": _component_ok_rate,
    "repeat_rate": _repeat_rate,
    "dispatch_quality": _dispatch_quality,
    "time_share": _time_share,
}


def forget() -> None:
    """Drop what a computation cached: ``services.compute`` calls it as it starts and as it
    ends; a caller of ``measure_tier`` outside it calls it first (counts change between
    computations). Two computations at once in one process only cost each other re-reads
    (the entries are keyed by what they measure)."""
    for cached in _PER_COMPUTATION:
        cached.cache_clear()


def measure_tier(
    leaf: SignNode, tier: str, paths: list[str], when: When | date
) -> dict[str, Measured]:
    """path -> the leaf's raw value (and baseline or exposure) for every area of ``tier``, for
    a day (``When.of_day``; a plain date means that) or an hour (``When.of_hour``)."""
    if not isinstance(when, When):
        when = When.of_day(when)
    kind = leaf.measure.get("kind")
    if leaf.source == Source.PLATFORM and kind in PLATFORM:
        return PLATFORM[kind](leaf, tier, paths, when)
    if leaf.source in (Source.FEED, Source.MANUAL) and kind in ("feed", "manual"):
        return _figures(leaf, tier, paths, when)
    if leaf.source == Source.SENSOR:
        return _sensors(leaf, tier, paths, when)
    if leaf.source == Source.PLATFORM:
        note, params = "not_computed", {"kind": kind}
    else:
        note, params = "not_connected", {"source": leaf.source}
    return {path: Measured(None, None, {}, note, params) for path in paths}
