"""平转急 emergency upgrade: priority urgent, open deadlines recomputed on the urgent clock."""

from __future__ import annotations

import pytest

from cases import services
from cases.models import Task
from cases.states import CaseAction, Priority
from cases.tests.conftest import local
from core.errors import Conflict, PermissionDenied, ValidationFailed
from core.models import TimeUnit


def test_upgrade_recomputes_open_deadlines_in_urgent_hours(flow, staff):
    # Dispatched Friday 17:00: 4 工作时 would run to Monday 11:00; 4 紧急工作时 end at 21:00.
    flow.t0 = local(27, 17)
    case, task = flow.accepted()
    assert task.deadline_at == local(30, 11)
    services.case_upgrade(
        case=case, actor=staff["city_leader"], reason="Gas smell reported", now=local(27, 18)
    )
    task.refresh_from_db()
    assert case.priority == Priority.URGENT
    assert (task.time_unit, task.deadline_at) == (TimeUnit.URGENT_HOUR, local(27, 21))
    event = case.events.latest("pk")
    assert (event.action, event.reason) == (CaseAction.UPGRADE, "Gas smell reported")
    assert event.from_status == event.to_status == case.status


def test_upgrade_before_dispatch_makes_the_dispatch_urgent(flow, staff, roads):
    case = flow.filed()
    services.case_upgrade(
        case=case, actor=staff["shift_leader"], reason="School nearby", now=local(27, 17)
    )
    [task] = services.case_dispatch(
        case=case, actor=staff["city_dispatcher"], departments=[roads], now=local(27, 17)
    )
    assert task.time_unit == TimeUnit.URGENT_HOUR


def test_upgrade_leaves_finished_tasks_alone(flow, staff, roads, alpha_office, t0):
    case, (lead, co) = flow.dispatched(departments=[roads, alpha_office])
    services.task_accept(task=lead, actor=staff["roads_disposer"], now=t0)
    from cases.tests.conftest import photo

    services.task_dispose(task=lead, actor=staff["roads_disposer"], photos=[photo()], now=t0)
    services.case_upgrade(case=case, actor=staff["shift_leader"], reason="Flooding", now=t0)
    units = dict(Task.objects.filter(case=case).values_list("department__code", "time_unit"))
    assert units == {"CITY-ROADS": TimeUnit.WORK_HOUR, "ST-ALPHA": TimeUnit.URGENT_HOUR}


def test_upgrade_twice_needs_no_second_move(flow, staff, t0):
    case = flow.filed()
    services.case_upgrade(case=case, actor=staff["shift_leader"], reason="x", now=t0)
    with pytest.raises(Conflict, match="already urgent"):
        services.case_upgrade(case=case, actor=staff["shift_leader"], reason="x", now=t0)


def test_upgrade_needs_a_reason_and_a_desk_role(flow, staff, t0):
    case = flow.filed()
    with pytest.raises(ValidationFailed, match="needs a reason"):
        services.case_upgrade(case=case, actor=staff["shift_leader"], reason="", now=t0)
    with pytest.raises(PermissionDenied):
        services.case_upgrade(case=case, actor=staff["alpha_inspector"], reason="x", now=t0)
