"""Every region indicator (区域评价) on hand-made cases, with the expected numbers written out.

Street Alpha's grid Alpha-1 (district East), the roads bureau, a 4 工作时 standard, the default
calendar (08:00-12:00, 14:00-18:00); every case reported and filed Monday 23 Nov 09:00 and
dispatched then (due 15:00) unless said otherwise. One more case in district West. The period
is that week, looked at on Tuesday 12:00.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from areas.models import GRID_LEVEL, AreaLevel
from cases import services
from cases.states import SourceChannel
from cases.tests.conftest import local, photo, received
from evaluation import definitions, selectors
from evaluation.facts import write_case_facts
from evaluation.models import CaseFact, CaseOutcome, TaskFact

pytestmark = pytest.mark.django_db

WEEK = (local(23, 0), local(30, 0))
NOW = local(24, 12)
ALPHA = "/330200/330203/330203001/"
EAST = "/330200/330203/"
WEST = "/330200/330205/"


@pytest.fixture
def region_week(flow, staff, roads, west_grid):
    d = staff["roads_disposer"]
    leader = staff["shift_leader"]
    inspector = staff["alpha_inspector"]

    def dispatched(**kwargs):
        case, [task] = flow.dispatched(departments=[roads], **kwargs)
        services.task_accept(task=task, actor=d, now=local(23, 9, 5))
        return case, task

    def dispose(task, at):
        services.task_dispose(task=task, actor=d, photos=[photo()], now=at)

    def close(case, at):
        case.refresh_from_db()
        services.case_check_pass(case=case, actor=inspector, now=at)
        services.case_close(case=case, actor=leader, now=at + timedelta(minutes=5))

    def rate(case, rating, at):
        from portal.models import Satisfaction

        Satisfaction.objects.create(
            case=case,
            rating=rating,
            channel="phone",
            area_path=case.area_path,
            closed_at=case.closed_at,
            submitted_at=at,
        )

    cases = {}
    case, task = dispatched()
    dispose(task, local(23, 14))
    close(case, local(23, 16))  # closed on time
    rate(case, 5, local(24, 9))  # very satisfied
    cases["on_time"] = case
    case, task = dispatched()
    dispose(task, local(23, 15, 1))  # disposed one working minute late
    close(case, local(23, 16))
    rate(case, 2, local(24, 9))  # dissatisfied
    cases["late"] = case
    case, task = dispatched()
    dispose(task, local(23, 11))
    case.refresh_from_db()
    services.case_check_fail(
        case=case, actor=inspector, reason="Still loose", now=local(23, 11, 30)
    )
    task.refresh_from_db()
    services.task_accept(task=task, actor=d, now=local(23, 11, 40))
    dispose(task, local(23, 12))
    close(case, local(23, 16))  # reworked, closed on time (the rework's fresh clock)
    cases["reworked"] = case
    case, _task = dispatched()  # open on Tuesday 12:00, due Monday 15:00: overdue
    cases["overdue"] = case
    case, task = dispatched()
    dispose(task, local(23, 14))  # disposed in time, waiting for its check: not late
    cases["waiting_check"] = case
    case, [task] = flow.dispatched(departments=[roads])
    from cases.models import Task

    Task.objects.filter(pk=task.pk).update(started_at=local(24, 11), deadline_at=local(24, 16))
    cases["not_due"] = case  # open, due Tuesday 16:00: counts in no denominator yet
    case = flow.filed()
    services.case_void(case=case, actor=leader, reason="Not a city problem", now=local(23, 10))
    cases["voided"] = case
    case = flow.filed(source=SourceChannel.HOTLINE_12345)  # filed, not yet dispatched
    received(case)  # a second report of the same problem merged in: 重复
    cases["hotline_repeated"] = case
    # District West: its own inspector reports and checks.
    flow.grid, flow.staff = west_grid, {**staff, "alpha_inspector": staff["gamma_inspector"]}
    inspector = staff["gamma_inspector"]
    case, task = dispatched()
    dispose(task, local(23, 14))
    close(case, local(23, 16))
    cases["west"] = case
    for case in cases.values():
        case.refresh_from_db()
        write_case_facts(case)
    return cases


def _alpha_counts(**kwargs):
    return selectors.region_counts(
        CaseFact.objects.all(), AreaLevel.STREET, *WEEK, now=NOW, **kwargs
    )[ALPHA]


def test_the_counts_of_the_week(region_week):
    assert _alpha_counts() == {
        "filed": 8,  # all but the West one
        "inspector_filed": 7,  # all but the 12345 call
        "public_filed": 1,
        "closed": 3,
        "closed_on_time": 2,  # all but the one disposed a working minute late
        "overdue_open": 1,  # the waiting check and the not-yet-due case are not late
        "due": 4,  # 3 closed + 1 overdue
        "reworked": 1,
        "repeated": 1,
        "voided": 1,
        "hard": 0,
        "by_proxy": 0,
        "rated": 2,
        "satisfied": 1,
    }


def test_the_rates_of_the_week(region_week):
    assert definitions.region_values(_alpha_counts()) == {
        "filed": Decimal(8),
        "inspector_rate": Decimal("87.50"),  # 7 / 8
        "closing_rate": Decimal("75.00"),  # 3 / 4
        "on_time_closing_rate": Decimal("50.00"),  # 2 / 4
        "overdue_open": Decimal(1),
        "rework_rate": Decimal("33.33"),  # 1 / 3
        "repeat_rate": Decimal("12.50"),  # 1 / 8
        "satisfaction_rate": Decimal("50.00"),  # 1 / 2
    }


def test_regions_group_at_every_tier(region_week):
    facts = CaseFact.objects.all()
    districts = selectors.region_counts(facts, AreaLevel.DISTRICT, *WEEK, now=NOW)
    assert {p: c["filed"] for p, c in districts.items()} == {EAST: 8, WEST: 1}
    grids = selectors.region_counts(facts, GRID_LEVEL, *WEEK, now=NOW)
    assert {p.rsplit("/", 2)[-2]: c["filed"] for p, c in grids.items()} == {
        "330203001001001": 8,
        "330205001001001": 1,
    }
    assert selectors.tier_path_length(AreaLevel.DISTRICT) == len(EAST)
    assert selectors.tier_path_length(AreaLevel.STREET) == len(ALPHA)


def test_an_open_case_not_yet_due_counts_nowhere_until_it_is(region_week):
    on_monday = _alpha_counts_at(local(23, 14, 59))
    assert on_monday["overdue_open"] == 0  # due 15:00
    on_tuesday_evening = _alpha_counts_at(local(24, 17))
    assert on_tuesday_evening["overdue_open"] == 2  # and the one due Tuesday 16:00


def _alpha_counts_at(now):
    return selectors.region_counts(CaseFact.objects.all(), AreaLevel.STREET, *WEEK, now=now)[ALPHA]


def test_each_region_count_drills_down_to_the_same_cases(region_week):
    facts = CaseFact.objects.all()
    counts = _alpha_counts()
    for key in definitions.REGION_COUNTS:
        behind = selectors.region_facts_behind(facts, ALPHA, key, *WEEK, now=NOW)
        assert behind.count() == counts[key], key
    late = selectors.region_facts_behind(facts, ALPHA, "closed", *WEEK, now=NOW).filter(
        on_time=False
    )
    assert [f.case for f in late] == [region_week["late"]]
    overdue = selectors.region_facts_behind(facts, ALPHA, "overdue_open", *WEEK, now=NOW)
    assert [f.case for f in overdue] == [region_week["overdue"]]


def test_a_returned_case_is_hard_and_its_fallback_closing_by_proxy(
    flow, staff, roads, alpha_office, django_capture_on_commit_callbacks
):
    from dispatch.services import route

    with django_capture_on_commit_callbacks(execute=True):
        case, [task] = flow.dispatched(departments=[roads])
        services.task_accept(task=task, actor=staff["roads_disposer"], now=local(23, 9, 5))
        services.task_return(
            task=task, actor=staff["roads_disposer"], reason="Not ours", now=local(23, 10)
        )
    fact = CaseFact.objects.get(case=case)
    assert (fact.returns, fact.fallback, fact.outcome) == (1, False, CaseOutcome.OPEN)
    case.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        tasks = route(case=case, actor=staff["city_dispatcher"], now=local(23, 10, 30))
        [task] = tasks
        services.task_accept(task=task, actor=staff["alpha_disposer"], now=local(23, 10, 40))
        services.task_dispose(
            task=task, actor=staff["alpha_disposer"], photos=[photo()], now=local(23, 11)
        )
        services.case_check_pass(case=case, actor=staff["alpha_inspector"], now=local(23, 11, 30))
        services.case_close(case=case, actor=staff["shift_leader"], now=local(23, 11, 40))
    fact.refresh_from_db()
    assert (fact.fallback, fact.outcome, fact.on_time) == (True, CaseOutcome.CLOSED, True)
    counts = _alpha_counts()
    assert (counts["hard"], counts["by_proxy"], counts["closed"]) == (1, 1, 1)


def test_case_facts_follow_the_moves_after_commit(
    flow, staff, roads, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = flow.filed()
    fact = CaseFact.objects.get(case=case)
    assert (fact.outcome, fact.filed_at, fact.deadline_at) == (CaseOutcome.OPEN, flow.t0, None)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_void(
            case=case, actor=staff["shift_leader"], reason="Duplicate", now=local(23, 10)
        )
    fact.refresh_from_db()
    assert (fact.outcome, fact.settled_at) == (CaseOutcome.VOIDED, local(23, 10))
    reported = flow.reported()
    assert not CaseFact.objects.filter(case=reported).exists()  # not filed: no fact


def test_a_rating_goes_into_the_fact(flow, staff, django_capture_on_commit_callbacks):
    from portal.models import Satisfaction

    case, _task = flow.check_passed()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_close(case=case, actor=staff["shift_leader"], now=local(23, 12))
    with django_capture_on_commit_callbacks(execute=True):
        Satisfaction.objects.create(
            case=case,
            rating=4,
            channel="sms",
            area_path=case.area_path,
            closed_at=case.closed_at,
            submitted_at=local(23, 13),
        )
    fact = CaseFact.objects.get(case=case)
    assert (fact.outcome, fact.rating, fact.rated_at) == (CaseOutcome.CLOSED, 4, local(23, 13))


def test_the_backfill_writes_what_the_moves_write(region_week):
    from django.core.management import call_command

    fields = [f.name for f in CaseFact._meta.fields if f.name not in ("id", "updated_at")]
    written = {f.case_id: [getattr(f, n) for n in fields] for f in CaseFact.objects.all()}
    CaseFact.objects.all().delete()
    call_command("evaluation_backfill", verbosity=0)
    again = {f.case_id: [getattr(f, n) for n in fields] for f in CaseFact.objects.all()}
    assert again == written


def test_the_ranking_puts_the_best_on_time_closing_first_within_scope(region_week):
    rows = selectors.region_ranking(AreaLevel.DISTRICT, *WEEK, now=NOW)
    assert [(r["rank"], r["name"]) for r in rows] == [(1, "West"), (2, "East")]
    assert rows[1]["top"] == [(region_week["overdue"].category.name, 8)]
    east_only = selectors.region_ranking(AreaLevel.DISTRICT, *WEEK, now=NOW, within=[EAST])
    assert [r["name"] for r in east_only] == ["East"]


def test_the_default_tier_is_one_below_the_scope():
    assert selectors.default_tier(selectors.ALL) == AreaLevel.DISTRICT
    assert selectors.default_tier(["/330200/"]) == AreaLevel.DISTRICT
    assert selectors.default_tier([EAST]) == AreaLevel.STREET
    assert selectors.default_tier([ALPHA]) == AreaLevel.COMMUNITY


def test_a_rating_counts_for_the_department_that_led_the_last_round(region_week, roads):
    counts = selectors.department_counts(TaskFact.objects.all(), *WEEK, now=NOW)[roads.pk]
    assert (counts["rated"], counts["satisfied"]) == (2, 1)
    assert definitions.values(counts)["satisfaction_rate"] == Decimal("50.00")
    rated = TaskFact.objects.get(case=region_week["on_time"])
    assert (rated.rating, rated.rated_at) == (5, local(24, 9))


def test_a_joint_cases_rating_goes_to_its_lead_only(
    flow, staff, roads, alpha_office, django_capture_on_commit_callbacks
):
    from portal.models import Satisfaction

    case, tasks = flow.dispatched(departments=[roads, alpha_office], lead=roads)
    for task in tasks:
        disposer = staff["roads_disposer"] if task.department == roads else staff["alpha_disposer"]
        services.task_accept(task=task, actor=disposer, now=local(23, 9, 5))
        services.task_dispose(task=task, actor=disposer, photos=[photo()], now=local(23, 10))
    case.refresh_from_db()
    services.case_check_pass(case=case, actor=staff["alpha_inspector"], now=local(23, 11))
    services.case_close(case=case, actor=staff["shift_leader"], now=local(23, 11, 5))
    with django_capture_on_commit_callbacks(execute=True):
        Satisfaction.objects.create(
            case=case,
            rating=4,
            channel="phone",
            area_path=case.area_path,
            closed_at=local(23, 11, 5),
            submitted_at=local(23, 12),
        )
    ratings = dict(TaskFact.objects.filter(case=case).values_list("department__code", "rating"))
    assert ratings == {roads.code: 4, alpha_office.code: None}
