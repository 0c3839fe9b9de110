"""Rules of the loop that single-line changes ("mutants") once slipped past the suite.

Each test names the rule it pins (cases/states.py and cases/sla.py), so a changed table entry or
comparison fails here with the rule in its name. See `make mutants` for the mutation run.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from cases import selectors, services, sla
from cases.models import Task
from cases.states import OPEN_TASK_STATUSES, CaseStatus, Priority, TaskStatus
from cases.tests.conftest import local, photo
from core.errors import Conflict
from core.models import TimeUnit

# --- cases/states.py -------------------------------------------------------------------------


def test_a_dispatched_case_cannot_be_filed_again(flow, staff, standard):
    case, _tasks = flow.dispatched()
    with pytest.raises(Conflict) as refused:
        services.case_file(case=case, actor=staff["shift_leader"], standard=standard)
    assert refused.value.code == "illegal_move"


def test_the_leads_return_sends_the_case_back_to_filed_not_reported(flow, staff, t0):
    case, [task] = flow.dispatched()
    services.task_return(
        task=task, actor=staff["roads_disposer"], reason="Not ours", now=t0 + timedelta(hours=1)
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.FILED


def test_an_emergency_upgrade_works_on_a_suspended_case(flow, staff, t0):
    case, _tasks = flow.dispatched()
    services.case_suspend(case=case, actor=staff["shift_leader"], reason="Waiting for parts")
    services.case_upgrade(case=case, actor=staff["shift_leader"], reason="Gas smell reported")
    case.refresh_from_db()
    assert (case.status, case.priority) == (CaseStatus.SUSPENDED, Priority.URGENT)


def test_disposing_while_an_extension_is_pending_is_allowed(flow, staff, t0):
    case, task = flow.accepted()
    services.task_request_extension(
        task=task, actor=staff["roads_disposer"], amount="2", reason="Parts", now=local(23, 10)
    )
    services.task_dispose(
        task=task, actor=staff["roads_disposer"], photos=[photo()], now=local(23, 11)
    )
    task.refresh_from_db()
    case.refresh_from_db()
    assert (task.status, case.status) == (TaskStatus.DISPOSED, CaseStatus.DISPOSED)


def test_a_failed_check_sends_the_task_to_rework_and_it_stays_open(flow, staff, t0):
    case, task = flow.disposed()
    services.case_check_fail(
        case=case, actor=staff["alpha_inspector"], reason="Cover loose", now=t0 + timedelta(hours=2)
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.REWORK  # 返工, not 已接收
    assert TaskStatus.REWORK in OPEN_TASK_STATUSES
    inbox = selectors.department_tasks(user=staff["roads_disposer"])
    assert list(inbox) == [task]  # back in the department's open tasks
    services.task_accept(task=task, actor=staff["roads_disposer"], now=t0 + timedelta(hours=3))


# --- cases/sla.py ----------------------------------------------------------------------------


def _task(**kwargs) -> Task:
    fields = {
        "time_limit": Decimal("1"),
        "time_unit": TimeUnit.WORK_DAY,
        "started_at": local(27, 17),  # Friday 17:00
        "deadline_at": local(30, 17),  # Monday 17:00: one working day later
        "status": TaskStatus.ACCEPTED,
    }
    fields.update(kwargs)
    return Task(**fields)


def test_working_days_run_on_the_working_clock_not_round_the_clock(db):
    # Friday 18:00 to Monday 08:00: a weekend of no working time.
    assert sla.working_seconds(local(27, 18), local(30, 8), TimeUnit.WORK_DAY, None) == 0
    # Friday 17:00 + 1 working day: Monday 17:00, not Saturday 17:00.
    due = sla.task_deadline(
        started_at=local(27, 17),
        time_limit=Decimal("1"),
        extended=Decimal("0"),
        unit=TimeUnit.WORK_DAY,
        paused_seconds=0,
        area_class=None,
    )
    assert due == local(30, 17)


def test_paused_time_moves_the_deadline(db):
    kwargs = {
        "started_at": local(23, 9),
        "time_limit": Decimal("4"),
        "extended": Decimal("0"),
        "unit": TimeUnit.WORK_HOUR,
        "area_class": None,
    }
    plain = sla.task_deadline(paused_seconds=0, **kwargs)
    paused = sla.task_deadline(paused_seconds=3600, **kwargs)
    assert (plain, paused) == (local(23, 15), local(23, 16))


def test_a_zero_time_limit_is_red_as_soon_as_time_passes(db):
    task = _task(time_unit=TimeUnit.URGENT_HOUR, started_at=local(23, 9), deadline_at=local(23, 9))
    assert sla.traffic_light(task, local(23, 9), area_class="") == sla.Light.GREEN
    assert sla.traffic_light(task, local(23, 9, 1), area_class="") == sla.Light.RED


def test_red_outranks_yellow_outranks_green():
    L = sla.Light
    assert sla.worst_light([L.YELLOW, L.RED, L.GREEN]) == L.RED
    assert sla.worst_light([L.RED, L.YELLOW]) == L.RED
    assert sla.worst_light([L.GREEN, L.YELLOW, None]) == L.YELLOW
    assert sla.worst_light([None]) is None


def test_paused_time_is_taken_off_the_allowed_time_not_added(db):
    """Light share = (elapsed - paused) / (deadline - start - paused): 4 h limit, paused 1 h (the
    deadline moved to 05:00), at 03:00 two of the four working hours are used."""
    task = _task(
        time_unit=TimeUnit.URGENT_HOUR,
        started_at=local(24, 0),
        deadline_at=local(24, 5),
        paused_seconds=3600,
    )
    assert sla.progress(task, local(24, 3), area_class="") == Decimal("0.5")


def test_a_one_second_limit_is_full_after_one_second_not_infinitely_late(db):
    task = _task(
        time_unit=TimeUnit.URGENT_HOUR,
        started_at=local(24, 9),
        deadline_at=local(24, 9) + timedelta(seconds=1),
    )
    assert sla.progress(task, local(24, 9) + timedelta(seconds=1), area_class="") == 1


def test_the_case_limit_is_its_standards_until_filed_there_is_none(flow, staff):
    case = flow.reported()
    assert sla.case_limit(case) is None
    filed = flow.filed()
    assert sla.case_limit(filed) == (Decimal("4"), TimeUnit.WORK_HOUR)
    services.case_upgrade(case=filed, actor=staff["city_dispatcher"], reason="Gas")
    filed.refresh_from_db()  # the priority as the database gives it back: a plain string
    assert sla.case_limit(filed) == (Decimal("4"), TimeUnit.URGENT_HOUR)


def test_a_limit_is_on_the_working_clock_unless_asked_for_urgent(db, standard):
    assert sla.limit_for(standard, "B") == (Decimal("4"), TimeUnit.WORK_HOUR)


def test_a_deadline_uses_the_calendar_of_the_case_area_class(db, standard):
    """Class A streets work 07:00-19:00 (their own calendar); class B the default 08-12, 14-18."""
    from core.calendar_data import seed_calendar_years
    from core.models import WorkCalendar
    from core.workcalendar import invalidate_cache

    calendar = WorkCalendar.objects.create(
        name="Class A", area_class="A", work_windows="07:00-19:00"
    )
    seed_calendar_years(calendar=calendar, years=[2026])
    invalidate_cache()
    try:
        # Tuesday 17:00 + 4 工作时: A has 2 h left that day, so 09:00; B has 1 h, so 11:00.
        assert sla.deadline_for(standard, "A", local(24, 17)) == local(25, 9)
        assert sla.deadline_for(standard, "B", local(24, 17)) == local(25, 11)
        # Elapsed time is counted on the same calendar: 17:00 to 09:00 is 4 h in A, 2 h in B.
        hours = {
            c: sla.working_seconds(local(24, 17), local(25, 9), TimeUnit.WORK_HOUR, c) / 3600
            for c in ("A", "B")
        }
        assert hours == {"A": 4, "B": 2}
    finally:
        invalidate_cache()


# --- core/workcalendar.py --------------------------------------------------------------------


def test_working_hours_carry_over_to_the_next_days_first_window_from_its_start():
    """A night-shift calendar (00:00-08:00): 10 working hours from Tuesday 00:00 end Wednesday
    02:00 sharp, the carried time counted from the window's very first microsecond."""
    from zoneinfo import ZoneInfo

    from core.workcalendar import US_PER_HOUR, WorkingCalendar

    tz = ZoneInfo("Asia/Shanghai")
    night = WorkingCalendar(
        name="night", windows=((0, 8 * US_PER_HOUR),), days={}, years=[2026], tz=tz
    )
    start = local(24, 0)
    assert night.add(start, 10, TimeUnit.WORK_HOUR) == local(25, 2)


