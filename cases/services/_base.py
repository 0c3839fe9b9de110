"""Shared mechanics of every move: table check, compare-and-swap, the event row, hooks.

A case move is ``check_transition`` -> ``cas_case`` (one UPDATE guarded by status *and* version;
0 rows means someone else moved first -> Conflict) -> ``write_event`` -> ``hooks.emit``.
A task move locks the case row first (``lock_case``: SELECT ... FOR UPDATE on PostgreSQL, the
IMMEDIATE write lock on SQLite) so moves on sibling tasks of one case run one after another and
the "was this the last open task?" question has one answer; the task itself changes by
compare-and-swap on its status.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from cases import hooks
from cases.models import Case, CaseEvent, Task
from cases.states import TASK_TRANSITIONS, TRANSITIONS, CaseAction, CaseStatus, TaskStatus
from core import rows as _rows
from core.errors import Conflict, NotFound, ValidationFailed

REASON_MAX = 2000


def now_or(now: datetime | None) -> datetime:
    return now if now is not None else timezone.now()


def status_label(status: str) -> str:
    return str(CaseStatus(status).label) if status in CaseStatus.values else status


def action_label(action: str) -> str:
    return str(CaseAction(action).label)


def require_reason(reason: str | None, action: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed(
            _("%(action)s needs a reason.") % {"action": action_label(action)},
            code="reason_required",
            details={"field": "reason"},
        )
    return text[:REASON_MAX]


def check_transition(case: Case, action: str) -> str | None:
    """The status after ``action`` per the table, or Conflict naming what is allowed.

    The one place the case table is enforced: every refusal of "not from this state" is a
    Conflict (409 in the API), like a lost compare-and-swap, never a plain DomainError.
    """
    transition = TRANSITIONS[action]
    if case.status not in transition.sources:
        allowed = ", ".join(sorted(status_label(s) for s in transition.sources))
        raise Conflict(
            _("Case %(number)s is %(status)s: %(action)s is possible only from %(allowed)s.")
            % {
                "number": case.number,
                "status": status_label(case.status),
                "action": action_label(action),
                "allowed": allowed,
            },
            code="illegal_move",
        )
    return transition.to


def conflict(case_number: str, current: str | None) -> Conflict:
    return Conflict(
        _("Case %(number)s was changed by someone else (now: %(status)s); reload and try again.")
        % {"number": case_number, "status": status_label(current) if current else _("deleted")},
        details={"status": current},
    )


def cas_case(case: Case, *, to_status: str | None, now: datetime, **fields) -> str:
    """Move ``case`` from its in-memory status/version; returns the old status.

    ``fields`` are plain values (not F expressions) so the in-memory instance can be updated to
    exactly what was written: the version guard proves the instance matched the row.
    """
    from_status = case.status
    new_status = to_status or from_status
    updated = _rows.update(
        Case,
        case.pk,
        values={"status": new_status, "updated_at": now, **fields},
        where={"status": from_status, "version": case.version},
        bump="version",
    )
    if updated != 1:
        current = Case.objects.filter(pk=case.pk).values_list("status", flat=True).first()
        raise conflict(case.number, current)
    case.status = new_status
    case.version += 1
    case.updated_at = now
    for name, value in fields.items():
        setattr(case, name, value)
    return from_status


def lock_case(case_id: int) -> Case:
    """The case row, locked until the transaction ends (task moves serialise per case)."""
    case = _rows.get(Case, case_id, lock=True)
    if case is None:
        raise NotFound(_("The case of this task no longer exists."))
    return case


def sync_case(target: Case | None, fresh: Case) -> None:
    """Copy the moved row's values into an instance the caller still holds."""
    if target is None or target is fresh:
        return
    for field in fresh._meta.concrete_fields:
        setattr(target, field.attname, getattr(fresh, field.attname))


