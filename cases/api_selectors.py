"""Reads the case API needs beyond cases.selectors: who sees which case or task, list filters,
and the traffic light of a whole case.

Visibility (the rule the API and its 404s follow):
- a disposer (处置人员) sees the cases and tasks of their own department (any dispatch round),
  whatever their department's area: a city bureau must not browse every case of the city;
  other apps widen that reach with ``register_department_reach`` (dispatch: a case escalated
  to the department, 升级督办, with all its tasks, so the tier above can oversee it);
- everyone else sees by area, ``org.selectors.scope(..., path_field="area_path")``
  (administrators and superusers without an area scope see everything).
Anything outside that is "not found", so a case number does not leak whether it exists.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from areas.models import AdminArea, UnitGrid
from cases import search, sla
from cases.models import Case, Task
from cases.permissions import role_of
from cases.selectors import cases_visible
from cases.states import OPEN_TASK_STATUSES, CaseStatus
from catalog.models import Category
from core.errors import NotFound, ValidationFailed
from org.models import Role
from org.selectors import scope, staff_profile

GRID_CODE_LENGTH = 15
# Only these case states have running (or paused) task clocks, hence a light.
LIT_CASE_STATUSES = (CaseStatus.DISPATCHED, CaseStatus.SUSPENDED)


# department id -> a query of case ids the department may also see (see register_department_reach)
DepartmentReach = Callable[[int], QuerySet]
_reaches: list[DepartmentReach] = []


def register_department_reach(fn: DepartmentReach) -> DepartmentReach:
    """Let a disposer's department also see the cases ``fn(department_id)`` names (their ids).

    The app that owns the reason registers it at start-up (dispatch: escalations 升级督办), so
    this module does not import it. Returns ``fn``.
    """
    if fn not in _reaches:
        _reaches.append(fn)
    return fn


def _reached_case_ids(department_id: int) -> Q:
    """Cases reached by the registered reaches (none registered: matches nothing)."""
    q = Q(pk__in=[])
    for reach in _reaches:
        q |= Q(pk__in=reach(department_id))
    return q


def department_scoped(user) -> bool:
    """Disposers see by department, not by area (administrators are never narrowed)."""
    return role_of(user) == Role.DISPOSER


def _department_id(user) -> int | None:
    profile = staff_profile(user)
    return profile.department_id if profile is not None else None


def visible_cases(user) -> QuerySet[Case]:
    """Cases the caller may see (see the module docstring)."""
    if not department_scoped(user):
        return cases_visible(user)
    department_id = _department_id(user)
    qs = Case.objects.select_related("category", "standard", "grid")
    if department_id is None:
        return qs.none()
    own = Q(pk__in=Task.objects.filter(department_id=department_id).values("case_id"))
    return qs.filter(own | _reached_case_ids(department_id))


def visible_tasks(user) -> QuerySet[Task]:
    """Tasks the caller may see: their department's (disposers) or those of visible cases."""
    qs = Task.objects.select_related("case", "department", "assignee")
    if not department_scoped(user):
        return scope(qs, user, path_field="case__area_path")
    department_id = _department_id(user)
    if department_id is None:
        return qs.none()
    reached = Case.objects.filter(_reached_case_ids(department_id)).values("pk")
    return qs.filter(Q(department_id=department_id) | Q(case_id__in=reached))


def get_case(*, user, number: str) -> Case:
    case = visible_cases(user).filter(number=number).first()
    if case is None:
        raise NotFound(_("No case %(ref)s that you may see.") % {"ref": number})
    return case


def get_task(*, user, task_id: int) -> Task:
    task = visible_tasks(user).filter(pk=task_id).first()
    if task is None:
        raise NotFound(_("No task %(ref)s that you may see.") % {"ref": task_id})
    return task


# --- lights ----------------------------------------------------------------------------------