def test_the_yellow_light_comes_at_80_percent_of_the_time_left_after_a_pause(db):
    """4 h limit, paused 1 h (deadline 05:00): yellow at 80 % of the 4 working hours plus the
    pause, 04:12, not later."""
    task = _task(
        time_unit=TimeUnit.URGENT_HOUR,
        started_at=local(24, 0),
        deadline_at=local(24, 5),
        paused_seconds=3600,
    )
    assert sla.yellow_at(task, area_class="") == local(24, 4, 12)


def test_an_urgent_clock_is_pushed_later_by_the_pause_round_the_clock(db):
    due = sla.task_deadline(
        started_at=local(24, 0),
        time_limit=Decimal("4"),
        extended=Decimal("0"),
        unit=TimeUnit.URGENT_HOUR,
        paused_seconds=3600,
        area_class=None,
    )
    assert due == local(24, 5)


def test_a_zero_limit_is_red_one_second_after_the_start(db):
    task = _task(time_unit=TimeUnit.URGENT_HOUR, started_at=local(24, 9), deadline_at=local(24, 9))
    one_second = local(24, 9) + timedelta(seconds=1)
    assert sla.traffic_light(task, one_second, area_class="") == sla.Light.RED


def test_a_reworked_task_runs_on_now_not_on_its_old_disposal(db):
    """After a failed check the task is open again with the old disposed_at still set: the
    light runs on, it is not frozen at the first disposal."""
    task = _task(
        time_unit=TimeUnit.URGENT_HOUR,
        started_at=local(24, 0),
        deadline_at=local(24, 4),
        status=TaskStatus.ACCEPTED,
        disposed_at=local(24, 1),
    )
    assert sla.progress(task, local(24, 3), area_class="") == Decimal("0.75")


