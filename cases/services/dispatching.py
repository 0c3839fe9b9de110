"""Desk moves: dispatch 派遣 (one task per department, 一件事), emergency upgrade 平转急,
suspend/resume 挂账, the decision on an extension request 延期审批, and the answer to a
co-department's return 协办回退 (re-route the share 改派, or settle it 确认).

Routing (which departments) is not decided here: the dispatch app passes them in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from cases import permissions, sla
from cases.models import Case, Task
from cases.services._base import (
    action_label,
    begin_task_move,
    cas_case,
    cas_task,
    check_transition,
    extension_amount,
    finish_task_move,
    now_or,
    require_reason,
    share_waits,
    task_target,
    write_event,
)
from cases.states import (
    OPEN_TASK_STATUSES,
    URGENT_UNIT,
    CaseAction,
    CaseStatus,
    Priority,
    TaskStatus,
)
from core import rows as _rows
from core import workcalendar
from core.errors import Conflict, ValidationFailed
from org.models import Department


def _dispatch_departments(
    departments: Sequence[Department], lead: Department | None
) -> list[Department]:
    """Exactly the departments chosen, the lead first; refuses an empty or inconsistent choice.

    The lead (主办) must be one of ``departments``: a lead outside the list is a choice the
    dispatcher did not make (a pre-filled field left behind), and adding it silently sent cases
    to departments nobody picked. Duplicates and inactive units are refused too.
    """
    chosen = list(departments)
    if not chosen:
        raise ValidationFailed(
            _("Choose at least one department to dispatch to."), details={"field": "departments"}
        )
    if lead is not None and all(d.pk != lead.pk for d in chosen):
        raise ValidationFailed(
            _(
                "The lead department %(lead)s is not among the departments chosen (%(chosen)s): "
                "choose it as well, or pick the lead from the chosen ones."
            )
            % {"lead": lead.name, "chosen": ", ".join(d.name for d in chosen)},
            code="lead_not_chosen",
            details={"field": "lead"},
        )
    seen: set[int] = set()
    for dept in chosen:
        if dept.pk in seen:
            raise ValidationFailed(
                _("%(dept)s is listed twice; a joint case has one task per department.")
                % {"dept": dept.name},
                details={"field": "departments"},
            )
        seen.add(dept.pk)
        if not dept.is_active:
            raise ValidationFailed(
                _("%(dept)s is no longer active; choose another department.") % {"dept": dept.name},
                details={"field": "departments"},
            )
    if lead is not None:
        chosen.sort(key=lambda d: d.pk != lead.pk)  # stable: lead first, others in given order
    return chosen


@transaction.atomic
def case_dispatch(
    *,
    case: Case,
    actor,
    departments: Sequence[Department],
    lead: Department | None = None,
    note: str = "",
    now: datetime | None = None,
) -> list[Task]:
    """Dispatch (派遣) a filed case: one Task per department, the lead first (一件事).

    Every task gets the same deadline: the filing standard's limit for the grid's area class,
    on the urgent clock when the case is urgent. Returns the tasks, lead first.
    """
    now = now_or(now)
    permissions.check_move(actor, CaseAction.DISPATCH, case)
    to = check_transition(case, CaseAction.DISPATCH)
    chosen = _dispatch_departments(departments, lead)
    standard = case.standard
    if standard is None:  # pragma: no cover - filing always sets it
        raise Conflict(
            _("Case %(number)s has no filing standard.") % {"number": case.number},
            code="no_standard",
        )
    amount, unit = sla.limit_for(standard, case.area_class, urgent=case.priority == Priority.URGENT)
    deadline = workcalendar.add_working_time(now, amount, unit, case.area_class or None)
    round_no = case.dispatch_round + 1
    if round_no > 1:
        # A new round answers the returns of the last one (the lead's 回退 sent the case here).
        Task.objects.filter(
            case=case, status=TaskStatus.RETURNED, return_settled_at__isnull=True
        ).update(return_settled_at=now, updated_at=now)
    from_status = cas_case(
        case,
        to_status=to,
        now=now,
        dispatched_at=now,
        dispatch_round=round_no,
        needs_fallback=False,
    )
    tasks = [
        Task(
            case=case,
            department=dept,
            round=round_no,
            is_lead=i == 0,
            status=TaskStatus.PENDING,
            time_limit=amount,
            time_unit=unit,
            started_at=now,
            deadline_at=deadline,
        )
        for i, dept in enumerate(chosen)
    ]
    _rows.insert(*tasks)
    write_event(
        case=case,
        action=CaseAction.DISPATCH,
        actor=actor,
        at=now,
        from_status=from_status,
        task=tasks[0],
        note=note,
        data={
            "round": round_no,
            "lead": chosen[0].code,
            "departments": [d.code for d in chosen],
            # Names as they were, so the trail names every department dispatched.
            "department_names": [d.name for d in chosen],
            "time_limit": str(amount),
            "time_unit": unit,
            "deadline_at": deadline.isoformat(),
        },
    )
    return tasks


def _open_tasks(case: Case) -> list[Task]:
    return list(
        Task.objects.filter(case=case, round=case.dispatch_round, status__in=OPEN_TASK_STATUSES)
    )


@transaction.atomic
def case_upgrade(*, case: Case, actor, reason: str, now: datetime | None = None) -> Case:
    """Emergency upgrade (平转急): priority urgent, open tasks re-timed on the urgent clock.

    The limit keeps its amount and counts from each task's start on the round-the-clock
    counterpart of its unit (工作时 -> 紧急工作时, 工作日 -> 自然日), so an upgraded task can be
    red at once: that is the point of upgrading it.
    """
    now = now_or(now)
    permissions.check_move(actor, CaseAction.UPGRADE, case)
    to = check_transition(case, CaseAction.UPGRADE)
    reason = require_reason(reason, CaseAction.UPGRADE)
    if case.priority == Priority.URGENT:
        raise Conflict(
            _("Case %(number)s is already urgent.") % {"number": case.number}, code="already_done"
        )
    from_status = cas_case(case, to_status=to, now=now, priority=Priority.URGENT)
    tasks = _open_tasks(case) if case.dispatch_round else []
    for task in tasks:
        task.time_unit = URGENT_UNIT[task.time_unit]
        task.deadline_at = sla.task_deadline(
            started_at=task.started_at,
            time_limit=task.time_limit,
            extended=task.extended,
            unit=task.time_unit,
            paused_seconds=task.paused_seconds,
            area_class=case.area_class,
        )
        task.updated_at = now
    if tasks:
        Task.objects.bulk_update(tasks, ["time_unit", "deadline_at", "updated_at"])
    write_event(
        case=case,
        action=CaseAction.UPGRADE,
        actor=actor,
        at=now,
        from_status=from_status,
        reason=reason,
        data={"deadlines": {str(t.pk): t.deadline_at.isoformat() for t in tasks}},
    )
    return case


@transaction.atomic
def case_suspend(*, case: Case, actor, reason: str, now: datetime | None = None) -> Case:
    """Suspend (挂账): the problem cannot be solved now; every open task's clock stops."""
    now = now_or(now)
    permissions.check_move(actor, CaseAction.SUSPEND, case)
    to = check_transition(case, CaseAction.SUSPEND)
    reason = require_reason(reason, CaseAction.SUSPEND)
    from_status = cas_case(case, to_status=to, now=now)
    paused = Task.objects.filter(
        case=case,
        round=case.dispatch_round,
        status__in=OPEN_TASK_STATUSES,
        paused_at__isnull=True,
    ).update(paused_at=now, updated_at=now)
    write_event(
        case=case,
        action=CaseAction.SUSPEND,
        actor=actor,
        at=now,
        from_status=from_status,
        reason=reason,
        data={"paused_tasks": paused},
    )
    return case


