"""Rollups (汇总): the facts summed per day, month, quarter and year, so a ranking of any period and tier
reads a few rows instead of every fact (issue 14: "period numbers sum small rollups").

**What a fact adds.** ``task_counts``, ``case_counts`` and ``category_counts`` say what one
fact adds to which local day: a disposed task adds 处置数 (and 按期, 返工, 延期, 处置时长, 核查)
on the day it was disposed, 派遣 on the day it was dispatched, and so on, exactly the filters of
``evaluation.selectors`` (the reference, kept for what rollups cannot answer and as the tests'
oracle). Each fact adds the same to its day's, month's, quarter's and year's row (``Grain``).

**The overdue backlog** (超期未处置/未结案 at the period's cutoff) is not a sum over the period:
it counts everything overdue and still open at one instant ``c``. A fact becomes overdue at
``e`` (for a task, its deadline; for a case, its deadline unless it was disposed by then) and
stops being open at ``x`` (settled). Overdue at ``c`` means e < c <= x, so

    overdue(c) = #{e < c} - #{max(e, x) < c}

two running totals: ``came_due`` is dated by e and ``resolved`` by max(e, x). For a cutoff at
midnight both are sums of whole days from the beginning (years, quarters, months, days); a
running period's cutoff (now) adds today's part from the facts.

**Kept equal to the facts.** Every fact write goes through ``apply(old, new)`` in the
transaction that writes the facts: it reads the stored rows first and adds the difference
(new minus old) to the rollup rows, increments only (``INSERT ... ON CONFLICT DO UPDATE SET n =
n + excluded.n``), rows in key order so two writers never wait on each other in a cycle. Two
writers of the same case are serialised (SQLite: one writer at a time, IMMEDIATE transactions;
PostgreSQL: a transaction-scoped advisory lock on the case's bucket), so "old" is what the
rollups hold. ``check`` recomputes every rollup from the facts in one snapshot (the nightly
reconciliation, ``manage.py evaluation_reconcile --rollups``) and adds the corrections where
they differ.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from django.db import connection, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Model, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from areas.models import GRID_LEVEL
from cases.states import SourceChannel
from catalog.models import Category
from core import rows
from core.dates import quarter_start
from core.snapshot import snapshot
from evaluation import definitions
from evaluation.models import (
    CaseFact,
    CaseOutcome,
    CategoryRollup,
    DepartmentRollup,
    Grain,
    Outcome,
    RegionRollup,
    TaskFact,
)

# --- What one fact adds ------------------------------------------------------------------------


# Every UTC offset in use is a whole number of quarter hours, so a local midnight never falls
# inside a quarter hour of UTC: each quarter hour has one local day (a cache; the backfill asks
# for millions).
QUARTER_HOUR = 900
_days: dict[tuple[object, int], date] = {}


def local_day(at: datetime) -> date:
    """The day of ``at`` in the city's time zone (settings.TIME_ZONE), which dates rollups."""
    tz = timezone.get_default_timezone()
    key = (tz, int(at.timestamp()) // QUARTER_HOUR)
    day = _days.get(key)
    if day is None:
        if len(_days) > 500_000:
            _days.clear()
        day = _days[key] = at.astimezone(tz).date()
    return day


def task_counts(fact: TaskFact) -> Iterator[tuple[datetime, str, int]]:
    """(when, column, n) for each count a task fact adds to (evaluation.definitions)."""
    disposed = fact.outcome == Outcome.DISPOSED and fact.settled_at is not None
    if disposed:
        at = fact.settled_at
        yield at, "disposed", 1
        if fact.on_time:
            yield at, "disposed_on_time", 1
        if fact.reworks:
            yield at, "reworked", 1
        if fact.extended:
            yield at, "extended", 1
        if fact.work_seconds:
            yield at, "work_seconds", fact.work_seconds
        # Every disposal was checked once more than it failed: passes + failures.
        yield at, "checked", 1 + fact.reworks
    yield fact.started_at, "dispatched", 1
    if fact.outcome == Outcome.RETURNED and fact.settled_at is not None:
        yield fact.settled_at, "returned", 1
    if fact.rated_at is not None:
        yield fact.rated_at, "rated", 1
        if (fact.rating or 0) >= definitions.SATISFIED_FROM:
            yield fact.rated_at, "satisfied", 1
    became_overdue = max(fact.started_at, fact.deadline_at)
    yield became_overdue, "came_due", 1
    if fact.settled_at is not None:
        yield max(became_overdue, fact.settled_at), "resolved", 1


def case_overdue_from(fact: CaseFact) -> datetime | None:
    """When a case became overdue (e): its deadline, unless it was disposed by then."""
    if fact.deadline_at is None:
        return None
    if fact.disposed_at is not None and fact.disposed_at <= fact.deadline_at:
        return None
    return max(fact.filed_at, fact.deadline_at)


def case_counts(fact: CaseFact) -> Iterator[tuple[datetime, str, int]]:
    """(when, column, n) for each region count a case fact adds to."""
    filed = fact.filed_at
    yield filed, "filed", 1
    if fact.source == SourceChannel.INSPECTOR:
        yield filed, "inspector_filed", 1
    if fact.source in definitions.PUBLIC_SOURCES:
        yield filed, "public_filed", 1
    if fact.reports > 1:
        yield filed, "repeated", 1
    if fact.returns or fact.fallback:
        yield filed, "hard", 1
    if fact.outcome == CaseOutcome.CLOSED and fact.settled_at is not None:
        at = fact.settled_at
        yield at, "closed", 1
        if fact.on_time:
            yield at, "closed_on_time", 1
        if fact.reworks:
            yield at, "reworked", 1
        if fact.fallback:
            yield at, "by_proxy", 1
    if fact.outcome == CaseOutcome.VOIDED and fact.settled_at is not None:
        yield fact.settled_at, "voided", 1
    if fact.rated_at is not None:
        yield fact.rated_at, "rated", 1
        if (fact.rating or 0) >= definitions.SATISFIED_FROM:
            yield fact.rated_at, "satisfied", 1
    became_overdue = case_overdue_from(fact)
    if became_overdue is not None:
        yield became_overdue, "came_due", 1
        if fact.settled_at is not None:
            yield max(became_overdue, fact.settled_at), "resolved", 1


def category_counts(fact: CaseFact) -> Iterator[tuple[datetime, str, int]]:
    if fact.category_id is not None:
        yield fact.filed_at, "filed", 1


@dataclass(frozen=True)
class Spec:
    """One rollup table: its model, the key fields after (grain, day), how a fact keys and
    counts, and its value columns."""

    model: type[Model]
    keys: tuple[str, ...]
    key_of: Callable[[Model], tuple]
    counts: Callable[[Model], Iterable[tuple[datetime, str, int]]]

    @property
    def columns(self) -> tuple[str, ...]:
        skip = {"id", "grain", "day", *self.keys}
        return tuple(f.attname for f in self.model._meta.concrete_fields if f.attname not in skip)


DEPARTMENTS = Spec(
    DepartmentRollup,
    ("department_id", "category_kind"),
    lambda f: (f.department_id, f.category_kind),
    task_counts,
)
REGIONS = Spec(
    RegionRollup,
    ("area_path", "category_kind", "source"),
    lambda f: (f.area_path, f.category_kind, f.source),
    case_counts,
)
CATEGORIES = Spec(
    CategoryRollup,
    ("area_path", "category_kind", "category_id"),
    lambda f: (f.area_path, f.category_kind, f.category_id),
    category_counts,
)
TASK_SPECS = (DEPARTMENTS,)
CASE_SPECS = (REGIONS, CATEGORIES)


@lru_cache(maxsize=8192)
def _starts(day: date) -> tuple[tuple[str, date], ...]:
    """The rows a count of ``day`` adds to: its day's, month's, quarter's and year's."""
    return (
        (str(Grain.DAY), day),
        (str(Grain.MONTH), day.replace(day=1)),
        (str(Grain.QUARTER), quarter_start(day)),
        (str(Grain.YEAR), day.replace(month=1, day=1)),
    )


def sums(spec: Spec, facts: Iterable[Model]) -> dict[tuple, Counter]:
    """(grain, day, *key) -> {column: n} of these facts."""
    found: dict[tuple, Counter] = defaultdict(Counter)
    for fact in facts:
        key = spec.key_of(fact)
        for at, column, n in spec.counts(fact):
            for start in _starts(local_day(at)):
                found[(*start, *key)][column] += n
    return found


def _difference(before: dict[tuple, Counter], after: dict[tuple, Counter]) -> dict[tuple, dict]:
    changed = {}
    for key in before.keys() | after.keys():
        old, new = before.get(key, Counter()), after.get(key, Counter())
        delta = {c: new[c] - old[c] for c in old.keys() | new.keys() if new[c] != old[c]}
        if delta:
            changed[key] = delta
    return changed


# --- Writing -----------------------------------------------------------------------------------


def _increment_sql(spec: Spec, count: int):
    q = connection.ops.quote_name
    meta = spec.model._meta
    table = q(meta.db_table)
    keys = ("grain", "day", *spec.keys)
    written = [meta.get_field(n) for n in (*keys, *spec.columns)]
    names = [q(f.column) for f in written]
    source, params = rows.rows_source(connection, written, count)
    conflict = ", ".join(names[: len(keys)])
    adds = ", ".join(f"{n} = {table}.{n} + EXCLUDED.{n}" for n in names[len(keys) :])
    sql = (
        f"INSERT INTO {table} ({', '.join(names)}) {source} "
        f"ON CONFLICT ({conflict}) DO UPDATE SET {adds}"
    )
    return sql, params


Statement = tuple[str, list, int]  # SQL, its parameters, how many rollup rows


def _increments(spec: Spec, deltas: dict[tuple, dict]) -> list[Statement]:
    """The statements that add ``deltas`` to the rollup rows (created at zero when missing),
    in key order."""
    if not deltas:
        return []
    day_field = spec.model._meta.get_field("day")
    columns = spec.columns
    found = []
    # Key order (no key part is ever None: grain, day, paths, kinds, sources and ids).
    for key in sorted(deltas):
        grain, day, *rest = key
        delta = deltas[key]
        found.append(
            [grain, day_field.get_db_prep_value(day, connection), *rest]
            + [delta.get(c, 0) for c in columns]
        )
    width = len(found[0])
    limit = connection.features.max_query_params or 65_535
    size = len(found) if connection.vendor == "postgresql" else max(1, limit // width)
    statements = []
    for start in range(0, len(found), size):
        batch = found[start : start + size]
        sql, params = _increment_sql(spec, len(batch))
        statements.append((sql, params(batch), len(batch)))
    return statements


# Writers of the same case's facts take the advisory lock of its bucket (PostgreSQL).
LOCK_NAMESPACE = 1414  # "EV"
LOCK_BUCKETS = 256


def lock_cases(case_ids: Iterable[int]) -> None:
    """Serialise fact writers per case for the rest of the transaction (buckets in order, so
    writers of many cases never deadlock with each other)."""
    if connection.vendor != "postgresql":
        return  # SQLite: the IMMEDIATE transaction is the only writer
    buckets = sorted({case_id % LOCK_BUCKETS for case_id in case_ids})
    if buckets:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, b) FROM unnest(%s::int[]) AS b ORDER BY b",
                [LOCK_NAMESPACE, buckets],
            )


