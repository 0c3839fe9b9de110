"""挂账 suspend/resume: the clock stops while the case is on hold and the deadline moves on."""

from __future__ import annotations

import pytest

from cases import services, sla
from cases.models import Task
from cases.states import CaseAction, CaseStatus
from cases.tests.conftest import local, trail
from core.errors import Conflict, ValidationFailed


def test_suspension_pauses_and_resume_pushes_the_deadline(flow, staff):
    case, task = flow.accepted()  # dispatched Monday 09:00, due Monday 15:00
    services.case_suspend(
        case=case,
        actor=staff["city_dispatcher"],
        reason="Waiting for the gas company",
        now=local(23, 10),
    )
    assert case.status == CaseStatus.SUSPENDED
    assert Task.objects.get(pk=task.pk).paused_at == local(23, 10)
    # Resumed Tuesday 10:00: paused for 10-12, 14-18 Monday and 08-10 Tuesday = 8 working hours.
    services.case_resume(case=case, actor=staff["city_dispatcher"], now=local(24, 10))
    task.refresh_from_db()
    assert case.status == CaseStatus.DISPATCHED
    assert task.paused_at is None and task.paused_seconds == 8 * 3600
    assert task.deadline_at == local(24, 15)  # Monday 15:00 + 8 工作时
    assert [a for a, _f, _t in trail(case)][-2:] == [CaseAction.SUSPEND, CaseAction.RESUME]


def test_the_light_ignores_the_paused_time(flow, staff):
    case, task = flow.accepted()
    services.case_suspend(
        case=case, actor=staff["city_dispatcher"], reason="On hold", now=local(23, 10)
    )
    task.refresh_from_db()
    # A week later the task is still green: only one working hour (09-10) ran.
    assert sla.traffic_light(task, local(30, 10)) == sla.Light.GREEN
    services.case_resume(case=case, actor=staff["city_dispatcher"], now=local(24, 10))
    task.refresh_from_db()
    # Tuesday 12:00: 1 h before + 2 h after = 3 of 4 hours used -> 75 % green; 13:00 the same (lunch).
    assert sla.traffic_light(task, local(24, 12)) == sla.Light.GREEN
    assert sla.traffic_light(task, local(24, 14, 30)) == sla.Light.YELLOW


def test_suspend_needs_a_reason_and_a_dispatched_case(flow, staff, t0):
    case, _task = flow.accepted()
    with pytest.raises(ValidationFailed, match="needs a reason"):
        services.case_suspend(case=case, actor=staff["city_dispatcher"], reason="", now=t0)
    with pytest.raises(Conflict, match="possible only from Suspended"):
        services.case_resume(case=case, actor=staff["city_dispatcher"], now=t0)


def test_a_suspended_case_cannot_be_disposed(flow, staff, t0):
    case, task = flow.accepted()
    services.case_suspend(case=case, actor=staff["city_dispatcher"], reason="Hold", now=t0)
    with pytest.raises(Conflict, match="is Suspended"):
        services.task_dispose(task=task, actor=staff["roads_disposer"], now=t0)
