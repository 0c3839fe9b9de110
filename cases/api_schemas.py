"""In/Out schemas of /api/v1/cases and /api/v1/tasks, and the functions that fill the Out ones.

Times are ISO 8601 in UTC; coordinates are WGS-84 lon/lat; amounts of time are in the task's
``time_unit`` (urgent_hour 紧急工作时, work_hour 工作时, work_day 工作日, natural_day 自然日).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator

from cases.api_selectors import case_light
from cases.models import Case, CaseEvent, Evidence, Task
from cases.moves import allowed
from cases.selectors import case_rating
from cases.sla import Light, case_limit, progress, task_light
from cases.states import (
    CaseAction,
    CaseStatus,
    EvidenceKind,
    Priority,
    SourceChannel,
    TaskStatus,
    VerifyFinding,
)
from catalog.models import CategoryKind
from core import paging
from core.coords import CRS_CHOICES

NOTE_MAX = 2000
REASON_MAX = 2000
CODE_MAX = 32
MAX_DEPARTMENTS = 20
MAX_EXTENSION = 999
EMAIL_PATTERN = r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$"
Crs = Literal[CRS_CHOICES]  # type: ignore[valid-type]


def no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refusing it here keeps it a 422 instead of a 500.
    if "\x00" in value:
        raise ValueError("must not contain NUL (0x00) characters")
    return value


Text = Annotated[str, AfterValidator(no_nul)]
# Row ids are BIGINT (DEFAULT_AUTO_FIELD); a larger number is bad input, not a database error.
MAX_ID = 2**63 - 1
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
# --- input -----------------------------------------------------------------------------------


class CategoryRefIn(Schema):
    kind: CategoryKind = Field(description="component (部件) or event (事项)")
    code: Text = Field(pattern=r"^\d{5}$", description="GB/T 47678.5 subclass code, 5 digits")


class NoteIn(Schema):
    note: Text = Field("", max_length=NOTE_MAX)


class ReasonIn(Schema):
    reason: Text = Field(max_length=REASON_MAX, description="required, shown in the timeline")


class VerifyIn(Schema):
    finding: VerifyFinding = Field(
        VerifyFinding.CONFIRMED,
        description="confirmed 属实 (the case can be filed), false 不属实 or elsewhere 不在本网格 "
        "(both need a note; the desk refuses or sends it to be verified again)",
    )
    note: Text = Field("", max_length=REASON_MAX)


class ReverifyIn(Schema):
    grid: Text = Field("", max_length=CODE_MAX, description="move the case to this grid (code)")
    note: Text = Field("", max_length=NOTE_MAX)


class FileIn(Schema):
    standard: Text = Field(max_length=CODE_MAX, description="filing standard code (立案条件)")
    priority: Priority | None = Field(None, description="default: keep the reported priority")
    note: Text = Field("", max_length=NOTE_MAX)


class DispatchIn(Schema):
    departments: list[Text] = Field(
        min_length=1,
        max_length=MAX_DEPARTMENTS,
        description="department codes; more than one makes a joint case (一件事)",
    )
    lead: Text | None = Field(
        None, description="lead department (主办) code, one of `departments`; default: the first"
    )
    note: Text = Field("", max_length=NOTE_MAX)


class CheckFailIn(Schema):
    reason: Text = Field(max_length=REASON_MAX)
    tasks: list[RowId] | None = Field(
        None,
        max_length=MAX_DEPARTMENTS,
        description="task ids whose work failed; default: every disposed task of the round",
    )


class ExtensionIn(Schema):
    amount: Decimal = Field(gt=0, le=MAX_EXTENSION, description="in the task's time unit")
    reason: Text = Field(max_length=REASON_MAX)


class RerouteShareIn(Schema):
    department: Text = Field(
        max_length=CODE_MAX, description="code of the department taking over the share"
    )
    note: Text = Field("", max_length=NOTE_MAX)


class ApproveIn(Schema):
    amount: Decimal | None = Field(
        None, gt=0, le=MAX_EXTENSION, description="default: the amount requested"
    )
    note: Text = Field("", max_length=NOTE_MAX)


# --- output ----------------------------------------------------------------------------------


class CategoryRefOut(Schema):
    kind: str
    code: str
    name: str


class StandardRefOut(Schema):
    code: str
    filing_condition: str
    closing_condition: str
    time_limit: float = Field(
        description="the limit that applies to this case: its area class's, urgent if 紧急"
    )
    time_unit: str


class DepartmentRefOut(Schema):
    code: str
    name: str


class CaseTaskOut(Schema):
    """One department's work on a case in one dispatch round (任务), with its light."""

    id: int
    case_number: str
    department: DepartmentRefOut
    round: int
    is_lead: bool = Field(description="lead task (主办) of a joint case")
    status: TaskStatus
    assignee: str | None = Field(description="username of the person who accepted it")
    time_limit: float
    time_unit: str
    extended: float = Field(description="approved extensions, in time_unit")
    started_at: datetime
    deadline_at: datetime
    paused_at: datetime | None = Field(description="set while the case is suspended (挂账)")
    paused_seconds: int
    accepted_at: datetime | None
    disposed_at: datetime | None
    rework_count: int
    extension_amount: float | None = Field(description="pending extension request")
    extension_reason: str
    awaits_desk: bool = Field(
        description="a co-department's returned share (协办回退) the desk has not yet "
        "re-routed or settled; the case cannot be disposed until it is"
    )
    return_settled_at: datetime | None = Field(description="when the desk answered the return")
    light: Light | None = Field(description="green < 80 %, yellow 80-100 %, red > 100 %")
    used_share: float | None = Field(description="share of the allowed time used; null if none")
    actions: list[str] | None = Field(
        None,
        description="in the case detail: the task moves the caller may make now (the same "
        "move table as the case page); null in lists",
    )


