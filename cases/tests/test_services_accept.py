"""接收 accept: only the department the task was sent to takes it on."""

from __future__ import annotations

import pytest

from cases import services
from cases.states import CaseAction, CaseStatus, TaskStatus
from cases.tests.conftest import trail
from core.errors import Conflict, PermissionDenied


def test_disposer_accepts_and_becomes_assignee(flow, staff, t0):
    case, [task] = flow.dispatched()
    services.task_accept(task=task, actor=staff["roads_disposer"], now=t0)
    task.refresh_from_db()
    assert task.status == TaskStatus.ACCEPTED
    assert task.assignee == staff["roads_disposer"] and task.accepted_at == t0
    assert case.status == CaseStatus.DISPATCHED
    event = case.events.latest("pk")
    assert (event.action, event.task_id) == (CaseAction.ACCEPT, task.pk)
    assert trail(case)[-1] == (CaseAction.ACCEPT, CaseStatus.DISPATCHED, CaseStatus.DISPATCHED)


def test_another_department_cannot_accept(flow, staff, t0):
    _case, [task] = flow.dispatched()
    with pytest.raises(PermissionDenied, match="Only staff of the task's department"):
        services.task_accept(task=task, actor=staff["alpha_disposer"], now=t0)


def test_desk_roles_cannot_accept_for_the_department(flow, staff, t0):
    _case, [task] = flow.dispatched()
    with pytest.raises(PermissionDenied, match="needs one of the roles"):
        services.task_accept(task=task, actor=staff["city_dispatcher"], now=t0)


def test_accepting_twice_is_illegal(flow, staff, t0):
    _case, [task] = flow.dispatched()
    services.task_accept(task=task, actor=staff["roads_disposer"], now=t0)
    with pytest.raises(Conflict, match="This task is Accepted"):
        services.task_accept(task=task, actor=staff["roads_disposer"], now=t0)


def test_a_stale_task_copy_loses(flow, staff, t0):
    from cases.models import Task

    _case, [task] = flow.dispatched()
    other = Task.objects.get(pk=task.pk)
    services.task_accept(task=task, actor=staff["roads_disposer"], now=t0)
    with pytest.raises(Conflict, match="changed by someone else"):
        services.task_accept(task=other, actor=staff["roads_disposer"], now=t0)
