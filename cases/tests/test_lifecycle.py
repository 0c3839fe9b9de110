"""Whole lives of a case, read from the audit trail (one CaseEvent per move, in order)."""

from __future__ import annotations

from cases import services
from cases.models import Case, Task
from cases.services.reporting import case_report
from cases.states import CaseAction as A
from cases.states import CaseStatus as S
from cases.states import SourceChannel, TaskStatus
from cases.tests.conftest import local, photo, trail


def test_normal_case_from_citizen_report_to_close(staff, grid, standard, roads):
    case = case_report(
        actor=None,
        source=SourceChannel.CITIZEN,
        description="Streetlight out",
        grid=grid,
        reporter_phone="13800000000",
        photos=[photo("before.jpg", gps=True)],
        now=local(23, 9),
    )
    services.case_verify(case=case, actor=staff["alpha_inspector"], now=local(23, 9, 30))
    services.case_file(
        case=case, actor=staff["shift_leader"], standard=standard, now=local(23, 9, 40)
    )
    [task] = services.case_dispatch(
        case=case, actor=staff["city_dispatcher"], departments=[roads], now=local(23, 9, 45)
    )
    services.task_accept(task=task, actor=staff["roads_disposer"], now=local(23, 10))
    services.task_dispose(
        task=task, actor=staff["roads_disposer"], photos=[photo()], now=local(23, 11)
    )
    services.case_start_check(case=case, actor=staff["alpha_inspector"], now=local(23, 11, 30))
    services.case_check_pass(case=case, actor=staff["alpha_inspector"], now=local(23, 11, 40))
    services.case_close(case=case, actor=staff["shift_leader"], now=local(23, 11, 50))

    assert trail(case) == [
        (A.REPORT, "", S.VERIFYING),
        (A.VERIFY, S.VERIFYING, S.VERIFYING),
        (A.FILE, S.VERIFYING, S.FILED),
        (A.DISPATCH, S.FILED, S.DISPATCHED),
        (A.ACCEPT, S.DISPATCHED, S.DISPATCHED),
        (A.DISPOSE, S.DISPATCHED, S.DISPOSED),
        (A.START_CHECK, S.DISPOSED, S.CHECKING),
        (A.CHECK_PASS, S.CHECKING, S.CHECKING),
        (A.CLOSE, S.CHECKING, S.CLOSED),
    ]
    stored = Case.objects.get(pk=case.pk)
    assert stored.status == S.CLOSED
    # version counts the moves: one event per version step.
    assert stored.version == case.events.count() == 9
    actors = list(case.events.order_by("pk").values_list("actor__username", flat=True))
    assert actors[0] is None and actors[-1] == "shift_leader"


def test_joint_case_lead_and_co_task(flow, staff, roads, alpha_office, t0):
    case, (lead, co) = flow.dispatched(departments=[roads, alpha_office], lead=None)
    services.task_accept(task=co, actor=staff["alpha_disposer"], now=t0)
    services.task_accept(task=lead, actor=staff["roads_disposer"], now=t0)
    services.task_dispose(task=co, actor=staff["alpha_disposer"], photos=[photo()], now=t0)
    services.task_dispose(task=lead, actor=staff["roads_disposer"], photos=[photo()], now=t0)
    services.case_check_pass(case=case, actor=staff["alpha_inspector"], now=t0)
    services.case_close(case=case, actor=staff["shift_leader"], now=t0)
    assert trail(case)[2:] == [
        (A.DISPATCH, S.FILED, S.DISPATCHED),
        (A.ACCEPT, S.DISPATCHED, S.DISPATCHED),
        (A.ACCEPT, S.DISPATCHED, S.DISPATCHED),
        (A.DISPOSE, S.DISPATCHED, S.DISPATCHED),  # the co-task alone does not finish the case
        (A.DISPOSE, S.DISPATCHED, S.DISPOSED),
        (A.CHECK_PASS, S.DISPOSED, S.CHECKING),
        (A.CLOSE, S.CHECKING, S.CLOSED),
    ]
    events = case.events.order_by("pk")
    assert [e.task_id for e in events if e.action == A.DISPOSE] == [co.pk, lead.pk]


def test_rework_after_a_failed_check(flow, staff, t0):
    case, task = flow.disposed()
    [task] = services.case_check_fail(
        case=case, actor=staff["alpha_inspector"], reason="Still broken", now=t0
    )
    services.task_accept(task=task, actor=staff["roads_disposer"], now=t0)
    services.task_dispose(task=task, actor=staff["roads_disposer"], photos=[photo()], now=t0)
    services.case_check_pass(case=case, actor=staff["alpha_inspector"], now=t0)
    services.case_close(case=case, actor=staff["shift_leader"], now=t0)
    assert trail(case)[4:] == [
        (A.DISPOSE, S.DISPATCHED, S.DISPOSED),
        (A.CHECK_FAIL, S.DISPOSED, S.DISPATCHED),
        (A.ACCEPT, S.DISPATCHED, S.DISPATCHED),
        (A.DISPOSE, S.DISPATCHED, S.DISPOSED),
        (A.CHECK_PASS, S.DISPOSED, S.CHECKING),
        (A.CLOSE, S.CHECKING, S.CLOSED),
    ]
    task.refresh_from_db()
    case.refresh_from_db()
    assert task.rework_count == 1 and case.rework_count == 1
    assert case.events.get(action=A.CHECK_FAIL).reason == "Still broken"


