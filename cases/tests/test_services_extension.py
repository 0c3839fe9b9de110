"""延期 extension: the disposer asks with a reason and an amount; the desk approves or rejects."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from cases import services
from cases.models import Task
from cases.states import CaseAction, TaskStatus
from cases.tests.conftest import local
from core.errors import Conflict, PermissionDenied, ValidationFailed


def test_approved_extension_moves_the_deadline(flow, staff, t0):
    case, task = flow.accepted()
    services.task_request_extension(
        task=task,
        actor=staff["roads_disposer"],
        amount="2",
        reason="Parts on order",
        now=local(23, 10),
    )
    assert task.status == TaskStatus.EXTENSION_REQUESTED
    services.task_approve_extension(task=task, actor=staff["city_dispatcher"], now=local(23, 11))
    task.refresh_from_db()
    # 4 + 2 工作时 from Monday 09:00 -> 17:00.
    assert (task.status, task.extended, task.deadline_at) == (
        TaskStatus.ACCEPTED,
        Decimal("2"),
        local(23, 17),
    )
    actions = list(case.events.values_list("action", flat=True))[-2:]
    assert actions == [CaseAction.REQUEST_EXTENSION, CaseAction.APPROVE_EXTENSION]
    before = case.events.latest("pk").data["deadline_before"]
    assert datetime.fromisoformat(before) == local(23, 15)


def test_the_desk_may_grant_less_than_asked(flow, staff, t0):
    _case, task = flow.accepted()
    services.task_request_extension(
        task=task, actor=staff["roads_disposer"], amount=3, reason="Rain", now=t0
    )
    services.task_approve_extension(task=task, actor=staff["city_dispatcher"], amount=1, now=t0)
    assert Task.objects.get(pk=task.pk).deadline_at == local(23, 16)


def test_rejected_extension_keeps_the_deadline(flow, staff, t0):
    case, task = flow.accepted()
    services.task_request_extension(
        task=task, actor=staff["roads_disposer"], amount=2, reason="Rain", now=t0
    )
    services.task_reject_extension(
        task=task, actor=staff["city_dispatcher"], reason="Cover it today", now=t0
    )
    task.refresh_from_db()
    assert (task.status, task.deadline_at, task.extension_amount) == (
        TaskStatus.ACCEPTED,
        local(23, 15),
        None,
    )
    assert case.events.latest("pk").reason == "Cover it today"


@pytest.mark.parametrize("amount", [0, -1, "two", "NaN", 10_000])
def test_extension_amount_must_be_a_sensible_positive_number(flow, staff, t0, amount):
    _case, task = flow.accepted()
    with pytest.raises(ValidationFailed, match="positive amount"):
        services.task_request_extension(
            task=task, actor=staff["roads_disposer"], amount=amount, reason="x", now=t0
        )


def test_extension_needs_a_reason_and_an_accepted_task(flow, staff, t0):
    _case, [task] = flow.dispatched()
    with pytest.raises(ValidationFailed, match="needs a reason"):
        services.task_request_extension(
            task=task, actor=staff["roads_disposer"], amount=1, reason="", now=t0
        )
    with pytest.raises(Conflict, match="only when it is Accepted"):
        services.task_request_extension(
            task=task, actor=staff["roads_disposer"], amount=1, reason="x", now=t0
        )


def test_disposers_cannot_approve_their_own_extension(flow, staff, t0):
    _case, task = flow.accepted()
    services.task_request_extension(
        task=task, actor=staff["roads_disposer"], amount=1, reason="x", now=t0
    )
    with pytest.raises(PermissionDenied):
        services.task_approve_extension(task=task, actor=staff["roads_disposer"], now=t0)
