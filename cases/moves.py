"""The move table: which moves a user may make on a case now (one answer for every screen).

The case page's actions panel, the phone cards (disposer, inspector), the work queues and the
API's ``actions`` (on the case and on each task) all ask ``allowed``. It asks what the services
ask: the status tables of ``cases.states``, role, area and department from
``cases.permissions``, and the stamps a service checks beyond the status (verified before
filing, check passed before closing, not urgent already...). So a screen offers exactly the
moves that would succeed; the services still decide, and a move that lost a race comes back as
a DomainError.

Moves owned by another app register here with their own rule and service (dispatch: 督办
``supervise`` and its reply ``supervision_reply``, see ``dispatch.apps``), so ``cases`` does not
import them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cases import permissions
from cases.models import Case, Task
from cases.states import (
    TASK_TRANSITIONS,
    TRANSITIONS,
    CaseAction,
    CaseStatus,
    Priority,
    TaskStatus,
    VerifyFinding,
)
from org.models import Role
from org.selectors import staff_profile

A = CaseAction

# Case-level moves, in the order the actions panel offers them.
CASE_MOVES = (
    A.VERIFY,
    A.FILE,
    A.REVERIFY,
    A.DISPATCH,
    A.RESUME,
    A.START_CHECK,
    A.CHECK_PASS,
    A.CHECK_FAIL,
    A.CLOSE,
    A.UPGRADE,
    A.SUSPEND,
    A.REFUSE,
    A.VOID,
)
# Task moves in the order a disposer meets them; then the desk's decisions on a task.
TASK_MOVES = (
    A.ACCEPT,
    A.DISPOSE,
    A.REQUEST_EXTENSION,
    A.RETURN,
    A.APPROVE_EXTENSION,
    A.REJECT_EXTENSION,
    A.REROUTE_SHARE,
    A.SETTLE_SHARE,
    A.SUPERVISION_REPLY,
    A.SUPERVISE,
)
# The desk's answer to a co-department's return (协办回退), offered while the share waits.
SHARE_MOVES = frozenset({A.REROUTE_SHARE, A.SETTLE_SHARE})


@dataclass(frozen=True)
class RegisteredMove:
    """A task move another app owns: who may (its own rule, replacing role/area/department and
    the case status) and how it is made (``run(case=, task=, actor=, data=)``)."""

    may: Callable[[object, Task, Case], bool]
    run: Callable[..., object]


_registered: dict[str, RegisteredMove] = {}


def register(action: str, *, may: Callable, run: Callable) -> None:
    """Add another app's task move (idempotent: AppConfig.ready may run more than once)."""
    _registered[action] = RegisteredMove(may=may, run=run)


def registered(action: str) -> RegisteredMove | None:
    return _registered.get(action)


def _status_allows(case: Case, action: str) -> bool:
    return case.status in TRANSITIONS[action].sources


def _case_preconditions(case: Case, action: str, tasks: Sequence[Task]) -> bool:
    """The stamps and facts a case service checks beyond the status table."""
    if action == A.VERIFY:
        return case.verified_at is None and not case.verify_finding
    if action == A.REVERIFY:
        return case.verify_finding in (VerifyFinding.FALSE, VerifyFinding.ELSEWHERE)
    if action == A.FILE:
        return case.status == CaseStatus.REPORTED or case.verified_at is not None
    if action == A.DISPATCH:
        return case.standard_id is not None
    if action == A.UPGRADE:
        return case.priority != Priority.URGENT
    if action == A.CHECK_PASS:
        return case.check_passed_at is None
    if action == A.CHECK_FAIL:
        return any(t.status == TaskStatus.DISPOSED for t in tasks)
    if action == A.CLOSE:
        return case.check_passed_at is not None
    return True


def _may_task(user, role: str, action: str, task: Task, case: Case, in_scope: bool) -> bool:
    own = _registered.get(action)
    if own is not None:
        return own.may(user, task, case)
    if action not in TASK_TRANSITIONS or action not in permissions.MOVE_ROLES:
        return False  # a registered move whose app is not installed
    if not _status_allows(case, action) or task.status not in TASK_TRANSITIONS[action][0]:
        return False
    if role not in permissions.MOVE_ROLES[action]:
        return False
    if action in SHARE_MOVES and not task.awaits_desk:
        return False
    if action in permissions.DEPARTMENT_MOVES:
        if role == Role.ADMIN:
            return True
        profile = staff_profile(user)
        return profile is not None and profile.department_id == task.department_id
    # The desk's decisions on a task need the case in the desk's area scope.
    return in_scope


def allowed(user, case: Case, tasks: Sequence[Task]) -> list[tuple[str, Task | None]]:
    """(action, task) pairs ``user`` may make on ``case`` now; ``tasks``: the current round.

    Case-level moves come first (task None), in CASE_MOVES order, then each task's in TASK_MOVES
    order.
    """
    role = permissions.role_of(user)
    if role is None:
        return []
    in_scope = permissions.can_see(user, case.area_path)
    result: list[tuple[str, Task | None]] = []
    if in_scope:
        for action in CASE_MOVES:
            if (
                role in permissions.MOVE_ROLES[action]
                and _status_allows(case, action)
                and _case_preconditions(case, action, tasks)
            ):
                result.append((action, None))
    for task in tasks:
        for action in TASK_MOVES:
            if _may_task(user, role, action, task, case, in_scope):
                result.append((action, task))
    return result