@transaction.atomic
def case_resume(*, case: Case, actor, note: str = "", now: datetime | None = None) -> Case:
    """Resume a suspended case: paused working time is added to each task and its deadline."""
    now = now_or(now)
    permissions.check_move(actor, CaseAction.RESUME, case)
    to = check_transition(case, CaseAction.RESUME)
    from_status = cas_case(case, to_status=to, now=now)
    tasks = list(Task.objects.filter(case=case, paused_at__isnull=False))
    pauses: dict[str, int] = {}
    for task in tasks:
        seconds = sla.working_seconds(task.paused_at, now, task.time_unit, case.area_class)
        task.paused_seconds += seconds
        task.deadline_at = sla.push(task.deadline_at, seconds, task.time_unit, case.area_class)
        task.paused_at = None
        task.updated_at = now
        pauses[str(task.pk)] = seconds
    if tasks:
        Task.objects.bulk_update(
            tasks, ["paused_seconds", "deadline_at", "paused_at", "updated_at"]
        )
    write_event(
        case=case,
        action=CaseAction.RESUME,
        actor=actor,
        at=now,
        from_status=from_status,
        note=note,
        data={"paused_seconds": pauses},
    )
    return case


def _reload_task(task: Task, case: Case) -> Task:
    """The task as stored, under the case lock (its clock may have changed since it was read)."""
    fresh = Task.objects.filter(pk=task.pk).first()
    if fresh is None or fresh.status != task.status:
        raise Conflict(
            _("A task of case %(number)s was changed by someone else; reload and try again.")
            % {"number": case.number}
        )
    return fresh


