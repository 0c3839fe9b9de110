"""Reads: the case list, one case, its timeline, and the task inbox."""

from __future__ import annotations

from django.utils import timezone
from ninja import Field, Query, Schema

from cases import api_selectors as sel
from cases import tally
from cases.api.common import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE,
    MAX_PAGE_SIZE,
    READ_ERRORS,
    TEXT_QUERY_MAX,
    CaseNumber,
    CaseOrder,
    case_detail,
    paged,
    router,
)
from cases.api_schemas import (
    CaseDetailOut,
    CaseEventOut,
    CasePageOut,
    TaskPageOut,
    Text,
    event_data,
    summary_data,
    task_data,
)
from cases.selectors import case_timeline
from cases.sla import Light
from cases.states import (
    OPEN_TASK_STATUSES,
    CaseStatus,
    Priority,
    SourceChannel,
    TaskStatus,
)
from catalog.models import CategoryKind


class CaseListQuery(Schema):
    status: list[CaseStatus] | None = Field(None, description="repeat for several")
    source: SourceChannel | None = None
    priority: Priority | None = None
    category: str | None = Field(
        None, pattern=r"^\d{2}(\d{3})?$", description="5-digit subclass or 2-digit major class"
    )
    category_kind: CategoryKind | None = None
    area: Text | None = Field(
        None, max_length=32, description="code of an area (any tier) or of a unit grid"
    )
    light: Light | None = Field(None, description="worst light of the case's open tasks")
    q: Text | None = Field(
        None, max_length=TEXT_QUERY_MAX, description="number prefix, address or description words"
    )
    order: CaseOrder = "-reported_at"
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


def _tallied_count(user, filters: CaseListQuery, area) -> int | None:
    """The list's count from the tallies the database keeps (cases.tally), when its filters are
    ones they hold (status, source, an area, not a grid: ``area`` is ``sel.area_of``'s answer
    or None) and the caller's scope is an area scope; else None (counted on the cases). A
    city's years of cases took seconds to count (issue 15)."""
    narrowed = (filters.priority, filters.category, filters.category_kind, filters.q, filters.light)
    if any(narrowed) or sel.department_scoped(user) or (area and area[0] is not None):
        return None
    area_path = area[1] if area else None
    per_status = tally.by_status(user, area_path=area_path, source=filters.source)
    if filters.status:
        return sum(per_status[status] for status in set(filters.status))
    return sum(per_status.values())


@router.get(
    "/cases",
    response={200: CasePageOut, **READ_ERRORS},
    summary="List the cases the caller may see",
    description=(
        "Cases in the caller's area scope (a disposer: cases with a task of their department), "
        "newest first by default, with the traffic light and earliest deadline of their open "
        f"tasks. Paged: `page`, `page_size` (at most {MAX_PAGE_SIZE})."
    ),
)
def list_cases(request, filters: Query[CaseListQuery]):
    now = timezone.now()
    qs = sel.visible_cases(request.user)
    if filters.status:
        qs = qs.filter(status__in=filters.status)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.category:
        qs = sel.filter_by_category(qs, code=filters.category, kind=filters.category_kind)
    elif filters.category_kind:
        qs = qs.filter(category__kind=filters.category_kind)
    area = sel.area_of(filters.area) if filters.area else None  # (grid id, area path)
    if area is not None:
        qs = sel.in_area(qs, *area)
    if filters.q:
        qs = sel.filter_by_text(qs, filters.q)
    if filters.light:
        qs = sel.cases_with_light(qs, filters.light, now)
    qs = qs.order_by(filters.order, "-pk").prefetch_related(sel.open_tasks_prefetch())
    known = _tallied_count(request.user, filters, area)
    count, capped, rows = paged(qs, filters.page, filters.page_size, known=known)
    return {
        "count": count,
        "count_capped": capped,
        "page": filters.page,
        "page_size": filters.page_size,
        "items": [summary_data(case, case.open_tasks, now) for case in rows],
    }


@router.get(
    "/cases/{number}",
    response={200: CaseDetailOut, **READ_ERRORS},
    summary="One case with tasks, lights and photos",
    description="404 when there is no such case or it lies outside the caller's scope.",
)
def get_case(request, number: CaseNumber):
    return case_detail(request, sel.get_case(user=request.user, number=number))


@router.get(
    "/cases/{number}/timeline",
    response={200: list[CaseEventOut], **READ_ERRORS},
    summary="The case's audit trail (timeline)",
    description=(
        "Every move on the case, oldest first: actor, time, from/to status, reason; also the "
        "supervision events (supervise 督办, sla_warning, sla_overdue, escalate, sla_cleared) "
        "with their task, light and level in `data`."
    ),
)
def get_timeline(request, number: CaseNumber):
    case = sel.get_case(user=request.user, number=number)
    return [event_data(e) for e in case_timeline(case).order_by("at", "pk")]


class TaskListQuery(Schema):
    status: list[TaskStatus] | None = Field(None, description="repeat for several")
    open: bool = Field(True, description="only tasks still owed (ignored when status is given)")
    case: Text | None = Field(None, max_length=32, description="only the tasks of this case")
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


@router.get(
    "/tasks",
    response={200: TaskPageOut, **READ_ERRORS},
    summary="Tasks: a disposer's department inbox",
    description=(
        "A disposer gets their department's tasks; desk staff get the tasks of the cases they "
        "may see (e.g. `status=extension_requested` to decide extensions). Due first."
    ),
)
def list_tasks(request, filters: Query[TaskListQuery]):
    qs = sel.visible_tasks(request.user)
    if filters.status:
        qs = qs.filter(status__in=filters.status)
    elif filters.open:
        qs = qs.filter(status__in=OPEN_TASK_STATUSES)
    if filters.case:
        qs = qs.filter(case__number=filters.case)
    count, capped, rows = paged(qs.order_by("deadline_at", "pk"), filters.page, filters.page_size)
    now = timezone.now()
    return {
        "count": count,
        "count_capped": capped,
        "page": filters.page,
        "page_size": filters.page_size,
        "items": [task_data(t, now) for t in rows],
    }