def apply(
    old_tasks: Sequence[TaskFact],
    new_tasks: Sequence[TaskFact],
    old_cases: Sequence[CaseFact],
    new_cases: Sequence[CaseFact],
) -> None:
    """Add to the rollups what replacing the stored facts ``old_*`` by ``new_*`` changes (a
    deleted fact: old without new). Call inside the transaction that writes the facts, after
    ``lock_cases`` and with ``old_*`` read in it."""
    write(prepare(old_tasks, new_tasks, old_cases, new_cases))


def prepare(
    old_tasks: Sequence[TaskFact],
    new_tasks: Sequence[TaskFact],
    old_cases: Sequence[CaseFact],
    new_cases: Sequence[CaseFact],
) -> list[Statement]:
    """``apply``'s statements, computed without touching the database: a bulk load (the
    historical import) prepares them beside the rows and ``write``s them in the rows'
    transaction on its writer connection."""
    statements = []
    for spec in TASK_SPECS:
        statements += _increments(spec, _difference(sums(spec, old_tasks), sums(spec, new_tasks)))
    for spec in CASE_SPECS:
        statements += _increments(spec, _difference(sums(spec, old_cases), sums(spec, new_cases)))
    return statements


def write(statements: list[Statement]) -> None:
    for sql, params, count in statements:
        rows.execute_rows(connection, sql, params, count)


