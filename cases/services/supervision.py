"""Supervision on a case's trail (督办, 催办, 升级督办, SLA light flips), recorded for dispatch.

The dispatch app owns the deadline machinery (dispatch.scanner flips a task's stored light and
escalates it; dispatch.services.supervise is the 督办 by a person) and keeps its own rows
(SlaState, LightFlip, Supervision). Each of those writes calls ``case_record_supervision`` in
its own transaction, so the case's trail (CaseEvent) tells the whole story in one place and a
flip that rolls back leaves no event behind.

Like a note, the event changes no status and does not bump the case version: a scanner flip
must not make a dispatcher's concurrent move fail with a conflict.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from cases.models import Case, CaseEvent, Task
from cases.services._base import check_transition, conflict, now_or, write_event
from cases.states import SUPERVISION_ACTIONS

NOTE_MAX = 4000


@transaction.atomic
def case_record_supervision(
    *,
    task: Task,
    action: str,
    actor=None,
    note: str = "",
    data: dict | None = None,
    now: datetime | None = None,
) -> CaseEvent:
    """Append one supervision event about ``task`` to its case's trail.

    ``action`` is one of ``SUPERVISION_ACTIONS``; ``actor`` is the person for a 督办 by hand and
    ``None`` for the scanner (who may supervise is the caller's rule). ``data`` is stored with
    ``task`` added. The case status is read from the row, not the caller's copy (the scanner
    loaded it a moment ago): a case that has meanwhile left the states the table allows
    (suspended, disposed, ...) refuses with ``Conflict``, and the caller's flip rolls back.
    """
    if action not in SUPERVISION_ACTIONS:  # pragma: no cover - programming error
        raise ValueError(f"{action!r} is not a supervision action")
    now = now_or(now)
    case = task.case
    current = Case.objects.filter(pk=case.pk).values_list("status", flat=True).first()
    if current is None:
        raise conflict(case.number, None)
    case.status = current  # the event records the status as stored now
    check_transition(case, action)
    return write_event(
        case=case,
        action=action,
        actor=actor,
        at=now,
        from_status=current,
        task=task,
        note=(note or "").strip()[:NOTE_MAX],
        data={"task": task.pk, **(data or {})},
    )
