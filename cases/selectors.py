"""Every read of cases, narrowed to what the user may see (org.selectors.scope on area_path)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cases import sla
from cases.models import Case, CaseEvent, Evidence, Task
from cases.search import by_words
from cases.states import OPEN_TASK_STATUSES, CaseStatus
from core.errors import NotFound
from org.selectors import scope, staff_profile


def cases_visible(user) -> QuerySet[Case]:
    """Cases in the user's area scope, with what a list row shows."""
    return scope(
        Case.objects.select_related("category", "standard", "grid"), user, path_field="area_path"
    )


def case_list(
    *,
    user,
    status: Iterable[str] | str | None = None,
    source: str | None = None,
    priority: str | None = None,
    search: str = "",
) -> QuerySet[Case]:
    qs = cases_visible(user)
    if status:
        qs = qs.filter(status__in=[status] if isinstance(status, str) else list(status))
    if source:
        qs = qs.filter(source=source)
    if priority:
        qs = qs.filter(priority=priority)
    if search:
        qs = by_words(qs, search)
    return qs


def case_get(*, user, number: str | None = None, pk: int | None = None) -> Case:
    """One case the user may see, or NotFound (also for cases outside their scope)."""
    qs = cases_visible(user)
    case = qs.filter(number=number).first() if number else qs.filter(pk=pk).first()
    if case is None:
        raise NotFound(_("No case %(ref)s that you may see.") % {"ref": number or pk})
    return case


def case_timeline(case: Case) -> QuerySet[CaseEvent]:
    """The audit trail, oldest first (the case page's timeline)."""
    return CaseEvent.objects.filter(case=case).select_related("actor", "task__department")


def case_tasks(case: Case, *, current_only: bool = True) -> QuerySet[Task]:
    qs = Task.objects.filter(case=case).select_related("department", "assignee")
    return qs.filter(round=case.dispatch_round) if current_only else qs


def case_evidence(case: Case, *, kind: str | None = None) -> QuerySet[Evidence]:
    qs = Evidence.objects.filter(case=case)
    return qs.filter(kind=kind) if kind else qs


def department_tasks(*, user, open_only: bool = True) -> QuerySet[Task]:
    """The disposer's inbox: tasks of their department (open ones by default), due first."""
    profile = staff_profile(user)
    if profile is None or profile.department_id is None:
        return Task.objects.none()
    qs = Task.objects.filter(department_id=profile.department_id).select_related("case")
    if open_only:
        qs = qs.filter(status__in=OPEN_TASK_STATUSES)
    return qs.order_by("deadline_at")


def tasks_due(*, before: datetime) -> QuerySet[Task]:
    """Open, running (not suspended) tasks due before ``before``: the SLA scanner's input."""
    return (
        Task.objects.filter(
            status__in=OPEN_TASK_STATUSES,
            paused_at__isnull=True,
            deadline_at__lt=before,
            case__status=CaseStatus.DISPATCHED,
        )
        .select_related("case")
        .order_by("deadline_at")
    )


def with_lights(tasks: Iterable[Task], now: datetime) -> list[tuple[Task, sla.Light]]:
    """Each task with its traffic light (computed in process; load ``case`` with the tasks)."""
    return [(task, sla.traffic_light(task, now)) for task in tasks]


def case_rating(case: Case):
    """The reporter's satisfaction rating of the case (回访), or None.

    The portal app owns the row (``portal.Satisfaction``, reverse name ``satisfaction``); the
    case page and the case JSON only read it, so this module does not import the portal.
    """
    try:
        return case.satisfaction
    except ObjectDoesNotExist:
        return None