@transaction.atomic
def task_approve_extension(
    *,
    task: Task,
    actor,
    amount: Decimal | int | str | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Task:
    """Approve an extension (延期批准): the deadline moves by ``amount`` (default: as requested)."""
    now = now_or(now)
    case = begin_task_move(task, CaseAction.APPROVE_EXTENSION, actor)
    fresh = _reload_task(task, case)
    # The state first: a task with no pending request has no amount to default to, and the
    # answer must be "nothing to approve" (Conflict), not "amount None" (bad input).
    task_target(fresh, CaseAction.APPROVE_EXTENSION)
    granted = extension_amount(amount if amount is not None else fresh.extension_amount)
    extended = fresh.extended + granted
    deadline = sla.task_deadline(
        started_at=fresh.started_at,
        time_limit=fresh.time_limit,
        extended=extended,
        unit=fresh.time_unit,
        paused_seconds=fresh.paused_seconds,
        area_class=case.area_class,
    )
    cas_task(
        task,
        action=CaseAction.APPROVE_EXTENSION,
        now=now,
        case_number=case.number,
        extended=extended,
        deadline_at=deadline,
        extension_amount=None,
    )
    finish_task_move(
        task=task,
        case=case,
        action=CaseAction.APPROVE_EXTENSION,
        actor=actor,
        now=now,
        note=note,
        data={
            "granted": str(granted),
            "unit": fresh.time_unit,
            "deadline_before": fresh.deadline_at.isoformat(),
            "deadline_at": deadline.isoformat(),
        },
    )
    return task


@transaction.atomic
def task_reject_extension(*, task: Task, actor, reason: str, now: datetime | None = None) -> Task:
    """Reject an extension request (延期驳回); the deadline stays. Reason required."""
    now = now_or(now)
    reason = require_reason(reason, CaseAction.REJECT_EXTENSION)
    case = begin_task_move(task, CaseAction.REJECT_EXTENSION, actor)
    requested = task.extension_amount
    cas_task(
        task,
        action=CaseAction.REJECT_EXTENSION,
        now=now,
        case_number=case.number,
        extension_amount=None,
    )
    finish_task_move(
        task=task,
        case=case,
        action=CaseAction.REJECT_EXTENSION,
        actor=actor,
        now=now,
        reason=reason,
        data={"requested": str(requested) if requested is not None else None},
    )
    return task


def _returned_share(task: Task, case: Case, action: str) -> Task:
    """The returned co-department task as stored, not yet answered, or Conflict."""
    fresh = _reload_task(task, case)
    task_target(fresh, action)
    if fresh.is_lead or fresh.round != case.dispatch_round:
        raise Conflict(
            _("Only a co-department's returned share of the current round can be %(action)s.")
            % {"action": action_label(action)},
            code="illegal_move",
        )
    if fresh.return_settled_at is not None:
        raise Conflict(
            _("The returned share of %(dept)s on case %(number)s was already answered.")
            % {"dept": fresh.department.name, "number": case.number},
            code="already_done",
        )
    return fresh


@transaction.atomic
def task_reroute_share(
    *, task: Task, actor, department: Department, note: str = "", now: datetime | None = None
) -> Task:
    """Send a co-department's returned share to another department (协办改派).

    The new co-task starts a fresh clock with the case's limit (as a dispatch would); the
    returned task is settled. Returns the new task.
    """
    now = now_or(now)
    case = begin_task_move(task, CaseAction.REROUTE_SHARE, actor)
    returned = _returned_share(task, case, CaseAction.REROUTE_SHARE)
    if department is None or not department.is_active:
        raise ValidationFailed(
            _("Choose an active department to take over the share."),
            details={"field": "department"},
        )
    busy = Task.objects.filter(
        case=case,
        round=case.dispatch_round,
        department=department,
        status__in=OPEN_TASK_STATUSES,
    ).exists()
    if busy or department.pk == returned.department_id:
        raise ValidationFailed(
            _("%(dept)s already has this case or just returned it; choose another department.")
            % {"dept": department.name},
            details={"field": "department"},
        )
    amount, unit = sla.limit_for(
        case.standard, case.area_class, urgent=case.priority == Priority.URGENT
    )
    deadline = workcalendar.add_working_time(now, amount, unit, case.area_class or None)
    cas_task(
        task,
        action=CaseAction.REROUTE_SHARE,
        now=now,
        case_number=case.number,
        return_settled_at=now,
    )
    share = Task(
        case=case,
        department=department,
        round=case.dispatch_round,
        is_lead=False,
        status=TaskStatus.PENDING,
        time_limit=amount,
        time_unit=unit,
        started_at=now,
        deadline_at=deadline,
    )
    _rows.insert(share)
    finish_task_move(
        task=share,
        case=case,
        action=CaseAction.REROUTE_SHARE,
        actor=actor,
        now=now,
        note=note,
        data={
            "returned_task": returned.pk,
            "from": returned.department.code,
            "from_name": returned.department.name,
            "to": department.code,
            "to_name": department.name,
            "time_limit": str(amount),
            "time_unit": unit,
            "deadline_at": deadline.isoformat(),
        },
    )
    return share


@transaction.atomic
def task_settle_share(*, task: Task, actor, reason: str, now: datetime | None = None) -> Task:
    """Accept a co-department's return without re-routing it (回退确认): the lead and the other
    departments cover the work. Reason required (why nobody else is needed).

    When every other task of the round is disposed, the case becomes ``disposed`` now.
    """
    now = now_or(now)
    reason = require_reason(reason, CaseAction.SETTLE_SHARE)
    case = begin_task_move(task, CaseAction.SETTLE_SHARE, actor)
    _returned_share(task, case, CaseAction.SETTLE_SHARE)
    cas_task(
        task,
        action=CaseAction.SETTLE_SHARE,
        now=now,
        case_number=case.number,
        return_settled_at=now,
    )
    others = _rows.values(
        Task,
        ("id", "status", "return_settled_at"),
        where={"case_id": case.pk, "round": case.dispatch_round},
    )
    waiting = any(
        status in OPEN_TASK_STATUSES or share_waits(status, settled_at)
        for pk, status, settled_at in others
        if pk != task.pk
    )
    disposed = any(status == TaskStatus.DISPOSED for _pk, status, _s in others)
    done = disposed and not waiting
    finish_task_move(
        task=task,
        case=case,
        action=CaseAction.SETTLE_SHARE,
        actor=actor,
        now=now,
        to_status=CaseStatus.DISPOSED if done else None,
        reason=reason,
        data={"department": task.department_id, "case_disposed": done},
        **({"disposed_at": now} if done else {}),
    )
    return task