class EvidenceOut(Schema):
    id: int
    kind: EvidenceKind
    task_id: int | None
    url: str = Field(description="the photo; fetch it with the same session or token")
    thumbnail_url: str = Field(description="a JPEG at most 320 px wide or high; same access")
    content_type: str
    size: int
    width: int
    height: int
    original_name: str
    taken_at: datetime
    uploaded_by: str | None


class CaseSummaryOut(Schema):
    """A row of the case list."""

    number: str
    status: CaseStatus
    priority: Priority
    source: SourceChannel
    category: CategoryRefOut | None
    description: str
    address: str
    lon: float | None
    lat: float | None
    grid_code: str | None
    area_path: str
    reported_at: datetime
    updated_at: datetime
    light: Light | None = Field(description="worst light of the open tasks; null if none")
    deadline_at: datetime | None = Field(description="earliest deadline of the open tasks")


class RatingOut(Schema):
    """The reporter's satisfaction rating (回访) of a closed case."""

    rating: int = Field(description="5 非常满意 .. 1 非常不满意")
    label: str
    comment: str
    channel: str = Field(description="portal, phone or sms")
    submitted_at: datetime


class CaseDetailOut(CaseSummaryOut):
    """A case with its tasks, photos, and the case-level moves the caller may try."""

    trusted: bool
    source_ref: str
    standard: StandardRefOut | None
    area_class: str
    reporter_name: str
    reporter_phone: str
    reporter_email: str
    reported_by: str | None
    verified_at: datetime | None
    verify_finding: str = Field(description="the inspector's finding; empty before 核实")
    filed_at: datetime | None
    dispatched_at: datetime | None
    disposed_at: datetime | None
    check_passed_at: datetime | None
    closed_at: datetime | None
    dispatch_round: int
    returned_count: int
    rework_count: int
    needs_fallback: bool = Field(description="returned (回退): route to the fallback owner (兜底)")
    version: int
    tasks: list[CaseTaskOut] = Field(description="tasks of the current dispatch round")
    evidence: list[EvidenceOut]
    actions: list[str] = Field(
        description="case-level moves the caller may make now: the state, role, scope and the "
        "move's conditions (verified before filing, check passed before closing...) all allow "
        "it; task moves are listed on each task"
    )
    satisfaction: RatingOut | None = Field(description="the reporter's rating (回访), if any")


COUNT_CAPPED = Field(
    False,
    description=(
        f"true when more match than `count` says: counting stops at {paging.COUNT_CAP:,} "
        "where the filters are not kept counted (category, priority, text, light; tasks); "
        "narrow them to count"
    ),
)


class CasePageOut(Schema):
    count: int
    count_capped: bool = COUNT_CAPPED
    page: int
    page_size: int
    items: list[CaseSummaryOut]


class TaskPageOut(Schema):
    count: int
    count_capped: bool = COUNT_CAPPED
    page: int
    page_size: int
    items: list[CaseTaskOut]


class CaseEventOut(Schema):
    """One move in the audit trail (append-only)."""

    id: int
    at: datetime
    action: CaseAction
    action_label: str = Field(description="the action in the request's language (Accept-Language)")
    from_status: str = Field(description="empty for the report")
    to_status: CaseStatus
    actor: str | None
    task_id: int | None
    department: str | None = Field(description="code of the task's department")
    reason: str
    note: str
    data: dict[str, Any]


# --- filling the Out schemas -----------------------------------------------------------------


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


def _category(case: Case) -> dict | None:
    c = case.category
    return {"kind": c.kind, "code": c.code, "name": c.name} if c is not None else None