def task_target(task: Task, action: str) -> str:
    """The task status after ``action``, or Conflict naming what is allowed."""
    sources, to = TASK_TRANSITIONS[action]
    if task.status not in sources:
        raise Conflict(
            _("This task is %(status)s: %(action)s is possible only when it is %(allowed)s.")
            % {
                "status": TaskStatus(task.status).label,
                "action": action_label(action),
                "allowed": ", ".join(sorted(str(TaskStatus(s).label) for s in sources)),
            },
            code="illegal_move",
        )
    return to


def cas_task(task: Task, *, action: str, now: datetime, case_number: str, **fields) -> str:
    """Move ``task`` by compare-and-swap on its status; returns the new task status."""
    to = task_target(task, action)
    updated = _rows.update(
        Task,
        task.pk,
        values={"status": to, "updated_at": now, **fields},
        where={"status": task.status},
    )
    if updated != 1:
        current = Task.objects.filter(pk=task.pk).values_list("status", flat=True).first()
        raise Conflict(
            _(
                "A task of case %(number)s was changed by someone else (now: %(status)s); reload and try again."
            )
            % {
                "number": case_number,
                "status": TaskStatus(current).label if current else _("deleted"),
            },
            details={"task_status": current},
        )
    task.status = to
    task.updated_at = now
    for name, value in fields.items():
        setattr(task, name, value)
    return to


def share_waits(status: str, return_settled_at) -> bool:
    """A returned task the desk has not answered yet (协办回退 awaiting 改派 or 确认).

    In a dispatched round only co-departments' tasks can be returned (the lead's return files
    the case again), so this holds the case open as an open task would."""
    return status == TaskStatus.RETURNED and return_settled_at is None


def write_event(
    *,
    case: Case,
    action: str,
    actor,
    at: datetime,
    from_status: str,
    task: Task | None = None,
    reason: str = "",
    note: str = "",
    data: dict | None = None,
) -> CaseEvent:
    """The one audit row of a move, then its after-commit hooks."""
    event = CaseEvent(
        case=case,
        task=task,
        actor=actor if actor is not None and actor.is_authenticated else None,
        at=at,
        action=action,
        from_status=from_status,
        to_status=case.status,
        reason=reason,
        note=(note or "").strip(),
        data=data or {},
    )
    _rows.insert(event)
    hooks.emit(action, case=case, event=event)
    return event


def begin_task_move(task: Task, action: str, actor) -> Case:
    """Lock the task's case, check who may act and that the case allows the move.

    Returns the freshly read (locked) case; the caller's ``task.case`` is synced at the end of
    the move by ``finish_task_move``.
    """
    from cases import permissions

    case = lock_case(task.case_id)
    if action in permissions.DEPARTMENT_MOVES:
        permissions.check_task_move(actor, action, task, case)
    else:
        permissions.check_move(actor, action, case)
    check_transition(case, action)
    return case


def finish_task_move(
    *,
    task: Task,
    case: Case,
    action: str,
    actor,
    now: datetime,
    to_status: str | None = None,
    reason: str = "",
    note: str = "",
    data: dict | None = None,
    **case_fields,
) -> CaseEvent:
    """Bump the case (status if ``to_status``), write the event, sync the caller's instances."""
    from_status = cas_case(case, to_status=to_status, now=now, **case_fields)
    if Task.case.is_cached(task):
        sync_case(task.case, case)
    else:
        task.case = case
    return write_event(
        case=case,
        action=action,
        actor=actor,
        at=now,
        from_status=from_status,
        task=task,
        reason=reason,
        note=note,
        data=data,
    )


MAX_EXTENSION = Decimal("999")


def extension_amount(value) -> Decimal:
    """A positive extension amount in the task's unit, or ValidationFailed."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        amount = Decimal(0)
    if not amount.is_finite() or amount <= 0 or amount > MAX_EXTENSION:
        raise ValidationFailed(
            _(
                "An extension is a positive amount in the task's time unit (at most %(max)s); got %(v)r."
            )
            % {"max": MAX_EXTENSION, "v": value},
            details={"field": "amount"},
        )
    return amount.quantize(Decimal("0.01"))