# --- Checking: every rollup recomputed from the facts ------------------------------------------

CHECK_CHUNK = 20_000


def _stored(spec: Spec) -> dict[tuple, Counter]:
    found = {}
    names = ("grain", "day", *spec.keys, *spec.columns)
    for row in spec.model.objects.values_list(*names).iterator(chunk_size=CHECK_CHUNK):
        width = 2 + len(spec.keys)
        found[tuple(row[:width])] = Counter(
            {c: v for c, v in zip(spec.columns, row[width:], strict=True) if v}
        )
    return found


def _computed(spec: Spec, facts) -> dict[tuple, Counter]:
    found: dict[tuple, Counter] = defaultdict(Counter)
    for fact in facts.iterator(chunk_size=CHECK_CHUNK):
        for key, counts in sums(spec, [fact]).items():
            found[key].update(counts)
    return found


@dataclass(frozen=True)
class RollupDifference:
    table: str
    key: tuple
    stored: dict
    wanted: dict

    def __str__(self) -> str:
        return f"{self.table} {self.key}: stored {self.stored}, facts say {self.wanted}"


def check(*, fix: bool = True) -> list[RollupDifference]:
    """Recompute every rollup from the facts; with ``fix``, make the stored rows right.
    Returns the rows that differed.

    No lock holds the fact writers off (a nightly check takes minutes at millions of facts):
    the rollups and the facts are read in one snapshot (REPEATABLE READ on PostgreSQL; SQLite
    has one writer at a time), and every writer changes facts and rollups together, so the
    snapshot is consistent. The corrections are increments: applied after writers that came
    since (who added their own differences), they still leave rollups equal to the facts."""
    found: list[RollupDifference] = []
    corrections = []
    with snapshot():
        for spec, facts in (
            *((s, TaskFact.objects.all()) for s in TASK_SPECS),
            *((s, CaseFact.objects.all()) for s in CASE_SPECS),
        ):
            stored, wanted = _stored(spec), _computed(spec, facts)
            wrong = _difference(stored, wanted)
            corrections.append((spec, wrong))
            found += [
                RollupDifference(
                    spec.model._meta.model_name,
                    key,
                    dict(stored.get(key, {})),
                    dict(wanted.get(key, {})),
                )
                for key in sorted(wrong, key=str)
            ]
    if fix and found:
        with transaction.atomic():
            for spec, wrong in corrections:
                write(_increments(spec, wrong))
                spec.model.objects.filter(**{c: 0 for c in spec.columns}).delete()
    return found


