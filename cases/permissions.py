"""Who may make which move: roles per action, area scope, department membership.

Rules are a table (``MOVE_ROLES``) so the pages can grey out buttons with the same answer the
services give. Administrators (and superusers) may make every move; it is audited like any other.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases.states import CaseAction
from core.errors import PermissionDenied
from org.models import Role
from org.selectors import ALL, staff_profile, visible_area_paths

A = CaseAction
_DESK = frozenset({Role.DISPATCHER, Role.SHIFT_LEADER, Role.ADMIN})

MOVE_ROLES: dict[str, frozenset[str]] = {
    A.VERIFY: frozenset({Role.INSPECTOR, Role.ADMIN}),
    A.FILE: frozenset({Role.ACCEPTOR, Role.SHIFT_LEADER, Role.ADMIN}),
    A.VOID: frozenset({Role.SHIFT_LEADER, Role.ADMIN}),
    # 不予受理 and 重新核实: the acceptor's answers to a report or to an inspector's finding.
    A.REFUSE: frozenset({Role.ACCEPTOR, Role.SHIFT_LEADER, Role.ADMIN}),
    A.REVERIFY: frozenset({Role.ACCEPTOR, Role.SHIFT_LEADER, Role.ADMIN}),
    A.DISPATCH: _DESK,
    A.APPROVE_EXTENSION: _DESK,
    A.REJECT_EXTENSION: _DESK,
    A.REROUTE_SHARE: _DESK,
    A.SETTLE_SHARE: _DESK,
    A.SUSPEND: _DESK,
    A.RESUME: _DESK,
    A.UPGRADE: _DESK | {Role.LEADER},
    A.ACCEPT: frozenset({Role.DISPOSER, Role.ADMIN}),
    A.RETURN: frozenset({Role.DISPOSER, Role.ADMIN}),
    A.REQUEST_EXTENSION: frozenset({Role.DISPOSER, Role.ADMIN}),
    A.DISPOSE: frozenset({Role.DISPOSER, Role.ADMIN}),
    A.START_CHECK: frozenset({Role.INSPECTOR, Role.ADMIN}),
    A.CHECK_PASS: frozenset({Role.INSPECTOR, Role.ADMIN}),
    A.CHECK_FAIL: frozenset({Role.INSPECTOR, Role.ADMIN}),
    A.CLOSE: frozenset({Role.SHIFT_LEADER, Role.ADMIN}),
}

# Moves a disposer makes on their own department's task; the department is their scope.
DEPARTMENT_MOVES = frozenset({A.ACCEPT, A.RETURN, A.REQUEST_EXTENSION, A.DISPOSE})

_SCOPE_CACHE_ATTR = "_cases_area_paths"


def role_of(user) -> str | None:
    """The user's CityOps role; superusers count as administrators."""
    if user is None or not user.is_authenticated:
        return None
    profile = staff_profile(user)
    if profile is not None:
        return Role.ADMIN if user.is_superuser else profile.role
    return Role.ADMIN if user.is_superuser else None


def area_paths(user) -> list[str] | None:
    """org.selectors.visible_area_paths, memoised on the user object for the request.

    A move is a handful of queries; the scope would otherwise add one or two to each.
    """
    cached = getattr(user, _SCOPE_CACHE_ATTR, False)
    if cached is not False:
        return cached
    paths = visible_area_paths(user)
    try:
        setattr(user, _SCOPE_CACHE_ATTR, paths)
    except AttributeError:  # pragma: no cover - AnonymousUser and friends
        pass
    return paths


def can_see(user, path: str) -> bool:
    paths = area_paths(user)
    return paths is ALL or any(path.startswith(p) for p in paths)


def check_role(user, action: str) -> str:
    role = role_of(user)
    allowed = MOVE_ROLES[action]
    if role not in allowed:
        raise PermissionDenied(
            _("%(action)s needs one of the roles %(roles)s; you are %(role)s.")
            % {
                "action": CaseAction(action).label,
                "roles": ", ".join(sorted(str(Role(r).label) for r in allowed)),
                "role": Role(role).label if role else _("not a staff member"),
            },
            code="role_required",
        )
    return role


def check_move(user, action: str, case) -> str:
    """Role for ``action`` and the case inside the user's area scope."""
    role = check_role(user, action)
    if not can_see(user, case.area_path):
        raise PermissionDenied(
            _("Case %(number)s lies outside your area scope.") % {"number": case.number},
            code="out_of_scope",
        )
    return role


def check_task_move(user, action: str, task, case) -> str:
    """Role for ``action`` and membership of the task's department (administrators excepted)."""
    role = check_role(user, action)
    if role == Role.ADMIN:
        return role
    profile = staff_profile(user)
    if profile is None or profile.department_id != task.department_id:
        raise PermissionDenied(
            _("Only staff of the task's department may %(action)s on case %(number)s.")
            % {"action": CaseAction(action).label, "number": case.number},
            code="wrong_department",
        )
    return role
