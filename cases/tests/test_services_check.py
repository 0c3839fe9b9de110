"""核查 check: the inspector checks the fix on site; a failed check is 返工 (rework) by the same
department, counted on the task and the case."""

from __future__ import annotations

import pytest

from cases import services
from cases.models import Task
from cases.states import CaseAction, CaseStatus, TaskStatus
from cases.tests.conftest import local, photo, trail
from core.errors import Conflict, PermissionDenied, ValidationFailed


def test_start_check_then_pass(flow, staff, t0):
    case, _task = flow.disposed()
    services.case_start_check(case=case, actor=staff["alpha_inspector"], now=t0)
    assert case.status == CaseStatus.CHECKING and case.check_passed_at is None
    services.case_check_pass(case=case, actor=staff["alpha_inspector"], photos=[photo()], now=t0)
    assert case.status == CaseStatus.CHECKING and case.check_passed_at == t0


def test_check_pass_may_skip_start_check(flow, staff, t0):
    case, _task = flow.disposed()
    services.case_check_pass(case=case, actor=staff["alpha_inspector"], now=t0)
    assert trail(case)[-1] == (CaseAction.CHECK_PASS, CaseStatus.DISPOSED, CaseStatus.CHECKING)


def test_check_fail_sends_the_task_back_to_the_same_department(flow, staff, roads):
    case, task = flow.disposed()
    [reworked] = services.case_check_fail(
        case=case, actor=staff["alpha_inspector"], reason="Cover still rocks", now=local(24, 9)
    )
    task.refresh_from_db()
    assert reworked.pk == task.pk
    assert (task.status, task.department, task.rework_count) == (TaskStatus.REWORK, roads, 1)
    assert task.started_at == local(24, 9) and task.deadline_at == local(24, 15)  # fresh 4 工作时
    assert case.status == CaseStatus.DISPATCHED and case.rework_count == 1
    assert trail(case)[-1] == (CaseAction.CHECK_FAIL, CaseStatus.DISPOSED, CaseStatus.DISPATCHED)
    # The department accepts the rework like a new task.
    services.task_accept(task=task, actor=staff["roads_disposer"], now=local(24, 9))
    assert Task.objects.get(pk=task.pk).status == TaskStatus.ACCEPTED


def test_check_fail_on_one_part_of_a_joint_case(flow, staff, roads, alpha_office, t0):
    case, (lead, co) = flow.dispatched(departments=[roads, alpha_office])
    for task, who in ((lead, "roads_disposer"), (co, "alpha_disposer")):
        services.task_accept(task=task, actor=staff[who], now=t0)
        services.task_dispose(task=task, actor=staff[who], photos=[photo()], now=t0)
    services.case_check_fail(
        case=case, actor=staff["alpha_inspector"], reason="Kerb", tasks=[co], now=t0
    )
    statuses = dict(Task.objects.filter(case=case).values_list("department__code", "status"))
    assert statuses == {"CITY-ROADS": TaskStatus.DISPOSED, "ST-ALPHA": TaskStatus.REWORK}


def test_check_fail_needs_a_reason(flow, staff, t0):
    case, _task = flow.disposed()
    with pytest.raises(ValidationFailed, match="needs a reason"):
        services.case_check_fail(case=case, actor=staff["alpha_inspector"], reason="", now=t0)


def test_only_inspectors_in_scope_check(flow, staff, t0):
    case, _task = flow.disposed()
    with pytest.raises(PermissionDenied, match="needs one of the roles"):
        services.case_check_pass(case=case, actor=staff["roads_disposer"], now=t0)
    with pytest.raises(PermissionDenied, match="outside your area scope"):
        services.case_check_pass(case=case, actor=staff["gamma_inspector"], now=t0)


def test_a_case_is_checked_only_after_disposal(flow, staff, t0):
    case, _task = flow.accepted()
    with pytest.raises(Conflict, match="possible only from"):
        services.case_check_pass(case=case, actor=staff["alpha_inspector"], now=t0)