# --- Reading -----------------------------------------------------------------------------------


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _next_quarter(day: date) -> date:
    return _next_month(_next_month(_next_month(day)))


def pieces(first: date | None, last: date) -> list[tuple[str, date | None, date]]:
    """The rollup rows that make up the days [first, last) (``first`` None: from the
    beginning): whole years as year rows, whole quarters as quarter rows, whole months as
    month rows, the rest as days; (grain, from, to) with rows of that grain whose day is in
    [from, to). (The overdue backlog at a cutoff in September reads the years before, two
    quarters and the months of the third: a quarter of grids reads a third of the rows it
    would month by month.)"""
    found: list[tuple[str, date | None, date]] = []

    def take(grain: str, lo: date | None, hi: date) -> None:
        if found and found[-1][0] == grain and found[-1][2] == lo:
            found[-1] = (grain, found[-1][1], hi)
        else:
            found.append((grain, lo, hi))

    if first is None:
        first = last.replace(month=1, day=1)
        take(Grain.YEAR, None, first)
    day = first
    while day < last:
        if day.month == 1 and day.day == 1 and day.replace(year=day.year + 1) <= last:
            after, grain = day.replace(year=day.year + 1), Grain.YEAR
        elif day == quarter_start(day) and _next_quarter(day) <= last:
            after, grain = _next_quarter(day), Grain.QUARTER
        elif day.day == 1 and _next_month(day) <= last:
            after, grain = _next_month(day), Grain.MONTH
        else:
            after, grain = day + timedelta(days=1), Grain.DAY
        take(grain, day, after)
        day = after
    return found


