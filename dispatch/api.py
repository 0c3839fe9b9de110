"""/api/v1/dispatch: routing rules, routing suggestions, rule-based dispatch and supervision.

- ``GET /dispatch/rules`` and ``POST /dispatch/rules`` (administrators): routing rules by codes.
- ``GET /dispatch/suggest?case=<number>``: the departments the rules would pick (read-only).
- ``POST /dispatch/cases/{number}/route``: dispatch a filed case where the rules say (派遣).
- ``GET /dispatch/cases/{number}/supervisions``: the case's supervision records (督办记录).
- ``POST /dispatch/tasks/{id}/supervise``: supervise an open task by hand (人工督办).
- ``POST /dispatch/tasks/{id}/reply``: the department answers its unanswered 督办 (督办回复).

Errors are ``{"code", "message"}``: 403 ``role_required`` for non-administrators on the rules,
404 for cases and tasks outside the caller's scope, 409 when the case's state refuses the move,
422 for bad input (an unknown code names its field).
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import AwareDatetime

from areas.api import ErrorOut
from cases import permissions
from cases.api_selectors import get_case as case_get
from cases.api_selectors import get_task
from cases.models import Task
from core.errors import PermissionDenied
from dispatch import selectors, services
from dispatch.models import JointRole, RoutingRule
from org.models import Role

router = Router(tags=["dispatch"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
MAX_RULES = 1000


def _require_admin(user) -> None:
    if permissions.role_of(user) != Role.ADMIN:
        raise PermissionDenied(
            _("Only administrators may read or change routing rules."), code="role_required"
        )


class DepartmentOut(Schema):
    id: int
    code: str
    name: str
    level: str
    type: str


class RuleOut(Schema):
    id: int
    area_code: str = Field(description="the rule covers this area's subtree")
    area_name: str
    category_kind: str | None = Field(description="component or event; null = any")
    category_code: str | None = Field(description="one 5-digit subclass, or null")
    category_major: str | None = Field(description="2-digit major class, or null")
    department: DepartmentOut
    role: str = Field(description="lead (主办) or co (协办)")
    priority: int
    valid_from: date | None
    valid_to: date | None
    is_active: bool
    note: str

    @staticmethod
    def resolve_area_code(obj: RoutingRule) -> str:
        return obj.area.code

    @staticmethod
    def resolve_area_name(obj: RoutingRule) -> str:
        return obj.area.name

    @staticmethod
    def resolve_category_kind(obj: RoutingRule) -> str | None:
        return obj.category.kind if obj.category_id else (obj.category_kind or None)

    @staticmethod
    def resolve_category_code(obj: RoutingRule) -> str | None:
        return obj.category.code if obj.category_id else None

    @staticmethod
    def resolve_category_major(obj: RoutingRule) -> str | None:
        return obj.category_major or None


class RuleIn(Schema):
    area_code: str = Field(..., min_length=1, max_length=12)
    department_code: str = Field(..., min_length=1, max_length=32)
    category_kind: str = Field("", description="component or event (with a code or major)")
    category_code: str = Field("", pattern=r"^(\d{5})?$")
    category_major: str = Field("", pattern=r"^(\d{2})?$")
    role: JointRole = JointRole.LEAD
    priority: int = Field(0, ge=-1000, le=1000)
    valid_from: date | None = None
    valid_to: date | None = None
    is_active: bool = True
    note: str = Field("", max_length=200)


@router.get("/dispatch/rules", response={200: list[RuleOut], **ERRORS}, summary="Routing rules")
def list_rules(
    request,
    area: str | None = Query(None, max_length=12, description="area code"),
    department: str | None = Query(None, max_length=32, description="department code"),
    active: bool = False,
):
    _require_admin(request.user)
    qs = selectors.rules_list(area_code=area, department_code=department, active_only=active)
    return list(qs[:MAX_RULES])


@router.post("/dispatch/rules", response={201: RuleOut, **ERRORS}, summary="Create a routing rule")
def create_rule(request, payload: RuleIn):
    _require_admin(request.user)
    rule = services.rule_create(actor=request.user, **payload.model_dump())
    return Status(201, rule)


class SuggestOut(Schema):
    case: str
    source: str = Field(description="rule, scenario, no_rule or returned (the last two: 兜底)")
    is_fallback: bool
    explanation: str
    lead: DepartmentOut
    co: list[DepartmentOut]
    rule_id: int | None
    scenario_id: int | None


def _plan_data(number: str, plan: selectors.RoutePlan) -> dict:
    return {
        "case": number,
        "source": str(plan.source),
        "is_fallback": plan.is_fallback,
        "explanation": plan.explanation,
        "lead": plan.lead,
        "co": list(plan.co),
        "rule_id": plan.rule.pk if plan.rule else None,
        "scenario_id": plan.scenario.pk if plan.scenario else None,
    }


@router.get(
    "/dispatch/suggest",
    response={200: SuggestOut, **ERRORS},
    summary="Departments the routing rules would pick for a case",
)
def suggest(request, case: str = Query(..., min_length=1, max_length=32)):
    found = case_get(user=request.user, number=case)
    return _plan_data(found.number, selectors.suggest_departments(found))


class RouteIn(Schema):
    note: str = Field("", max_length=1000)


class TaskOut(Schema):
    id: int
    department: DepartmentOut
    is_lead: bool
    status: str
    deadline_at: datetime


@router.post(
    "/dispatch/cases/{number}/route",
    response={200: list[TaskOut], **ERRORS},
    summary="Dispatch a filed case by the routing rules (派遣)",
)
def route_case(request, number: str, payload: RouteIn):
    found = case_get(user=request.user, number=number)
    tasks = services.route(case=found, actor=request.user, note=payload.note)
    return Task.objects.filter(pk__in=[t.pk for t in tasks]).select_related("department")


class SupervisionOut(Schema):
    id: int
    task_id: int | None
    kind: str
    level: int
    to_department: DepartmentOut
    actor: str | None
    sent_at: datetime
    due_at: datetime | None = Field(description="督办时限: done and reported by; null = none set")
    message: str
    recipients: list[str]
    reply: str = Field(description="the department's answer (督办回复); empty while none")
    replied_at: datetime | None
    replied_by: str | None

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return obj.actor.get_username() if obj.actor_id else None

    @staticmethod
    def resolve_replied_by(obj) -> str | None:
        return obj.replied_by.get_username() if obj.replied_by_id else None


@router.get(
    "/dispatch/cases/{number}/supervisions",
    response={200: list[SupervisionOut], **ERRORS},
    summary="Supervision records of a case (督办记录)",
)
def case_supervisions(request, number: str):
    found = case_get(user=request.user, number=number)
    return list(selectors.case_supervisions(found))


class SuperviseIn(Schema):
    note: str = Field(..., min_length=1, max_length=1000)
    due_at: AwareDatetime | None = Field(
        None, description="督办时限: when it must be done and reported (in the future)"
    )


@router.post(
    "/dispatch/tasks/{task_id}/supervise",
    response={201: SupervisionOut, **ERRORS},
    summary="Supervise an open task by hand (人工督办)",
)
def supervise_task(request, task_id: int, payload: SuperviseIn):
    task = get_task(user=request.user, task_id=task_id)
    record = services.supervise(
        task=task, actor=request.user, note=payload.note, due_at=payload.due_at
    )
    return Status(201, record)


class ReplyIn(Schema):
    note: str = Field(..., min_length=1, max_length=1000)


@router.post(
    "/dispatch/tasks/{task_id}/reply",
    response={200: list[SupervisionOut], **ERRORS},
    summary="Reply to the task's unanswered supervision (督办回复)",
)
def reply_task(request, task_id: int, payload: ReplyIn):
    task = get_task(user=request.user, task_id=task_id)
    records = services.reply_supervision(task=task, actor=request.user, note=payload.note)
    return list(selectors.case_supervisions(task.case).filter(pk__in=[r.pk for r in records]))