def test_no_working_time_runs_backwards(db):
    assert sla.working_seconds(local(24, 11), local(24, 9), TimeUnit.WORK_HOUR, None) == 0


# --- core/workcalendar.py, the default calendar (08:00-12:00, 14:00-18:00) --------------------


def test_work_started_in_the_lunch_break_continues_in_the_afternoon_window(db):
    from core.workcalendar import add_working_time

    assert add_working_time(local(24, 13), 1, TimeUnit.WORK_HOUR) == local(24, 15)


def test_a_working_day_counts_every_window_of_a_three_window_day():
    """08-10, 12-14, 16-18: at 15:00 (between the 2nd and 3rd windows) four of the day's six
    working hours are done, so one working day later is the same share of the next day: 14:00,
    the end of its 2nd window (not the next day's close, as if 15:00 were after hours)."""
    from zoneinfo import ZoneInfo

    from core.workcalendar import US_PER_HOUR, WorkingCalendar

    h = US_PER_HOUR
    three = WorkingCalendar(
        name="three",
        windows=((8 * h, 10 * h), (12 * h, 14 * h), (16 * h, 18 * h)),
        days={},
        years=[2026],
        tz=ZoneInfo("Asia/Shanghai"),
    )
    assert three.add(local(24, 15), 1, TimeUnit.WORK_DAY) == local(25, 14)


def test_the_end_of_the_working_day_is_the_last_windows_end():
    from zoneinfo import ZoneInfo

    from core.workcalendar import US_PER_HOUR, WorkingCalendar

    h = US_PER_HOUR
    two = WorkingCalendar(
        name="two",
        windows=((8 * h, 12 * h), (14 * h, 18 * h)),
        days={},
        years=[2026],
        tz=ZoneInfo("Asia/Shanghai"),
    )
    # A whole working day from the start of Tuesday ends at Tuesday's close, 18:00.
    assert two.add(local(24, 8), 1, TimeUnit.WORK_DAY) == local(24, 18)


