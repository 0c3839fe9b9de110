"""Every department indicator on hand-made tasks, with the expected numbers written out.

Roads bureau, a 4 工作时 standard, the default calendar (08:00-12:00, 14:00-18:00), every task
dispatched Monday 23 Nov 09:00 (due 15:00) unless said otherwise. The period is that week,
looked at on Tuesday 12:00.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from cases import services
from cases.tests.conftest import local, photo
from evaluation import definitions, selectors
from evaluation.facts import write_case_facts
from evaluation.models import Outcome, TaskFact

pytestmark = pytest.mark.django_db

WEEK = (local(23, 0), local(30, 0))
NOW = local(24, 12)


@pytest.fixture
def week(flow, staff, roads):
    """Eight tasks of the roads bureau, one per case (see the module docstring)."""
    d = staff["roads_disposer"]
    desk = staff["city_dispatcher"]

    def dispatched(at=None):
        case, [task] = flow.dispatched(departments=[roads])
        if at is not None:  # dispatched later than T0: move the clock fields as dispatch would
            from cases.models import Task

            Task.objects.filter(pk=task.pk).update(
                started_at=at, deadline_at=at + timedelta(hours=5)
            )
            task.refresh_from_db()
        services.task_accept(task=task, actor=d, now=task.started_at)
        return case, task

    def dispose(task, at):
        services.task_dispose(task=task, actor=d, photos=[photo()], now=at)

    cases = {}
    case, task = dispatched()
    dispose(task, local(23, 14))  # on time
    cases["on_time"] = case
    case, task = dispatched()
    dispose(task, local(23, 15, 1))  # late by one working minute
    cases["late"] = case
    case, task = dispatched()
    services.case_suspend(case=case, actor=desk, reason="Waiting for parts", now=local(23, 10))
    services.case_resume(case=case, actor=desk, now=local(23, 16))  # 4 working hours paused
    task.refresh_from_db()
    assert task.deadline_at == local(24, 9)
    dispose(task, local(24, 8, 30))  # on time thanks to the pause
    cases["paused"] = case
    case, task = dispatched()
    services.task_request_extension(
        task=task, actor=d, amount=Decimal("2"), reason="Big job", now=local(23, 10)
    )
    services.task_approve_extension(task=task, actor=desk, now=local(23, 10, 5))
    task.refresh_from_db()
    assert task.deadline_at == local(23, 17)
    dispose(task, local(23, 16, 30))  # on time with the extension
    cases["extended"] = case
    case, task = dispatched()
    dispose(task, local(23, 11))
    services.case_check_fail(
        case=case, actor=staff["alpha_inspector"], reason="Still loose", now=local(23, 11, 30)
    )
    task.refresh_from_db()
    services.task_accept(task=task, actor=d, now=local(23, 11, 40))
    dispose(task, local(23, 12))  # reworked, on time
    cases["reworked"] = case
    case, task = dispatched()
    services.task_return(task=task, actor=d, reason="Not ours", now=local(23, 10))
    cases["returned"] = case
    case, task = dispatched()  # still open on Tuesday 12:00, due Monday 15:00: overdue
    cases["overdue"] = case
    case, task = dispatched(at=local(24, 11))  # still open, due later: counts nowhere yet
    cases["not_due"] = case
    for case in cases.values():
        write_case_facts(case)
    return cases


def test_the_counts_of_the_week(week, roads):
    counts = selectors.department_counts(TaskFact.objects.all(), *WEEK, now=NOW)[roads.pk]
    assert counts == {
        "disposed": 5,
        "disposed_on_time": 4,  # all but the one late by a working minute
        "overdue_open": 1,
        "due": 6,  # 5 disposed + 1 overdue; the open task not yet due counts nowhere
        "reworked": 1,
        "extended": 1,
        "dispatched": 8,
        "returned": 1,
        # 3 h + 4 h 01 min + (7.5 h - 4 h paused) + 5.5 h + 0.5 h (the rework's own clock,
        # restarted by the failed check at 11:30, to the second disposal at 12:00)
        "work_seconds": 3 * 3600 + 4 * 3600 + 60 + 3 * 3600 + 1800 + 5 * 3600 + 1800 + 1800,
        "checked": 6,  # 5 disposals checked, one of them twice (failed, then passed)
        "rated": 0,
        "satisfied": 0,
    }


def test_the_rates_of_the_week(week, roads):
    counts = selectors.department_counts(TaskFact.objects.all(), *WEEK, now=NOW)[roads.pk]
    assert definitions.values(counts) == {
        "due": Decimal(6),
        "disposed": Decimal(5),
        "disposal_rate": Decimal("83.33"),  # 5 / 6
        "on_time_rate": Decimal("66.67"),  # 4 / 6
        "overdue_open": Decimal(1),
        "overdue_rate": Decimal("16.67"),  # 1 / 6
        "rework_rate": Decimal("20.00"),  # 1 / 5
        "return_rate": Decimal("12.50"),  # 1 / 8
        "extension_rate": Decimal("20.00"),  # 1 / 5
        "check_pass_rate": Decimal("83.33"),  # 5 / 6
        "satisfaction_rate": None,  # nobody rated: no number, not 0 %
        "mean_hours": Decimal("3.30"),  # 16 h 31 min / 5
    }


def test_an_empty_denominator_gives_no_number_not_zero():
    assert definitions.BY_KEY["disposal_rate"].value({"disposed": 0, "due": 0}) is None
    assert definitions.BY_KEY["due"].value({"due": 0}) == 0


def test_before_its_deadline_passes_an_open_task_counts_nowhere(week, roads):
    on_monday = selectors.department_counts(TaskFact.objects.all(), *WEEK, now=local(23, 14, 59))[
        roads.pk
    ]
    assert on_monday["overdue_open"] == 0  # due 15:00: not yet overdue
    assert on_monday["due"] == on_monday["disposed"]


def test_each_count_drills_down_to_the_same_facts(week, roads):
    facts = TaskFact.objects.filter(department=roads)
    counts = selectors.department_counts(facts, *WEEK, now=NOW)[roads.pk]
    for key in selectors.count_filters(*WEEK, NOW):
        behind = selectors.facts_behind(facts, key, *WEEK, now=NOW)
        assert behind.count() == counts[key], key
    late = selectors.facts_behind(facts, "disposed", *WEEK, now=NOW).filter(on_time=False)
    assert [f.case for f in late] == [week["late"]]
    overdue = selectors.facts_behind(facts, "overdue_open", *WEEK, now=NOW)
    assert [f.case for f in overdue] == [week["overdue"]]


def test_a_returned_task_is_settled_when_it_was_returned(week):
    fact = TaskFact.objects.get(case=week["returned"])
    assert (fact.outcome, fact.settled_at) == (Outcome.RETURNED, local(23, 10))


def test_facts_follow_the_moves_after_commit(
    flow, staff, roads, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case, [task] = flow.dispatched(departments=[roads])
    assert not TaskFact.objects.filter(task=task).exists()  # open, not due: counts nowhere
    with django_capture_on_commit_callbacks(execute=True):
        services.task_accept(task=task, actor=staff["roads_disposer"], now=local(23, 9, 30))
        services.task_dispose(
            task=task, actor=staff["roads_disposer"], photos=[photo()], now=local(23, 10)
        )
    fact = TaskFact.objects.get(task=task)
    assert (fact.outcome, fact.on_time, fact.work_seconds) == (Outcome.DISPOSED, True, 3600)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_check_fail(
            case=case, actor=staff["alpha_inspector"], reason="Loose", now=local(23, 11)
        )
    fact.refresh_from_db()
    assert (fact.outcome, fact.reworks, fact.settled_at) == (Outcome.OPEN, 1, None)


def test_a_task_gets_its_fact_when_the_scanner_finds_it_overdue(
    flow, roads, django_capture_on_commit_callbacks
):
    from dispatch import scanner

    case, [task] = flow.dispatched(departments=[roads])
    with django_capture_on_commit_callbacks(execute=True):
        scanner.scan(local(24, 12))  # due Monday 15:00: red on Tuesday
    fact = TaskFact.objects.get(task=task)
    assert (fact.outcome, fact.deadline_at) == (Outcome.OPEN, local(23, 15))
    counts = selectors.department_counts(TaskFact.objects.all(), *WEEK, now=NOW)[roads.pk]
    assert (counts["overdue_open"], counts["due"]) == (1, 1)


def test_the_backfill_writes_what_the_moves_write(week):
    from django.core.management import call_command

    written = {f.task_id: f for f in TaskFact.objects.all()}
    TaskFact.objects.all().delete()
    call_command("evaluation_backfill", verbosity=0)
    again = {f.task_id: f for f in TaskFact.objects.all()}
    assert set(again) == set(written)
    fields = ("outcome", "settled_at", "on_time", "work_seconds", "deadline_at")
    for task_id, fact in written.items():
        assert [getattr(again[task_id], f) for f in fields] == [getattr(fact, f) for f in fields]


def test_the_backfill_refuses_a_bad_date():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="--from: '2026-13-01' is not a date"):
        call_command("evaluation_backfill", "--from", "2026-13-01")


def test_a_departments_page_shows_its_rank_and_the_categories_it_was_late_in(
    week, client, staff, roads
):
    """The week's roads tasks are all one category; two were late (the one-minute-late disposal
    and the open overdue task), so that category heads the list with its own 按期处置率, and its
    link opens exactly those due tasks."""
    from django.urls import reverse

    client.force_login(staff["city_leader"])
    page = client.get(
        reverse("evaluation:department", args=[roads.code]),
        {"from": "2026-11-23", "to": "2026-11-29"},
    )
    assert page.status_code == 200
    row = page.context["row"]
    assert row["department"] == roads and page.context["ranked_of"] >= 1
    [worst] = page.context["worst"]
    due = row["counts"]["due"]
    late = due - row["counts"]["disposed_on_time"]
    assert (worst["due"], worst["late"]) == (due, late) and late > 0
    assert worst["rate"] == row["values"]["on_time_rate"]
    behind = client.get(worst["url"])
    assert behind.status_code == 200 and behind.context["total"] == due
    client.force_login(staff["alpha_disposer"])  # another department's staff: not theirs
    assert client.get(reverse("evaluation:department", args=[roads.code])).status_code == 404
