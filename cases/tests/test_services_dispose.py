"""处置 dispose: the department reports the work done with an after-photo; a joint case is
disposed only when every task of the round is."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cases import services
from cases.models import Evidence, Task
from cases.states import CaseAction, CaseStatus, EvidenceKind, TaskStatus
from cases.tests.conftest import photo, trail
from core.errors import Conflict, ValidationFailed


def test_dispose_with_an_after_photo_disposes_the_case(flow, staff, t0):
    case, task = flow.accepted()
    services.task_dispose(task=task, actor=staff["roads_disposer"], photos=[photo()], now=t0)
    assert task.status == TaskStatus.DISPOSED and case.status == CaseStatus.DISPOSED
    assert Evidence.objects.get(task=task).kind == EvidenceKind.AFTER
    event = case.events.latest("pk")
    assert event.data["on_time"] is True and event.data["case_disposed"] is True
    assert trail(case)[-1] == (CaseAction.DISPOSE, CaseStatus.DISPATCHED, CaseStatus.DISPOSED)


def test_a_photo_attached_earlier_counts(flow, staff, t0):
    case, task = flow.accepted()
    services.evidence_attach(
        case=case, task=task, actor=staff["roads_disposer"], photos=[photo()], kind="after", now=t0
    )
    services.task_dispose(task=task, actor=staff["roads_disposer"], now=t0)
    assert case.status == CaseStatus.DISPOSED


def test_dispose_without_an_after_photo_is_refused(flow, staff, t0):
    case, task = flow.accepted()
    with pytest.raises(ValidationFailed, match="at least one after-photo"):
        services.task_dispose(task=task, actor=staff["roads_disposer"], now=t0)
    assert Task.objects.get(pk=task.pk).status == TaskStatus.ACCEPTED


def test_a_task_must_be_accepted_before_it_is_disposed(flow, staff, t0):
    _case, [task] = flow.dispatched()
    with pytest.raises(Conflict, match="This task is Pending"):
        services.task_dispose(task=task, actor=staff["roads_disposer"], photos=[photo()], now=t0)
    assert not Evidence.objects.exists()  # refused before any photo was stored


def test_a_joint_case_waits_for_every_department(flow, staff, roads, alpha_office, t0):
    case, (lead, co) = flow.dispatched(departments=[roads, alpha_office])
    services.task_accept(task=lead, actor=staff["roads_disposer"], now=t0)
    services.task_accept(task=co, actor=staff["alpha_disposer"], now=t0)
    services.task_dispose(task=lead, actor=staff["roads_disposer"], photos=[photo()], now=t0)
    assert case.status == CaseStatus.DISPATCHED
    services.task_dispose(task=co, actor=staff["alpha_disposer"], photos=[photo()], now=t0)
    assert case.status == CaseStatus.DISPOSED


def test_late_disposal_is_recorded_as_such(flow, staff, t0):
    case, task = flow.accepted()
    services.task_dispose(
        task=task, actor=staff["roads_disposer"], photos=[photo()], now=t0 + timedelta(days=2)
    )
    assert case.events.latest("pk").data["on_time"] is False