def test_return_and_redispatch_to_the_fallback_owner(flow, staff, alpha_office, t0):
    case, [task] = flow.dispatched()
    services.task_return(task=task, actor=staff["roads_disposer"], reason="Private land", now=t0)
    [fallback] = services.case_dispatch(
        case=case, actor=staff["city_dispatcher"], departments=[alpha_office], now=t0
    )
    services.task_accept(task=fallback, actor=staff["alpha_disposer"], now=t0)
    services.task_dispose(task=fallback, actor=staff["alpha_disposer"], photos=[photo()], now=t0)
    services.case_check_pass(case=case, actor=staff["alpha_inspector"], now=t0)
    services.case_close(case=case, actor=staff["shift_leader"], now=t0)
    assert trail(case)[2:] == [
        (A.DISPATCH, S.FILED, S.DISPATCHED),
        (A.RETURN, S.DISPATCHED, S.FILED),
        (A.DISPATCH, S.FILED, S.DISPATCHED),
        (A.ACCEPT, S.DISPATCHED, S.DISPATCHED),
        (A.DISPOSE, S.DISPATCHED, S.DISPOSED),
        (A.CHECK_PASS, S.DISPOSED, S.CHECKING),
        (A.CLOSE, S.CHECKING, S.CLOSED),
    ]
    assert case.events.get(action=A.RETURN).reason == "Private land"
    assert Task.objects.get(pk=task.pk).status == TaskStatus.RETURNED


def test_extension_then_close(flow, staff, t0):
    case, task = flow.accepted()
    services.task_request_extension(
        task=task, actor=staff["roads_disposer"], amount=4, reason="Crane needed", now=t0
    )
    services.task_approve_extension(task=task, actor=staff["city_dispatcher"], now=t0)
    services.task_dispose(
        task=task, actor=staff["roads_disposer"], photos=[photo()], now=local(23, 17)
    )
    services.case_check_pass(case=case, actor=staff["alpha_inspector"], now=local(23, 17))
    services.case_close(case=case, actor=staff["shift_leader"], now=local(23, 17))
    assert trail(case)[4:] == [
        (A.REQUEST_EXTENSION, S.DISPATCHED, S.DISPATCHED),
        (A.APPROVE_EXTENSION, S.DISPATCHED, S.DISPATCHED),
        (A.DISPOSE, S.DISPATCHED, S.DISPOSED),
        (A.CHECK_PASS, S.DISPOSED, S.CHECKING),
        (A.CLOSE, S.CHECKING, S.CLOSED),
    ]
    # Due Monday 15:00 + 4 工作时 = Tuesday 11:00, so 17:00 Monday is on time.
    assert case.events.get(action=A.DISPOSE).data["on_time"] is True


def test_emergency_upgrade_then_close(flow, staff):
    flow.t0 = local(27, 17)  # Friday evening
    case, task = flow.accepted()
    services.case_upgrade(
        case=case, actor=staff["city_leader"], reason="Gas smell", now=local(27, 18)
    )
    assert Task.objects.get(pk=task.pk).deadline_at == local(27, 21)
    services.task_dispose(
        task=task, actor=staff["roads_disposer"], photos=[photo()], now=local(27, 20)
    )
    services.case_check_pass(case=case, actor=staff["alpha_inspector"], now=local(27, 21))
    services.case_close(case=case, actor=staff["shift_leader"], now=local(27, 22))
    assert trail(case)[4:] == [
        (A.UPGRADE, S.DISPATCHED, S.DISPATCHED),
        (A.DISPOSE, S.DISPATCHED, S.DISPOSED),
        (A.CHECK_PASS, S.DISPOSED, S.CHECKING),
        (A.CLOSE, S.CHECKING, S.CLOSED),
    ]
    assert case.events.get(action=A.DISPOSE).data["on_time"] is True


def test_suspended_case_resumes_and_closes(flow, staff, t0):
    case, task = flow.accepted()
    services.case_suspend(
        case=case, actor=staff["city_dispatcher"], reason="Permit", now=local(23, 10)
    )
    services.case_resume(case=case, actor=staff["city_dispatcher"], now=local(25, 10))
    services.task_dispose(
        task=task, actor=staff["roads_disposer"], photos=[photo()], now=local(25, 11)
    )
    assert trail(case)[4:] == [
        (A.SUSPEND, S.DISPATCHED, S.SUSPENDED),
        (A.RESUME, S.SUSPENDED, S.DISPATCHED),
        (A.DISPOSE, S.DISPATCHED, S.DISPOSED),
    ]
    assert case.events.get(action=A.DISPOSE).data["on_time"] is True
