"""A department's moves on its own task: accept 接收, return 回退, ask for more time 延期申请,
dispose 处置 (after-photo required). The case follows: the lead's return sends it back to
``filed``, a co-department's return ends its own share only; disposing the last open task of the
round makes it ``disposed`` (一件事: all tasks done, no returned share left unanswered)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from cases.evidence import store_evidence
from cases.models import Evidence, Task
from cases.services._base import (
    begin_task_move,
    cas_task,
    extension_amount,
    finish_task_move,
    now_or,
    require_reason,
    share_waits,
    task_target,
)
from cases.states import (
    OPEN_TASK_STATUSES,
    TRANSITIONS,
    CaseAction,
    CaseStatus,
    EvidenceKind,
    TaskStatus,
)
from core import rows as _rows
from core.errors import ValidationFailed


@transaction.atomic
def task_accept(*, task: Task, actor, note: str = "", now: datetime | None = None) -> Task:
    """The department takes the task on (接收); the accepting person becomes the assignee."""
    now = now_or(now)
    case = begin_task_move(task, CaseAction.ACCEPT, actor)
    cas_task(
        task,
        action=CaseAction.ACCEPT,
        now=now,
        case_number=case.number,
        accepted_at=now,
        assignee_id=actor.pk,
    )
    finish_task_move(
        task=task, case=case, action=CaseAction.ACCEPT, actor=actor, now=now, note=note
    )
    return task


@transaction.atomic
def task_return(*, task: Task, actor, reason: str, now: datetime | None = None) -> Task:
    """Send the task back (回退): not ours. Reason required.

    The lead's return (主办回退) sends the whole case back to ``filed`` flagged
    ``needs_fallback`` (routing then picks the fallback owner 兜底); the other open tasks of the
    round are cancelled, because a joint case is re-dispatched as a whole.

    A co-department's return (协办回退) ends its own task only: the case stays dispatched with
    the lead and the other co-departments working, and the share waits for the desk to re-route
    or settle it (``task_reroute_share`` / ``task_settle_share``). Until then the case cannot
    become disposed, so no share is dropped without somebody deciding it.
    """
    now = now_or(now)
    reason = require_reason(reason, CaseAction.RETURN)
    case = begin_task_move(task, CaseAction.RETURN, actor)
    cas_task(task, action=CaseAction.RETURN, now=now, case_number=case.number, paused_at=None)
    if not task.is_lead:
        finish_task_move(
            task=task,
            case=case,
            action=CaseAction.RETURN,
            actor=actor,
            now=now,
            reason=reason,
            data={"department": task.department_id, "share": True},
        )
        return task
    cancelled = (
        Task.objects.filter(
            case_id=case.pk, round=case.dispatch_round, status__in=OPEN_TASK_STATUSES
        )
        .exclude(pk=task.pk)
        .update(status=TaskStatus.CANCELLED, paused_at=None, updated_at=now)
    )
    finish_task_move(
        task=task,
        case=case,
        action=CaseAction.RETURN,
        actor=actor,
        now=now,
        to_status=TRANSITIONS[CaseAction.RETURN].to,  # filed 立案: dispatched again from there
        reason=reason,
        data={"department": task.department_id, "cancelled_tasks": cancelled},
        returned_count=case.returned_count + 1,
        needs_fallback=True,
    )
    return task


@transaction.atomic
def task_request_extension(
    *,
    task: Task,
    actor,
    amount: Decimal | int | str,
    reason: str,
    now: datetime | None = None,
) -> Task:
    """Ask for more time (延期申请): ``amount`` in the task's time unit, with a reason."""
    now = now_or(now)
    reason = require_reason(reason, CaseAction.REQUEST_EXTENSION)
    amount = extension_amount(amount)
    case = begin_task_move(task, CaseAction.REQUEST_EXTENSION, actor)
    cas_task(
        task,
        action=CaseAction.REQUEST_EXTENSION,
        now=now,
        case_number=case.number,
        extension_amount=amount,
        extension_reason=reason[:300],
    )
    finish_task_move(
        task=task,
        case=case,
        action=CaseAction.REQUEST_EXTENSION,
        actor=actor,
        now=now,
        reason=reason,
        data={"amount": str(amount), "unit": task.time_unit},
    )
    return task


@transaction.atomic
def task_dispose(
    *,
    task: Task,
    actor,
    photos: Iterable = (),
    note: str = "",
    now: datetime | None = None,
) -> Task:
    """Report the work done (处置) with at least one after-photo (given here or attached before).

    When this was the last open task of the round the case becomes ``disposed``.
    """
    now = now_or(now)
    case = begin_task_move(task, CaseAction.DISPOSE, actor)
    task_target(task, CaseAction.DISPOSE)  # refuse before storing any photo
    stored = [
        store_evidence(case=case, task=task, kind=EvidenceKind.AFTER, upload=p, actor=actor, at=now)
        for p in photos
    ]
    if not stored and not Evidence.objects.filter(task=task, kind=EvidenceKind.AFTER).exists():
        raise ValidationFailed(
            _("Add at least one after-photo (处置后照片) to show the work on case %(number)s.")
            % {"number": case.number},
            code="after_photo_required",
            details={"field": "photos"},
        )
    cas_task(
        task,
        action=CaseAction.DISPOSE,
        now=now,
        case_number=case.number,
        disposed_at=now,
        extension_amount=None,
    )
    # One read answers both "any sibling still open?" and "was this on time?" (the deadline as
    # stored: a suspension or upgrade may have moved it since the caller loaded the task).
    siblings = _rows.values(
        Task,
        ("id", "status", "deadline_at", "return_settled_at"),
        where={"case_id": case.pk, "round": case.dispatch_round},
    )
    still_open = False
    for pk, status, deadline_at, settled_at in siblings:
        if pk == task.pk:
            task.deadline_at = deadline_at
        elif status in OPEN_TASK_STATUSES or share_waits(status, settled_at):
            still_open = True
    case_fields = {} if still_open else {"disposed_at": now}
    finish_task_move(
        task=task,
        case=case,
        action=CaseAction.DISPOSE,
        actor=actor,
        now=now,
        to_status=None if still_open else CaseStatus.DISPOSED,
        note=note,
        data={
            "evidence": [e.pk for e in stored],
            "on_time": now <= task.deadline_at,
            "case_disposed": not still_open,
        },
        **case_fields,
    )
    return task