def span(first: date | None, last: date) -> Q:
    """The rollup rows of the days [first, last) (see ``pieces``)."""
    return _rows_of(pieces(first, last))


def _rows_of(found: Iterable[tuple[str, date | None, date]]) -> Q:
    where = Q(pk__in=[])
    for grain, lo, hi in found:
        piece = Q(grain=grain, day__lt=hi)
        where |= piece & Q(day__gte=lo) if lo is not None else piece
    return where


def rows_of_any(*periods: tuple[date | None, date]) -> Q:
    """The rollup rows of any of these periods of days [first, last) (``merged_pieces``): a
    period and the days before a cutoff share most rows, and naming them twice misleads the
    planner (it reckons the rows twice and scans the whole table instead of the index)."""
    return _rows_of(merged_pieces(*periods))


def merged_pieces(*periods: tuple[date | None, date]) -> list[tuple[str, date | None, date]]:
    """The ``pieces`` of these periods, each grain's ranges merged where they meet or
    overlap."""
    return _merged([piece for first, last in periods for piece in pieces(first, last)])


def _merged(given: Iterable[tuple[str, date | None, date]]) -> list[tuple[str, date | None, date]]:
    ranges: dict[str, list[tuple[date, date]]] = defaultdict(list)
    for grain, lo, hi in given:
        ranges[grain].append((lo or date.min, hi))
    merged: list[tuple[str, date | None, date]] = []
    for grain, spans in ranges.items():
        runs: list[list[date]] = []
        for lo, hi in sorted(spans):
            if runs and lo <= runs[-1][1]:
                runs[-1][1] = max(runs[-1][1], hi)
            else:
                runs.append([lo, hi])
        merged += [(grain, None if lo == date.min else lo, hi) for lo, hi in runs]
    return merged


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def whole_days(start: datetime, end: datetime) -> tuple[date, date] | None:
    """The local days [first, last) of a period that starts and ends at midnight; None when
    it does not (such a period is counted from the facts)."""
    first, last = local_day(start), local_day(end)
    if _midnight(first) != start or _midnight(last) != end:
        return None
    return first, last


@dataclass(frozen=True)
class Window:
    """A period as rollups read it: its days, and the overdue cutoff split into whole days
    before it and the part of a day (today, for a running period) up to it."""

    days: Q  # rows of the period's days
    before_cutoff: Q  # rows of every day before the cutoff's day
    cutoff: datetime
    cutoff_day_start: datetime  # == cutoff when the cutoff is a midnight
    days_or_before: Q  # the rows of either (``rows_of_any``)


def window(start: datetime, end: datetime, now: datetime | None) -> Window | None:
    days = whole_days(start, end)
    if days is None:
        return None
    cutoff = min(end, now or timezone.now())
    day = local_day(cutoff)
    return Window(
        span(*days), span(None, day), cutoff, _midnight(day), rows_of_any(days, (None, day))
    )


def _additive(spec: Spec) -> list[str]:
    """The columns a period sums (all but the overdue backlog's running totals)."""
    return [c for c in spec.columns if c not in ("came_due", "resolved")]


def _sum(rows, columns: Sequence[str], w: Window, group: Sequence) -> list[dict]:
    """Per ``group``: ``columns`` summed over the period's rows and the overdue backlog's
    running totals (came_due, resolved) over the rows before the cutoff. The server groups by
    the two conditions as well (each tested once a row, not once a column: a quarter of grids
    reads ~10^5 rows) and the groups are added up here."""
    flags = {
        "in_days": ExpressionWrapper(w.days, output_field=BooleanField()),
        "before_cutoff": ExpressionWrapper(w.before_cutoff, output_field=BooleanField()),
    }
    summed = [*columns, "came_due", "resolved"]
    parts = (
        rows.filter(w.days_or_before)
        .annotate(**flags)
        .values(*group, *flags)
        .annotate(**{c: Sum(c) for c in summed})
        .order_by()
        .values_list(*group, *flags, *summed)
    )
    width = len(group)
    found: dict[tuple, dict] = {}
    for part in parts:
        key, (in_days, before_cutoff), sums = (
            part[:width],
            part[width : width + 2],
            part[width + 2 :],
        )
        row = found.get(key)
        if row is None:
            row = found[key] = {**dict(zip(group, key, strict=True)), **dict.fromkeys(summed, 0)}
        for column, n in zip(summed, sums, strict=True):
            counted = in_days if column in columns else before_cutoff
            if counted:
                row[column] += n or 0
    return [found[key] for key in sorted(found)]