def case_light(open_tasks: Iterable[Task], now: datetime) -> sla.Light | None:
    """The case's light: the worst light of its open tasks; none when no clock is running.

    Open tasks are always of the current round: a new dispatch happens only after every task
    of the previous round was returned or cancelled.
    """
    return sla.worst_light(sla.traffic_light(t, now) for t in open_tasks)


def open_tasks_prefetch() -> Prefetch:
    """Prefetch the open tasks of each case as ``case.open_tasks`` (for lights and deadlines)."""
    return Prefetch(
        "tasks",
        queryset=Task.objects.filter(status__in=OPEN_TASK_STATUSES).order_by("deadline_at", "pk"),
        to_attr="open_tasks",
    )


def cases_with_light(qs: QuerySet[Case], light: str, now: datetime) -> QuerySet[Case]:
    """Narrow ``qs`` to cases whose light is ``light`` right now.

    The light depends on the working-time calendar, so it is computed in process, but only over
    cases with running clocks (dispatched or suspended) and, for red, only over those with an
    open task past its stored deadline: a task whose deadline is still ahead cannot be red.
    """
    tasks = Task.objects.filter(
        status__in=OPEN_TASK_STATUSES,
        case__in=qs.filter(status__in=LIT_CASE_STATUSES).values("pk"),
    ).select_related("case")
    if light == sla.Light.RED:
        late = Task.objects.filter(status__in=OPEN_TASK_STATUSES, deadline_at__lt=now)
        tasks = tasks.filter(case_id__in=late.values("case_id"))
    per_case: dict[int, list[sla.Light]] = defaultdict(list)
    for task in tasks.only(
        "pk",
        "case_id",
        "status",
        "started_at",
        "deadline_at",
        "paused_at",
        "paused_seconds",
        "disposed_at",
        "time_unit",
        "case__area_class",
    ):
        per_case[task.case_id].append(sla.traffic_light(task, now))
    matching = [pk for pk, lights in per_case.items() if sla.worst_light(lights) == light]
    return qs.filter(pk__in=matching)


# --- list filters ----------------------------------------------------------------------------


def in_area(qs: QuerySet[Case], grid_id: int | None, path: str) -> QuerySet[Case]:
    """Cases in one unit grid (``grid_id``) or in an administrative area of any tier
    (``path``): what ``area_of`` found for a code."""
    return (
        qs.filter(grid_id=grid_id) if grid_id is not None else qs.filter(area_path__startswith=path)
    )


def area_of(code: str) -> tuple[int | None, str]:
    """(grid id, "") when ``code`` names a unit grid, else (None, the area's path); an unknown
    code is a ValidationFailed on the field ``area``."""
    code = code.strip()
    if len(code) == GRID_CODE_LENGTH:
        grid = UnitGrid.objects.filter(code=code).only("pk").first()
        if grid is not None:
            return grid.pk, ""
    area = AdminArea.objects.filter(code=code).only("path").first()
    if area is None:
        raise ValidationFailed(
            _("No area or unit grid has the code %(code)r.") % {"code": code},
            details={"field": "area"},
        )
    return None, area.path


def filter_by_category(
    qs: QuerySet, *, code: str, kind: str | None, field: str = "category__"
) -> QuerySet:
    """Cases of a GB/T 47678.5 category: a 5-digit subclass code, or a 2-digit major class
    (``field=""`` filters categories themselves)."""
    qs = qs.filter(**{f"{field}{'major_code' if len(code) == 2 else 'code'}": code})
    return qs.filter(**{f"{field}kind": kind}) if kind else qs


def filter_by_text(qs: QuerySet[Case], text: str) -> QuerySet[Case]:
    """Number prefix, or words in the address or the description (cases.search)."""
    return search.by_words(qs, text)


def find_category(*, kind: str, code: str) -> Category:
    category = Category.objects.filter(kind=kind, code=code, is_active=True).first()
    if category is None:
        raise ValidationFailed(
            _("No active category %(kind)s %(code)s in the directory.")
            % {"kind": kind, "code": code},
            details={"field": "category"},
        )
    return category
