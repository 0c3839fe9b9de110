"""Rollups (汇总) give the numbers the facts give, for any whole-day period and cutoff, and
stay equal to the facts as they are written, rewritten and removed.

The oracle is the facts path (``selectors.department_counts`` / ``region_counts``, the
filters of evaluation.definitions): the rankings read rollups, and every period below must
come out the same both ways.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from areas.models import GRID_LEVEL, AreaLevel
from cases import services
from cases.tests.conftest import local, photo
from evaluation import facts as writer
from evaluation import rollups, selectors
from evaluation.models import CaseFact, DepartmentRollup, Grain, RegionRollup, TaskFact
from evaluation.tests.test_definitions import week  # noqa: F401 - the fixture
from evaluation.tests.test_regions import EAST, region_week  # noqa: F401 - the fixture
from org.models import Department

pytestmark = pytest.mark.django_db

D, M, Q, Y = Grain.DAY, Grain.MONTH, Grain.QUARTER, Grain.YEAR

# Whole-day periods around the fixtures' week (Mon 23 - Sun 29 Nov 2026) and the instants
# they are looked at: before it, during it (mid-day and at midnight), long after.
PERIODS = [
    selectors.day_bounds(date(2026, 11, 23), date(2026, 11, 29)),  # the week
    selectors.day_bounds(date(2026, 11, 23), date(2026, 11, 23)),  # Monday
    selectors.day_bounds(date(2026, 11, 24), date(2026, 11, 24)),  # Tuesday
    selectors.day_bounds(date(2026, 11, 25), date(2026, 11, 29)),  # after the moves
    selectors.day_bounds(date(2026, 11, 1), date(2026, 11, 30)),  # November
    selectors.day_bounds(date(2026, 1, 1), date(2026, 12, 31)),  # the year
    selectors.day_bounds(date(2025, 12, 15), date(2027, 1, 10)),  # years, months and days
    selectors.day_bounds(date(2026, 10, 1), date(2026, 11, 22)),  # before the week: nothing
]
NOWS = [
    local(23, 12),
    local(24, 0),
    local(24, 12),
    local(24, 16, 30),
    local(28, 9) + timedelta(days=90),
]


def _both_ways(start, end, now, **scope):
    kind = scope.get("kind")
    departments = scope.get("departments", Department.objects.all())
    facts = TaskFact.objects.filter(department__in=departments)
    if kind:
        facts = facts.filter(category_kind=kind)
    return (
        rollups.department_counts(departments, start, end, now=now, kind=kind),
        selectors.department_counts(facts, start, end, now=now),
    )


@pytest.mark.parametrize("period", PERIODS)
def test_department_counts_equal_the_facts_for_every_period_and_cutoff(week, period):  # noqa: F811
    for now in NOWS:
        rolled, counted = _both_ways(*period, now)
        assert rolled == counted, (period, now)
    assert any(_both_ways(*PERIODS[0], NOWS[2])[1].values())  # not vacuous


@pytest.mark.parametrize("tier", [AreaLevel.DISTRICT, AreaLevel.STREET, GRID_LEVEL, None])
def test_region_counts_equal_the_facts_for_every_period_cutoff_and_scope(region_week, tier):  # noqa: F811
    """... at every tier, and per area path as stored (``tier`` None: what the sign index sums
    into its tiers)."""
    for start, end in PERIODS:
        for now in NOWS:
            for within, kind in ((None, None), ([EAST], None), (None, "component")):
                facts = CaseFact.objects.all()
                if within:
                    facts = facts.filter(area_path__startswith=within[0])
                if kind:
                    facts = facts.filter(category_kind=kind)
                counted = selectors.region_counts(facts, tier, start, end, now=now)
                rolled = rollups.region_counts(tier, start, end, now=now, kind=kind, within=within)
                assert rolled == counted, (start, end, now, within, kind)
    counted = selectors.region_counts(CaseFact.objects.all(), tier, *PERIODS[0], now=NOWS[2])
    assert sum(c["overdue_open"] for c in counted.values()) == 1  # not vacuous


def test_the_headline_and_top_categories_equal_the_facts(region_week):  # noqa: F811
    start, end = PERIODS[0]
    counts, by_source = rollups.region_totals("/330200/", start, end, now=NOWS[2])
    facts = CaseFact.objects.filter(area_path__startswith="/330200/")
    assert (counts, by_source) == selectors._facts_totals(facts, start, end, NOWS[2])
    assert by_source == {"inspector": 8, "hotline_12345": 1}
    top = rollups.top_categories([EAST], AreaLevel.DISTRICT, start, end)
    assert top == {EAST: [(region_week["overdue"].category.name, 8)]}


def test_a_period_not_of_whole_days_is_counted_from_the_facts(week, roads):  # noqa: F811
    start, end = local(23, 9), local(23, 15)
    rolled, counted = _both_ways(start, end, NOWS[2])
    assert rolled == counted and counted[roads.pk]["disposed"] >= 1
    assert rollups.window(start, end, NOWS[2]) is None


def test_a_year_is_read_from_year_month_and_day_rows():
    assert rollups.pieces(date(2026, 1, 1), date(2027, 1, 1)) == [
        (Y, date(2026, 1, 1), date(2027, 1, 1))
    ]
    assert rollups.pieces(date(2026, 11, 23), date(2027, 3, 2)) == [
        (D, date(2026, 11, 23), date(2026, 12, 1)),
        (M, date(2026, 12, 1), date(2027, 3, 1)),
        (D, date(2027, 3, 1), date(2027, 3, 2)),
    ]
    assert rollups.pieces(None, date(2026, 11, 24)) == [
        (Y, None, date(2026, 1, 1)),
        (Q, date(2026, 1, 1), date(2026, 10, 1)),
        (M, date(2026, 10, 1), date(2026, 11, 1)),
        (D, date(2026, 11, 1), date(2026, 11, 24)),
    ]
    assert rollups.pieces(date(2026, 3, 30), date(2026, 10, 2)) == [
        (D, date(2026, 3, 30), date(2026, 4, 1)),
        (Q, date(2026, 4, 1), date(2026, 10, 1)),
        (D, date(2026, 10, 1), date(2026, 10, 2)),
    ]
    assert rollups.pieces(date(2026, 2, 1), date(2026, 7, 1)) == [
        (M, date(2026, 2, 1), date(2026, 4, 1)),
        (Q, date(2026, 4, 1), date(2026, 7, 1)),
    ]
    assert rollups.pieces(date(2026, 2, 1), date(2026, 2, 1)) == []


def test_a_period_and_the_days_before_its_cutoff_name_each_row_once():
    """A quarter and the days before its end: the quarters of the year so far once (the
    quarter itself among them), the years before once; pieces of different grains stay apart
    (a year row and the day rows of the same year are different rows)."""
    quarter, before = (date(2025, 7, 1), date(2025, 10, 1)), (None, date(2025, 10, 1))
    assert rollups.merged_pieces(quarter, before) == [
        (Q, date(2025, 1, 1), date(2025, 10, 1)),
        (Y, None, date(2025, 1, 1)),
    ]
    around_new_year = (date(2024, 12, 15), date(2025, 1, 15))
    assert sorted(rollups.merged_pieces(around_new_year, (None, date(2025, 3, 1)))) == [
        (D, date(2024, 12, 15), date(2025, 1, 15)),
        (M, date(2025, 1, 1), date(2025, 3, 1)),
        (Y, None, date(2025, 1, 1)),
    ]
    assert rollups.merged_pieces((date(2026, 2, 1), date(2026, 2, 1))) == []


@pytest.mark.parametrize(
    "days", [(date(2026, 11, 1), date(2026, 11, 30)), (date(2026, 10, 28), date(2026, 11, 25))]
)
def test_the_rows_of_any_are_the_rows_of_the_period_or_before_the_cutoff(region_week, days):  # noqa: F811
    start, end = selectors.day_bounds(*days)
    w = rollups.window(start, end, NOWS[2])
    one_or_other = set(
        RegionRollup.objects.filter(w.days | w.before_cutoff).values_list("pk", flat=True)
    )
    assert (
        set(RegionRollup.objects.filter(w.days_or_before).values_list("pk", flat=True))
        == one_or_other
    )
    assert one_or_other


def test_rows_under_grids_and_areas_are_those_their_paths_start_with(region_week):  # noqa: F811
    """``_under``: a grid by its path (exactly: nothing lies under a grid), an area by its
    prefix; the same rows as prefixes would give."""
    grids = {p for p in RegionRollup.objects.values_list("area_path", flat=True)
             if len(p) == selectors.tier_path_length(GRID_LEVEL)}  # fmt: skip
    grid, district = sorted(grids)[0], "/330200/330205/"
    for within in ([grid], [grid, district], [district]):
        prefixed = {r.pk for r in RegionRollup.objects.all()
                    if any(r.area_path.startswith(w) for w in within)}  # fmt: skip
        under = set(rollups._under(RegionRollup.objects.all(), within).values_list("pk", flat=True))
        assert under == prefixed and prefixed


def test_each_fact_adds_to_its_day_month_quarter_and_year(week, roads):  # noqa: F811
    days = DepartmentRollup.objects.filter(department=roads, grain=D)
    months = DepartmentRollup.objects.filter(department=roads, grain=M)
    quarters = DepartmentRollup.objects.filter(department=roads, grain=Q)
    years = DepartmentRollup.objects.filter(department=roads, grain=Y)
    total = sum(r.dispatched for r in days)
    assert total == TaskFact.objects.filter(department=roads).count() > 0
    assert sum(r.dispatched for r in months) == sum(r.dispatched for r in years) == total
    assert sum(r.dispatched for r in quarters) == total
    assert {r.day for r in quarters} == {date(2026, 10, 1)}
    assert {r.day for r in years} == {date(2026, 1, 1)}


def test_an_existing_install_gets_its_quarter_rows_from_its_month_rows(region_week):  # noqa: F811
    """Migration 0014 (with the models as they were then): the quarter rows of rollups written
    before quarters existed are the sums of their month rows by quarter and key (March alone in
    Q1, April and May together in Q2), and equal to what the facts give (the rollup check)."""
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from evaluation.models import CategoryRollup

    migration = importlib.import_module("evaluation.migrations.0014_quarter_grain")
    then = MigrationLoader(connection).project_state(("evaluation", "0014_quarter_grain")).apps
    path = "/330200/330299/"
    for month, filed in ((date(2025, 3, 1), 1), (date(2025, 4, 1), 2), (date(2025, 5, 1), 4)):
        RegionRollup.objects.create(grain=M, day=month, area_path=path, category_kind="event",
                                    source="hotline_12345", filed=filed, came_due=filed)  # fmt: skip
    for model in (DepartmentRollup, RegionRollup, CategoryRollup):
        assert model.objects.filter(grain=Q).exists()
        model.objects.filter(grain=Q).delete()

    migration.add_quarters(then, None)

    mine = RegionRollup.objects.filter(grain=Q, area_path=path).order_by("day")
    assert [(r.day, r.filed, r.came_due) for r in mine] == [
        (date(2025, 1, 1), 1, 1),
        (date(2025, 4, 1), 6, 6),
    ]
    RegionRollup.objects.filter(area_path=path).delete()  # not the facts': the check says so
    assert rollups.check(fix=False) == []


def test_rework_moves_a_disposal_out_of_its_day_and_back(flow, staff, roads):
    case, [task] = flow.dispatched(departments=[roads], now=local(23, 9))
    d = staff["roads_disposer"]
    services.task_accept(task=task, actor=d, now=local(23, 9, 10))
    services.task_dispose(task=task, actor=d, photos=[photo()], now=local(23, 11))
    case.refresh_from_db()
    writer.write_case_facts(case)
    monday = DepartmentRollup.objects.get(department=roads, grain=D, day=date(2026, 11, 23))
    assert monday.disposed == 1
    services.case_check_fail(
        case=case, actor=staff["alpha_inspector"], reason="Still loose", now=local(24, 10)
    )
    case.refresh_from_db()
    writer.write_case_facts(case)
    monday.refresh_from_db()
    assert monday.disposed == 0  # reopened: no longer disposed on Monday
    task.refresh_from_db()
    services.task_accept(task=task, actor=d, now=local(24, 10, 10))
    services.task_dispose(task=task, actor=d, photos=[photo()], now=local(24, 11))
    case.refresh_from_db()
    writer.write_case_facts(case)
    tuesday = DepartmentRollup.objects.get(department=roads, grain=D, day=date(2026, 11, 24))
    assert (tuesday.disposed, tuesday.reworked, tuesday.checked) == (1, 1, 2)
    assert rollups.check(fix=False) == []


def test_removed_facts_take_their_numbers_with_them(region_week):  # noqa: F811
    case = region_week["west"]
    writer.remove(
        list(TaskFact.objects.filter(case=case).values_list("task_id", flat=True)), [case.pk]
    )
    assert rollups.check(fix=False) == []
    assert not RegionRollup.objects.filter(area_path=case.area_path, filed__gt=0).exists()


def test_the_check_finds_and_fixes_a_planted_difference(region_week):  # noqa: F811
    assert rollups.check(fix=False) == []
    row = RegionRollup.objects.filter(grain=M, closed__gt=0).first()
    RegionRollup.objects.filter(pk=row.pk).update(closed=row.closed + 5)
    found = rollups.check()
    assert [(d.table, d.stored["closed"], d.wanted["closed"]) for d in found] == [
        ("regionrollup", row.closed + 5, row.closed)
    ]
    assert rollups.check(fix=False) == []


def test_a_task_disposed_days_before_its_deadline_is_never_overdue(flow, staff, roads):
    from cases.models import Task

    case, [task] = flow.dispatched(departments=[roads], now=local(23, 9))
    Task.objects.filter(pk=task.pk).update(deadline_at=local(25, 17))  # a three-day limit
    task.refresh_from_db()
    d = staff["roads_disposer"]
    services.task_accept(task=task, actor=d, now=local(23, 9, 10))
    services.task_dispose(task=task, actor=d, photos=[photo()], now=local(23, 11))
    case.refresh_from_db()
    writer.write_case_facts(case)
    for last in (date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 26)):
        start, end = selectors.day_bounds(date(2026, 11, 23), last)
        rolled, counted = _both_ways(start, end, local(28, 9))
        assert rolled == counted
        assert rolled[roads.pk]["overdue_open"] == 0


def test_a_trend_is_each_whole_months_numbers(week, region_week, roads):  # noqa: F811
    months = rollups.trend_months(date(2026, 12, 10), local(28, 9) + timedelta(days=14))
    assert months == [date(2026, m, 1) for m in range(6, 12)]  # December still running
    later = local(28, 9) + timedelta(days=90)
    assert rollups.trend_months(date(2026, 12, 31), later)[-1] == date(2026, 12, 1)
    trend = rollups.department_trend(Department.objects.all(), months)
    for i, month in enumerate(months):
        last = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        counted = selectors.department_counts(
            TaskFact.objects.all(), *selectors.day_bounds(month, last), now=later
        )
        wanted = counted.get(roads.pk, dict.fromkeys(trend[roads.pk][i], 0))
        assert trend[roads.pk][i] == wanted, month
        regions = selectors.region_counts(
            CaseFact.objects.all(), AreaLevel.STREET, *selectors.day_bounds(month, last), now=later
        )
        for path, series in rollups.region_trend(AreaLevel.STREET, months).items():
            assert series[i] == regions.get(path, dict.fromkeys(series[i], 0)), (path, month)
    assert trend[roads.pk][-1]["disposed"] > 0  # November: not vacuous


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_check_reads_one_snapshot_and_fixes_outside_it(region_week):  # noqa: F811
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the snapshot read is PostgreSQL's REPEATABLE READ")
    assert not connection.in_atomic_block  # the check runs its own transactions
    row = RegionRollup.objects.filter(grain=Y, filed__gt=0).first()
    RegionRollup.objects.filter(pk=row.pk).update(filed=row.filed + 2)
    found = rollups.check()
    assert [(d.table, d.stored["filed"] - d.wanted["filed"]) for d in found] == [
        ("regionrollup", 2)
    ]
    assert rollups.check(fix=False) == []


def test_top_categories_are_each_regions_most_filed_ties_by_name(region_week):  # noqa: F811
    """高发类别 from the category rollups: summed over the period's month and day rows, the
    first three per region by count, a tie in the order of the names; regions not asked for
    are left out; a ranking read for its order only (``top=False``) has none."""
    from catalog.models import Category
    from evaluation.models import CategoryRollup

    week_ = PERIODS[0]
    full = selectors.region_ranking(AreaLevel.DISTRICT, *week_, now=NOWS[2])
    bare = selectors.region_ranking(AreaLevel.DISTRICT, *week_, now=NOWS[2], top=False)
    assert any(row["top"] for row in full) and not any(row["top"] for row in bare)
    assert [(r["path"], r["rank"]) for r in bare] == [(r["path"], r["rank"]) for r in full]

    CategoryRollup.objects.all().delete()
    cats = sorted(Category.objects.order_by("pk")[:5], key=lambda c: c.name)
    a, b, c, d, e = cats
    kinds = {x.pk: x.kind for x in cats}
    west = "/330200/330205/"
    rows = [  # (path, category, [(grain, day, filed)])
        (EAST, e, [(M, date(2026, 10, 1), 4), (D, date(2026, 11, 2), 1)]),  # 5
        (EAST, b, [(M, date(2026, 10, 1), 5)]),  # 5, before e by name
        (EAST, a, [(D, date(2026, 11, 3), 2)]),  # 2
        (EAST, c, [(M, date(2026, 10, 1), 1)]),  # 1: fourth, left out
        (EAST, d, [(M, date(2026, 9, 1), 9)]),  # before the period
        (west, d, [(M, date(2026, 10, 1), 3)]),
        ("/330200/330299/", a, [(M, date(2026, 10, 1), 7)]),  # not asked for
    ]
    CategoryRollup.objects.bulk_create(
        CategoryRollup(grain=g, day=day, area_path=path + "330203001/", category=cat,
                       category_kind=kinds[cat.pk], filed=n)
        for path, cat, pieces in rows
        for g, day, n in pieces
    )  # fmt: skip
    start, end = selectors.day_bounds(date(2026, 10, 1), date(2026, 11, 3))

    top = rollups.top_categories([EAST, west], AreaLevel.DISTRICT, start, end)

    assert top == {
        EAST: [(b.name, 5), (e.name, 5), (a.name, 2)],
        west: [(d.name, 3)],
    }


@pytest.mark.parametrize("tier", [GRID_LEVEL, AreaLevel.STREET])
@pytest.mark.parametrize("named", [1_000, 0])
def test_a_page_reads_the_top_categories_of_its_own_rows(region_week, monkeypatch, tier, named):  # noqa: F811
    """A long ranking is read without its most filed categories and each page reads them for
    its own rows: named in the query (a grid by its path, the rollups' key) or, past
    ``NAMED_REGIONS``, picked from all; either way each row's own, as the full ranking's."""
    monkeypatch.setattr(rollups, "NAMED_REGIONS", named)
    week_ = PERIODS[0]
    full = selectors.region_ranking(tier, *week_, now=NOWS[2])
    bare = selectors.region_ranking(tier, *week_, now=NOWS[2], top=False)
    assert len(full) >= 2 and all(row["top"] for row in full)
    for page in (bare[:1], bare[1:]):
        selectors.with_top_categories(page, tier, *week_)
    assert [row["top"] for row in bare] == [row["top"] for row in full]


def test_region_names_read_many_paths_by_their_common_prefix(region_week, monkeypatch):  # noqa: F811
    from areas.models import AdminArea, UnitGrid

    paths = [*AdminArea.objects.values_list("path", flat=True)]
    paths += UnitGrid.objects.values_list("path", flat=True)
    by_list = selectors.region_names(paths)
    monkeypatch.setattr(selectors, "NAMED_IN_QUERY", 1)
    assert selectors.region_names(paths) == by_list and len(by_list) == len(paths) > 2


def test_a_backfill_reads_seven_queries_a_chunk_and_rewrites_only_what_changed(
    region_week,  # noqa: F811
    django_assert_max_num_queries,
):
    """The backfill's reading (``facts.computed``) loads the few columns the facts need in seven
    queries whatever the chunk's size (a column the fact functions read but the loader left out
    would cost a query per case); storing facts as they are already writes nothing, and a
    changed fact is rewritten with its rollups."""
    from cases.models import Case
    from evaluation import facts
    from evaluation.models import CaseFact

    ids = facts.filed_ids(Case.objects.all())
    facts.computed(ids)  # each category's kind is read once a process
    with django_assert_max_num_queries(7):
        task_facts, case_rows = facts.computed(ids)
    assert len(case_rows) == len(ids) and task_facts
    stamps = dict(CaseFact.objects.values_list("case_id", "updated_at"))
    facts.store(task_facts, case_rows)
    assert dict(CaseFact.objects.values_list("case_id", "updated_at")) == stamps  # untouched
    overdue = region_week["overdue"].pk
    CaseFact.objects.filter(case_id=overdue).update(reports=3)  # a planted difference
    changed = rollups.check(fix=True)
    assert changed  # the rollups now count the planted repeat
    task_facts, case_rows = facts.computed(ids)
    assert facts.store(task_facts, case_rows) == 1  # the planted fact only, put right
    assert CaseFact.objects.get(case_id=overdue).reports == 1
    assert not rollups.check(fix=False)