def _partial(facts, w: Window, started: str, became: Q, group: str) -> dict:
    """Today's part of the overdue backlog up to a running period's cutoff: facts that became
    overdue (``became``: e < cutoff) minus those also settled, with max(e, x) on or after the
    cutoff's midnight."""
    if w.cutoff == w.cutoff_day_start:
        return {}
    c0 = w.cutoff_day_start
    today = Q(**{f"{started}__gte": c0}) | Q(deadline_at__gte=c0)
    came = facts.filter(became & today)
    gone = facts.filter(became & Q(settled_at__lt=w.cutoff) & (today | Q(settled_at__gte=c0)))
    found: Counter = Counter()
    for qs, sign in ((came, 1), (gone, -1)):
        for key, n in qs.values(group).annotate(n=Count("pk")).values_list(group, "n"):
            found[key] += sign * n
    return found


def department_counts(
    departments, start: datetime, end: datetime, *, now: datetime | None = None, kind=None
) -> dict[int, dict[str, int]]:
    """``selectors.department_counts`` of these departments' facts, from the rollups."""
    from evaluation import selectors

    facts = TaskFact.objects.filter(department__in=departments)
    if kind:
        facts = facts.filter(category_kind=kind)
    w = window(start, end, now)
    if w is None:
        return selectors.department_counts(facts, start, end, now=now)
    rows = DepartmentRollup.objects.filter(department__in=departments)
    if kind:
        rows = rows.filter(category_kind=kind)
    additive = _additive(DEPARTMENTS)
    became = Q(started_at__lt=w.cutoff, deadline_at__lt=w.cutoff)
    today = _partial(facts, w, "started_at", became, "department_id")
    result = {}
    for row in _sum(rows, additive, w, ["department_id"]):
        department = row.pop("department_id")
        counts = {c: row[c] or 0 for c in additive}
        overdue = (row["came_due"] or 0) - (row["resolved"] or 0) + today.get(department, 0)
        counts["overdue_open"] = overdue
        counts["due"] = counts["disposed"] + overdue
        if any(counts.values()):
            result[department] = {k: counts[k] for k in definitions.COUNTS}
    return result


def _case_became_overdue(cutoff: datetime) -> Q:
    """Case facts that became overdue before ``cutoff`` (``case_overdue_from`` < cutoff)."""
    not_disposed_in_time = Q(disposed_at__isnull=True) | Q(disposed_at__gt=F("deadline_at"))
    return Q(deadline_at__lt=cutoff, filed_at__lt=cutoff) & not_disposed_in_time


def _under(rows, within):
    """The rows whose area path lies under one of ``within`` (None: ALL, everywhere): a grid
    by its path (nothing lies under a grid; a page of 200 grids as 200 LIKEs cost a scan
    testing each of them on every row), an area by its prefix."""
    from evaluation import selectors

    if within is None:
        return rows
    grid = selectors.tier_path_length(GRID_LEVEL)
    where = Q(area_path__in=[p for p in within if len(p) >= grid])
    for path in within:
        if len(path) < grid:
            where |= Q(area_path__startswith=path)
    return rows.filter(where)


