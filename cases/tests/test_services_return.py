"""回退 return: the department sends the case back to the dispatcher, reason required;
the case returns to filed, flagged for the fallback owner (兜底)."""

from __future__ import annotations

import pytest

from cases import services
from cases.models import Task
from cases.states import CaseAction, CaseStatus, TaskStatus
from cases.tests.conftest import trail
from core.errors import PermissionDenied, ValidationFailed


def test_return_sends_the_case_back_to_filed(flow, staff, t0):
    case, [task] = flow.dispatched()
    services.task_return(task=task, actor=staff["roads_disposer"], reason="Not a road", now=t0)
    case.refresh_from_db()
    assert case.status == CaseStatus.FILED
    assert (case.returned_count, case.needs_fallback) == (1, True)
    assert Task.objects.get(pk=task.pk).status == TaskStatus.RETURNED
    event = case.events.latest("pk")
    assert (event.action, event.reason, event.task_id) == (CaseAction.RETURN, "Not a road", task.pk)


def test_return_needs_a_reason(flow, staff, t0):
    case, [task] = flow.dispatched()
    with pytest.raises(ValidationFailed, match="needs a reason"):
        services.task_return(task=task, actor=staff["roads_disposer"], reason="", now=t0)
    case.refresh_from_db()
    assert case.status == CaseStatus.DISPATCHED


def test_returning_a_joint_case_cancels_the_co_tasks(flow, staff, roads, alpha_office, t0):
    case, tasks = flow.dispatched(departments=[roads, alpha_office])
    services.task_return(task=tasks[0], actor=staff["roads_disposer"], reason="Not ours", now=t0)
    statuses = dict(Task.objects.filter(case=case).values_list("department__code", "status"))
    assert statuses == {"CITY-ROADS": TaskStatus.RETURNED, "ST-ALPHA": TaskStatus.CANCELLED}


def test_redispatch_after_return_opens_a_new_round(flow, staff, alpha_office, t0):
    case, [task] = flow.dispatched()
    services.task_return(task=task, actor=staff["roads_disposer"], reason="Not ours", now=t0)
    [new] = services.case_dispatch(
        case=case, actor=staff["city_dispatcher"], departments=[alpha_office], now=t0
    )
    assert (new.round, case.dispatch_round, case.needs_fallback) == (2, 2, False)
    assert [a for a, _f, _t in trail(case)][-3:] == [
        CaseAction.DISPATCH,
        CaseAction.RETURN,
        CaseAction.DISPATCH,
    ]


def test_only_the_tasks_department_returns(flow, staff, t0):
    _case, [task] = flow.dispatched()
    with pytest.raises(PermissionDenied):
        services.task_return(task=task, actor=staff["alpha_disposer"], reason="x", now=t0)