def _float(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def task_data(task: Task, now: datetime, actions: list[str] | None = None) -> dict:
    """``CaseTaskOut`` of a task loaded with case, department and assignee; ``actions``: the
    caller's moves on it (case detail only)."""
    light = task_light(task, now)
    share = progress(task, now) if light is not None else None
    return {
        "id": task.pk,
        "case_number": task.case.number,
        "department": {"code": task.department.code, "name": task.department.name},
        "round": task.round,
        "is_lead": task.is_lead,
        "status": task.status,
        "assignee": _username(task.assignee),
        "time_limit": float(task.time_limit),
        "time_unit": task.time_unit,
        "extended": float(task.extended),
        "started_at": task.started_at,
        "deadline_at": task.deadline_at,
        "paused_at": task.paused_at,
        "paused_seconds": task.paused_seconds,
        "accepted_at": task.accepted_at,
        "disposed_at": task.disposed_at,
        "rework_count": task.rework_count,
        "extension_amount": _float(task.extension_amount),
        "extension_reason": task.extension_reason,
        "awaits_desk": task.awaits_desk,
        "return_settled_at": task.return_settled_at,
        "light": light,
        # An allowed time of zero makes the share infinite, which JSON cannot carry.
        "used_share": round(float(share), 4) if share is not None and share.is_finite() else None,
        "actions": actions,
    }


def evidence_data(evidence: Evidence, request) -> dict:
    return {
        "id": evidence.pk,
        "kind": evidence.kind,
        "task_id": evidence.task_id,
        "url": request.build_absolute_uri(evidence.file.url),
        "thumbnail_url": request.build_absolute_uri(evidence.thumbnail.url),
        "content_type": evidence.content_type,
        "size": evidence.size,
        "width": evidence.width,
        "height": evidence.height,
        "original_name": evidence.original_name,
        "taken_at": evidence.taken_at,
        "uploaded_by": _username(evidence.uploaded_by),
    }


def summary_data(case: Case, open_tasks: list[Task], now: datetime) -> dict:
    """``CaseSummaryOut``; ``open_tasks`` are the case's open tasks (for light and deadline)."""
    for task in open_tasks:
        task.case = case  # the light needs the area class; never query for it
    return {
        "number": case.number,
        "status": case.status,
        "priority": case.priority,
        "source": case.source,
        "category": _category(case),
        "description": case.description,
        "address": case.address,
        "lon": case.lon,
        "lat": case.lat,
        "grid_code": case.grid.code if case.grid_id else None,
        "area_path": case.area_path,
        "reported_at": case.reported_at,
        "updated_at": case.updated_at,
        "light": case_light(open_tasks, now),
        "deadline_at": min((t.deadline_at for t in open_tasks), default=None),
    }


def detail_data(
    case: Case, *, tasks: list[Task], evidence: list[Evidence], request, now: datetime
) -> dict:
    """``CaseDetailOut``; ``tasks`` are the current round's, ``evidence`` all photos."""
    for task in tasks:
        task.case = case
    case_moves: list[str] = []
    task_moves: dict[int, list[str]] = {}
    for action, task in allowed(request.user, case, tasks):
        (case_moves if task is None else task_moves.setdefault(task.pk, [])).append(str(action))
    open_tasks = [t for t in tasks if t.is_open]
    standard = case.standard
    limit = case_limit(case)
    return {
        **summary_data(case, open_tasks, now),
        "trusted": case.trusted,
        "source_ref": case.source_ref,
        "standard": {
            "code": standard.code,
            "filing_condition": standard.filing_condition,
            "closing_condition": standard.closing_condition,
            "time_limit": float(limit[0]),
            "time_unit": limit[1],
        }
        if standard is not None
        else None,
        "area_class": case.area_class,
        "reporter_name": case.reporter_name,
        "reporter_phone": case.reporter_phone,
        "reporter_email": case.reporter_email,
        "reported_by": _username(case.reported_by),
        "verified_at": case.verified_at,
        "verify_finding": case.verify_finding,
        "filed_at": case.filed_at,
        "dispatched_at": case.dispatched_at,
        "disposed_at": case.disposed_at,
        "check_passed_at": case.check_passed_at,
        "closed_at": case.closed_at,
        "dispatch_round": case.dispatch_round,
        "returned_count": case.returned_count,
        "rework_count": case.rework_count,
        "needs_fallback": case.needs_fallback,
        "version": case.version,
        "tasks": [task_data(t, now, task_moves.get(t.pk, [])) for t in tasks],
        "evidence": [evidence_data(e, request) for e in evidence],
        "actions": case_moves,
        "satisfaction": _rating_data(case_rating(case)),
    }


def event_data(event: CaseEvent) -> dict:
    return {
        "id": event.pk,
        "at": event.at,
        "action": event.action,
        "action_label": event.get_action_display(),
        "from_status": event.from_status,
        "to_status": event.to_status,
        "actor": _username(event.actor),
        "task_id": event.task_id,
        "department": event.task.department.code if event.task_id else None,
        "reason": event.reason,
        "note": event.note,
        "data": event.data,
    }


def _rating_data(rating) -> dict | None:
    if rating is None:
        return None
    return {
        "rating": rating.rating,
        "label": rating.get_rating_display(),
        "comment": rating.comment,
        "channel": rating.channel,
        "submitted_at": rating.submitted_at,
    }