def region_counts(
    tier: str | None,
    start: datetime,
    end: datetime,
    *,
    now: datetime | None = None,
    kind: str | None = None,
    within=None,
) -> dict[str, dict[str, int]]:
    """``selectors.region_counts`` of the case facts under ``within`` (ALL/None: everywhere),
    from the rollups (``tier`` None: per area path as stored)."""
    from evaluation import selectors

    facts = _under(CaseFact.objects.all(), within)
    if kind:
        facts = facts.filter(category_kind=kind)
    w = window(start, end, now)
    if w is None:
        return selectors.region_counts(facts, tier, start, end, now=now)
    rows = _under(RegionRollup.objects.all(), within)
    if kind:
        rows = rows.filter(category_kind=kind)
    rows = rows.annotate(region=selectors.region_of(tier))
    additive = _additive(REGIONS)
    today = _partial(
        facts.annotate(region=selectors.region_of(tier)),
        w,
        "filed_at",
        _case_became_overdue(w.cutoff),
        "region",
    )
    result = {}
    for row in _sum(rows, additive, w, ["region"]):
        region = row.pop("region")
        if not selectors.in_tier(region, tier):
            continue
        counts = _region_row(row, additive, today.get(region, 0))
        if any(counts.values()):
            result[region] = counts
    return result


def _region_row(row: dict, additive: Sequence[str], today: int) -> dict[str, int]:
    counts = {c: row[c] or 0 for c in additive}
    overdue = (row["came_due"] or 0) - (row["resolved"] or 0) + today
    counts["overdue_open"] = overdue
    counts["due"] = counts["closed"] + overdue
    return {k: counts[k] for k in definitions.REGION_COUNTS}


def region_totals(
    path: str, start: datetime, end: datetime, *, now: datetime | None = None, kind=None
) -> tuple[dict[str, int], dict[str, int]] | None:
    """Every region count of the area at ``path`` and its cases filed by source channel
    (the headline); None when the period is not whole days."""
    w = window(start, end, now)
    if w is None:
        return None
    rows = RegionRollup.objects.filter(area_path__startswith=path)
    facts = CaseFact.objects.filter(area_path__startswith=path)
    if kind:
        rows, facts = rows.filter(category_kind=kind), facts.filter(category_kind=kind)
    additive = _additive(REGIONS)
    today = _partial(facts, w, "filed_at", _case_became_overdue(w.cutoff), "source")
    counts: Counter = Counter()
    by_source: dict[str, int] = {}
    for row in _sum(rows, additive, w, ["source"]):
        counts.update(_region_row(row, additive, today.get(row["source"], 0)))
        if row["filed"]:
            by_source[row["source"]] = row["filed"]
    return {k: counts[k] for k in definitions.REGION_COUNTS}, by_source


def filed_under(
    prefixes: list[str], start: datetime, end: datetime
) -> list[tuple[str, int, int]] | None:
    """[(area path, cases filed, of them from a public report)] under these prefixes in the
    period, from the region rollups (an inspector's 漏报 and its denominator); None when the
    period is not whole days."""
    days = whole_days(start, end)
    if days is None:
        return None
    rows = (
        _under(RegionRollup.objects.filter(span(*days)), prefixes)
        .values("area_path")
        .annotate(filed=Sum("filed"), public=Sum("public_filed"))
        .order_by()
        .values_list("area_path", "filed", "public")
    )
    return [(path, filed or 0, public or 0) for path, filed, public in rows]


# Regions named in a top-categories query (a ranking page's); more are filtered in Python.
NAMED_REGIONS = 1_000


def top_categories(
    regions,
    tier: str,
    start: datetime,
    end: datetime,
    *,
    kind=None,
    within=None,
    limit: int = 3,
) -> dict[str, list[tuple[str, int]]] | None:
    """``selectors.top_categories`` from the rollups; None when the period is not whole days."""
    from evaluation import selectors

    days = whole_days(start, end)
    if days is None:
        return None
    length = selectors.tier_path_length(tier)
    rows = _under(CategoryRollup.objects.all(), within).filter(span(*days))
    if kind:
        rows = rows.filter(category_kind=kind)
    # The sums per (region, category) leave the server as numbers and the first ``limit`` of
    # each region are picked here: a quarter of grids is ~10^5 rollup rows summed into ~5 x
    # 10^4 pairs, and ordering them on the server (a window) cost more than picking (work_mem).
    # A page's regions (a few hundred) are named in the query, grids by their path (the
    # rollups' key, so by its index); thousands are dropped here instead (as parameters they
    # cost more than they save).
    wanted = set(regions)
    if not wanted:
        return {}
    rows = rows.annotate(region=Substr("area_path", 1, length))
    if len(wanted) <= NAMED_REGIONS:  # a grid's rows are keyed by its path
        named = list(wanted)
        rows = (
            rows.filter(area_path__in=named)
            if tier == GRID_LEVEL
            else rows.filter(region__in=named)
        )
    by_region: dict[str, list[tuple[int, int]]] = defaultdict(list)
    grouped = (
        rows.values("region", "category_id")
        .annotate(n=Sum("filed"))
        .filter(n__gt=0)
        .order_by()
        .values_list("region", "category_id", "n")
    )
    sql, params = grouped.query.sql_with_params()
    with connection.cursor() as cursor:  # plain rows: the ORM's converters cost ~1 us a value
        cursor.execute(sql, params)
        for region, category, n in cursor.fetchall():
            if region in wanted:
                by_region[region].append((n, category))
    names = _category_names()
    return {
        region: [
            (names[c], n)
            for n, c in heapq.nsmallest(limit, pairs, key=lambda p: (-p[0], names[p[1]]))
        ]
        for region, pairs in by_region.items()
    }


