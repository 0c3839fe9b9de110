"""After disposal: on-site check 核查 by an inspector, rework 返工, and close 结案.

Chosen flow: ``disposed`` -(start_check, optional)-> ``checking``; ``check_pass`` stamps
``check_passed_at`` (status ``checking``: waiting for 结案); ``close`` by the shift leader
(值班长) needs that stamp. ``check_fail`` sends the failed tasks back to the same departments
(返工, counted per task and per case) with a fresh time limit, and the case back to ``dispatched``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from cases import permissions
from cases.evidence import store_evidence
from cases.models import Case, Task
from cases.services._base import (
    cas_case,
    check_transition,
    now_or,
    require_reason,
    write_event,
)
from cases.states import TASK_TRANSITIONS, CaseAction, EvidenceKind, TaskStatus
from core import workcalendar
from core.errors import Conflict, ValidationFailed


def _check_photos(case: Case, actor, photos: Iterable, now: datetime) -> list[int]:
    return [
        store_evidence(case=case, kind=EvidenceKind.CHECK, upload=p, actor=actor, at=now).pk
        for p in photos
    ]


@transaction.atomic
def case_start_check(*, case: Case, actor, note: str = "", now: datetime | None = None) -> Case:
    """An inspector starts the on-site check (核查) of a disposed case."""
    now = now_or(now)
    permissions.check_move(actor, CaseAction.START_CHECK, case)
    to = check_transition(case, CaseAction.START_CHECK)
    from_status = cas_case(case, to_status=to, now=now)
    write_event(
        case=case,
        action=CaseAction.START_CHECK,
        actor=actor,
        at=now,
        from_status=from_status,
        note=note,
    )
    return case


@transaction.atomic
def case_check_pass(
    *, case: Case, actor, photos: Iterable = (), note: str = "", now: datetime | None = None
) -> Case:
    """The fix holds (核查通过): the case waits in ``checking`` for the shift leader's close."""
    now = now_or(now)
    permissions.check_move(actor, CaseAction.CHECK_PASS, case)
    to = check_transition(case, CaseAction.CHECK_PASS)
    if case.check_passed_at is not None:
        raise Conflict(
            _("The check of case %(number)s has already passed.") % {"number": case.number},
            code="already_done",
        )
    evidence = _check_photos(case, actor, photos, now)
    from_status = cas_case(case, to_status=to, now=now, check_passed_at=now)
    write_event(
        case=case,
        action=CaseAction.CHECK_PASS,
        actor=actor,
        at=now,
        from_status=from_status,
        note=note,
        data={"evidence": evidence} if evidence else {},
    )
    return case


def _failed_tasks(case: Case, tasks: Sequence[Task] | None) -> list[Task]:
    if tasks is None:
        chosen = list(
            Task.objects.filter(case=case, round=case.dispatch_round, status=TaskStatus.DISPOSED)
        )
        for task in chosen:
            task.case = case  # later task moves then keep the caller's case instance current
    else:
        chosen = list(tasks)
        for task in chosen:
            if (
                task.case_id != case.pk
                or task.round != case.dispatch_round
                or task.status != TaskStatus.DISPOSED
            ):
                raise ValidationFailed(
                    _(
                        "Only disposed tasks of the current dispatch of case %(number)s can be sent back for rework."
                    )
                    % {"number": case.number},
                    details={"field": "tasks", "task": task.pk},
                )
    if not chosen:
        raise Conflict(
            _("Case %(number)s has no disposed task to send back for rework.")
            % {"number": case.number},
            code="illegal_move",
        )
    return chosen


@transaction.atomic
def case_check_fail(
    *,
    case: Case,
    actor,
    reason: str,
    tasks: Sequence[Task] | None = None,
    photos: Iterable = (),
    now: datetime | None = None,
) -> list[Task]:
    """The fix does not hold (核查不通过): rework (返工) by the same department(s).

    ``tasks`` narrows a joint case to the departments whose part failed (default: all disposed
    tasks of the round). Each gets ``rework_count + 1`` and a fresh limit from now.
    """
    now = now_or(now)
    permissions.check_move(actor, CaseAction.CHECK_FAIL, case)
    to = check_transition(case, CaseAction.CHECK_FAIL)
    reason = require_reason(reason, CaseAction.CHECK_FAIL)
    chosen = _failed_tasks(case, tasks)
    evidence = _check_photos(case, actor, photos, now)
    from_status = cas_case(
        case,
        to_status=to,
        now=now,
        rework_count=case.rework_count + len(chosen),
        check_passed_at=None,
        disposed_at=None,
    )
    # The table says where a failed check sends a task (返工) and from where.
    (fail_from,), rework = TASK_TRANSITIONS[CaseAction.CHECK_FAIL]
    # Tasks of one case share limit and unit almost always: one UPDATE per distinct clock.
    groups: dict[tuple, list[Task]] = defaultdict(list)
    for task in chosen:
        groups[(task.time_limit, task.time_unit)].append(task)
    updated = 0
    for (limit, unit), group in groups.items():
        deadline = workcalendar.add_working_time(now, limit, unit, case.area_class or None)
        updated += Task.objects.filter(pk__in=[t.pk for t in group], status=fail_from).update(
            status=rework,
            rework_count=F("rework_count") + 1,
            started_at=now,
            deadline_at=deadline,
            accepted_at=None,
            disposed_at=None,
            extended=0,
            paused_seconds=0,
            paused_at=None,
            extension_amount=None,
            warned_at=None,
            overdue_at=None,
            updated_at=now,
        )
        for task in group:
            task.status = rework
            task.rework_count += 1
            task.started_at = now
            task.deadline_at = deadline
            task.accepted_at = task.disposed_at = None
            task.extended, task.paused_seconds = 0, 0
    if updated != len(chosen):
        raise Conflict(
            _("A task of case %(number)s was changed by someone else; reload and try again.")
            % {"number": case.number}
        )
    write_event(
        case=case,
        action=CaseAction.CHECK_FAIL,
        actor=actor,
        at=now,
        from_status=from_status,
        task=chosen[0],
        reason=reason,
        data={"tasks": [t.pk for t in chosen], "evidence": evidence},
    )
    return chosen


@transaction.atomic
def case_close(*, case: Case, actor, note: str = "", now: datetime | None = None) -> Case:
    """Close the case (结案) after a passed check; by the shift leader (值班长)."""
    now = now_or(now)
    permissions.check_move(actor, CaseAction.CLOSE, case)
    to = check_transition(case, CaseAction.CLOSE)
    if case.check_passed_at is None:
        raise Conflict(
            _("Case %(number)s cannot be closed before its on-site check (核查) has passed.")
            % {"number": case.number},
            code="check_required",
        )
    from_status = cas_case(case, to_status=to, now=now, closed_at=now)
    write_event(
        case=case, action=CaseAction.CLOSE, actor=actor, at=now, from_status=from_status, note=note
    )
    return case
