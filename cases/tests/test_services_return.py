"""回退 return: the department sends the case back to the dispatcher, reason required;
the case returns to filed, flagged for the fallback owner (兜底)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cases import services
from cases.models import Task
from cases.states import CaseAction, CaseStatus, TaskStatus
from cases.tests.conftest import trail
from core.errors import Conflict, PermissionDenied, ValidationFailed


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


# --- a co-department's return (协办回退) ends its own share only ------------------------------


@pytest.fixture
def beta_office():
    from org.models import Department

    return Department.objects.get(code="ST-BETA")


def _joint(flow, roads, alpha_office):
    """A joint case: roads lead 主办, Alpha street office co-department 协办."""
    return flow.dispatched(departments=[roads, alpha_office], lead=roads)


def test_a_helpers_return_ends_its_own_task_only(flow, staff, roads, alpha_office, t0):
    case, [lead, share] = _joint(flow, roads, alpha_office)
    services.task_return(task=share, actor=staff["alpha_disposer"], reason="Not ours", now=t0)
    case.refresh_from_db()
    assert case.status == CaseStatus.DISPATCHED
    assert (case.returned_count, case.needs_fallback) == (0, False)
    statuses = dict(Task.objects.filter(case=case).values_list("department__code", "status"))
    assert statuses == {"CITY-ROADS": TaskStatus.PENDING, "ST-ALPHA": TaskStatus.RETURNED}
    share.refresh_from_db()
    assert share.awaits_desk
    event = case.events.latest("pk")
    assert (event.action, event.to_status, event.data["share"]) == (
        CaseAction.RETURN,
        CaseStatus.DISPATCHED,
        True,
    )


def test_the_lead_cannot_dispose_the_case_away_while_a_share_waits(
    flow, staff, roads, alpha_office, t0
):
    from cases.tests.conftest import photo

    case, [lead, share] = _joint(flow, roads, alpha_office)
    services.task_return(task=share, actor=staff["alpha_disposer"], reason="Not ours", now=t0)
    services.task_accept(task=lead, actor=staff["roads_disposer"], now=t0)
    services.task_dispose(task=lead, actor=staff["roads_disposer"], photos=[photo()], now=t0)
    case.refresh_from_db()
    assert case.status == CaseStatus.DISPATCHED  # the returned share is not decided yet
    services.task_settle_share(
        task=share, actor=staff["city_dispatcher"], reason="Roads cover the kerb too", now=t0
    )
    case.refresh_from_db()
    assert (case.status, case.disposed_at) == (CaseStatus.DISPOSED, t0)
    assert case.events.latest("pk").data["case_disposed"] is True


def test_settling_a_share_while_the_lead_works_keeps_the_case_dispatched(
    flow, staff, roads, alpha_office, t0
):
    case, [_lead, share] = _joint(flow, roads, alpha_office)
    services.task_return(task=share, actor=staff["alpha_disposer"], reason="Not ours", now=t0)
    services.task_settle_share(task=share, actor=staff["city_dispatcher"], reason="ok", now=t0)
    case.refresh_from_db()
    share.refresh_from_db()
    assert case.status == CaseStatus.DISPATCHED
    assert (share.return_settled_at, share.awaits_desk) == (t0, False)
    with pytest.raises(Conflict, match="already answered"):
        services.task_settle_share(task=share, actor=staff["city_dispatcher"], reason="x", now=t0)


def test_the_desk_reroutes_a_returned_share(flow, staff, roads, alpha_office, beta_office, t0):
    case, [lead, share] = _joint(flow, roads, alpha_office)
    services.task_return(task=share, actor=staff["alpha_disposer"], reason="Not ours", now=t0)
    later = t0 + timedelta(hours=1)
    new = services.task_reroute_share(
        task=share, actor=staff["city_dispatcher"], department=beta_office, now=later
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.DISPATCHED
    assert (new.department, new.round, new.is_lead, new.status) == (
        beta_office,
        case.dispatch_round,
        False,
        TaskStatus.PENDING,
    )
    assert new.started_at == later and new.deadline_at > later  # a fresh clock
    share.refresh_from_db()
    assert share.return_settled_at == later
    event = case.events.latest("pk")
    assert (event.action, event.task_id, event.data["from"], event.data["to"]) == (
        CaseAction.REROUTE_SHARE,
        new.pk,
        "ST-ALPHA",
        "ST-BETA",
    )


def test_a_share_is_not_rerouted_to_a_department_already_on_the_case(
    flow, staff, roads, alpha_office, t0
):
    case, [_lead, share] = _joint(flow, roads, alpha_office)
    services.task_return(task=share, actor=staff["alpha_disposer"], reason="Not ours", now=t0)
    for dept in (roads, alpha_office):
        with pytest.raises(ValidationFailed, match="choose another department"):
            services.task_reroute_share(
                task=share, actor=staff["city_dispatcher"], department=dept, now=t0
            )


def test_only_the_desk_answers_a_returned_share(flow, staff, roads, alpha_office, beta_office, t0):
    _case, [_lead, share] = _joint(flow, roads, alpha_office)
    services.task_return(task=share, actor=staff["alpha_disposer"], reason="Not ours", now=t0)
    with pytest.raises(PermissionDenied):
        services.task_reroute_share(
            task=share, actor=staff["roads_disposer"], department=beta_office, now=t0
        )
    with pytest.raises(PermissionDenied):
        services.task_settle_share(task=share, actor=staff["roads_disposer"], reason="x", now=t0)


def test_an_open_or_lead_task_is_no_share_to_answer(flow, staff, roads, alpha_office, t0):
    _case, [lead, share] = _joint(flow, roads, alpha_office)
    with pytest.raises(Conflict):  # still open: nothing returned
        services.task_settle_share(task=share, actor=staff["city_dispatcher"], reason="x", now=t0)


def test_the_next_round_settles_the_leads_return(flow, staff, alpha_office, t0):
    case, [task] = flow.dispatched()
    services.task_return(task=task, actor=staff["roads_disposer"], reason="Not ours", now=t0)
    task.refresh_from_db()
    assert task.return_settled_at is None and not task.awaits_desk  # the lead: case is filed
    services.case_dispatch(
        case=case, actor=staff["city_dispatcher"], departments=[alpha_office], now=t0
    )
    task.refresh_from_db()
    assert task.return_settled_at == t0


def test_the_lead_department_is_told_of_a_helpers_return(
    flow, staff, roads, alpha_office, t0, django_capture_on_commit_callbacks
):
    from notify.models import OutboxMessage

    roads.contact_phone = "13800000001"
    roads.save(update_fields=["contact_phone"])
    case, [_lead, share] = _joint(flow, roads, alpha_office)
    with django_capture_on_commit_callbacks(execute=True):
        services.task_return(
            task=share, actor=staff["alpha_disposer"], reason="Pipes are not ours", now=t0
        )
    [message] = OutboxMessage.objects.filter(case=case)
    assert message.to == "13800000001"
    assert "Alpha street office" in message.body and "Pipes are not ours" in message.body


def test_a_leads_return_texts_nobody(flow, staff, roads, t0, django_capture_on_commit_callbacks):
    from notify.models import OutboxMessage

    roads.contact_phone = "13800000001"
    roads.save(update_fields=["contact_phone"])
    case, [task] = flow.dispatched()
    with django_capture_on_commit_callbacks(execute=True):
        services.task_return(task=task, actor=staff["roads_disposer"], reason="No", now=t0)
    assert not OutboxMessage.objects.filter(case=case).exists()