@pytest.fixture
def class_a_calendar(db):
    """Class A streets work 07:00-19:00 on their own calendar; the default is 08-12, 14-18."""
    from core.calendar_data import seed_calendar_years
    from core.models import WorkCalendar
    from core.workcalendar import invalidate_cache

    calendar = WorkCalendar.objects.create(
        name="Class A", area_class="A", work_windows="07:00-19:00"
    )
    seed_calendar_years(calendar=calendar, years=[2026])
    invalidate_cache()
    yield
    invalidate_cache()


def test_a_task_deadline_is_on_its_area_class_calendar(class_a_calendar):
    kwargs = {
        "started_at": local(24, 17),
        "time_limit": Decimal("4"),
        "extended": Decimal("0"),
        "unit": TimeUnit.WORK_HOUR,
        "paused_seconds": 0,
    }
    assert sla.task_deadline(area_class="A", **kwargs) == local(25, 9)
    assert sla.task_deadline(area_class=None, **kwargs) == local(25, 11)


def test_the_light_uses_the_area_class_it_is_given(class_a_calendar):
    """Started Tuesday 17:00, due Wednesday 09:00 in class A (4 working hours): at 18:30 one
    and a half of the four hours are used; the default calendar would say one of two."""
    task = _task(time_unit=TimeUnit.WORK_HOUR, started_at=local(24, 17), deadline_at=local(25, 9))
    assert sla.progress(task, local(24, 18, 30), area_class="A") == Decimal("0.375")
    # Yellow at 80 % of A's four hours: 3 h 12 min of work, Wednesday 08:12.
    assert sla.yellow_at(task, area_class="A") == local(25, 8, 12)


def test_a_returned_or_cancelled_task_has_no_light(db):
    for status in (TaskStatus.RETURNED, TaskStatus.CANCELLED):
        task = _task(status=status)
        assert sla.task_light(task, local(30, 18), area_class="") is None
    assert sla.task_light(_task(), local(30, 18), area_class="") is not None


def test_elapsed_working_time_is_signed(db):
    from core.workcalendar import elapsed_working_time

    assert elapsed_working_time(local(24, 9), local(24, 11)) == timedelta(hours=2)
    assert elapsed_working_time(local(24, 11), local(24, 9)) == -timedelta(hours=2)


@pytest.mark.parametrize("spec", ["12:00-08:00", "10:00-10:00"])
def test_a_working_window_must_end_after_it_starts(spec):
    from core.workcalendar import WorkWindowError, parse_windows

    with pytest.raises(WorkWindowError, match="ends before it starts"):
        parse_windows(spec)


def test_a_pause_pushes_the_deadline_on_the_area_class_calendar(class_a_calendar):
    # Class A: Tuesday 14:00 + 4 h = 18:00; pushed by 2 paused hours: 18-19 and 07-08.
    due = sla.task_deadline(
        started_at=local(24, 14),
        time_limit=Decimal("4"),
        extended=Decimal("0"),
        unit=TimeUnit.WORK_HOUR,
        paused_seconds=7200,
        area_class="A",
    )
    assert due == local(25, 8)


def test_the_light_reads_the_area_class_from_the_tasks_case(class_a_calendar):
    from cases.models import Case

    task = _task(time_unit=TimeUnit.WORK_HOUR, started_at=local(24, 17), deadline_at=local(25, 9))
    task.case = Case(area_class="A")  # loaded with the task, as the pages do
    assert sla.progress(task, local(24, 18, 30)) == Decimal("0.375")


def test_nothing_is_used_at_the_start(db):
    task = _task(time_unit=TimeUnit.URGENT_HOUR, started_at=local(24, 9), deadline_at=local(24, 13))
    assert sla.progress(task, local(24, 9), area_class="") == 0


def test_a_task_waiting_for_an_extension_after_rework_runs_on_now(db):
    task = _task(
        time_unit=TimeUnit.URGENT_HOUR,
        started_at=local(24, 0),
        deadline_at=local(24, 4),
        status=TaskStatus.EXTENSION_REQUESTED,
        disposed_at=local(24, 1),  # the first disposal, before a failed check
    )
    assert sla.progress(task, local(24, 3), area_class="") == Decimal("0.75")


def test_an_empty_part_between_windows_is_skipped_not_the_end():
    from core.workcalendar import parse_windows

    assert len(parse_windows("08:00-12:00,,14:00-18:00")) == 2