def _category_names() -> dict[int, str]:
    return dict(Category.objects.values_list("pk", "name"))


# --- Trends (走势): whole months in one query ---------------------------------------------------

TREND_MONTHS = 6


def trend_months(last: date, now: datetime, count: int = TREND_MONTHS) -> list[date]:
    """The first days of the ``count`` whole months ending with ``last``'s month, or with the
    month before it while that month is still running."""
    month = last.replace(day=1)
    if _midnight(_next_month(month)) > now:
        month = (month - timedelta(days=1)).replace(day=1)
    months = [month]
    while len(months) < count:
        months.insert(0, (months[0] - timedelta(days=1)).replace(day=1))
    return months


def _monthly(spec: Spec, rows, group: str, months: list[date]) -> dict[object, list[dict]]:
    """group -> [(additive counts, overdue at the month's end)] for whole past months: the
    month rows, and the overdue backlog carried from everything before the first month."""
    first, end = months[0], _next_month(months[-1])
    additive = _additive(spec)
    wanted = _rows_of(_merged([*pieces(None, first), (Grain.MONTH, first, end)]))
    sums_ = {c: Sum(c) for c in (*additive, "came_due", "resolved")}
    carried: Counter = Counter()
    by_month: dict[object, dict[date, dict]] = defaultdict(dict)
    for row in rows.filter(wanted).values(group, "grain", "day").annotate(**sums_):
        net = (row["came_due"] or 0) - (row["resolved"] or 0)
        if row["day"] < first:
            carried[row[group]] += net
        else:
            by_month[row[group]][row["day"]] = {**row, "net": net}
    found = {}
    for key in carried.keys() | by_month.keys():
        overdue, series = carried[key], []
        for month in months:
            row = by_month[key].get(month, {})
            overdue += row.get("net", 0)
            series.append(({c: row.get(c) or 0 for c in additive}, overdue))
        found[key] = series
    return found


def department_trend(departments, months: list[date], *, kind=None) -> dict[int, list[dict]]:
    """department id -> its counts (evaluation.definitions.COUNTS) of each whole month."""
    rows = DepartmentRollup.objects.filter(department__in=departments)
    if kind:
        rows = rows.filter(category_kind=kind)
    found = {}
    for department, series in _monthly(DEPARTMENTS, rows, "department_id", months).items():
        found[department] = [
            {**counts, "overdue_open": overdue, "due": counts["disposed"] + overdue}
            for counts, overdue in series
        ]
    return found


def region_trend(tier: str, months: list[date], *, kind=None, within=None) -> dict[str, list]:
    """region path -> its counts (evaluation.definitions.REGION_COUNTS) of each whole month."""
    from evaluation import selectors

    length = selectors.tier_path_length(tier)
    rows = _under(RegionRollup.objects.all(), within)
    if kind:
        rows = rows.filter(category_kind=kind)
    rows = rows.annotate(region=Substr("area_path", 1, length))
    found = {}
    for region, series in _monthly(REGIONS, rows, "region", months).items():
        if len(region) == length:
            found[region] = [
                {**counts, "overdue_open": overdue, "due": counts["closed"] + overdue}
                for counts, overdue in series
            ]
    return found
