"""Every write of the dispatch app: route a case (派遣), change the routing config with history,
and supervise a task by hand (人工督办). The SLA scanner's writes live in dispatch.scanner.

All services take keyword-only arguments and an explicit ``actor``, run in one transaction and
raise core.errors DomainError subclasses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.models import AdminArea
from cases import permissions, sla
from cases import services as case_services
from cases.models import Case, Task
from cases.states import OPEN_TASK_STATUSES, CaseAction
from catalog.models import Category, CategoryKind
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dispatch import notices, selectors
from dispatch.models import (
    ConfigAction,
    EscalationRule,
    JointRole,
    JointScenario,
    RoutingDecision,
    RoutingHistory,
    RoutingRule,
    Supervision,
    SupervisionKind,
)
from org.models import Department, Role
from org.selectors import staff_profile

CONFIG_MODELS = (RoutingRule, JointScenario, EscalationRule)
# Who may supervise a task by hand: the desk and leaders (领导督办).
SUPERVISE_ROLES = frozenset({Role.DISPATCHER, Role.SHIFT_LEADER, Role.LEADER, Role.ADMIN})
NOTE_MAX = 1000


def _now(now: datetime | None) -> datetime:
    return now if now is not None else timezone.now()


# --- routing ----------------------------------------------------------------------------------


@transaction.atomic
def route(*, case: Case, actor, note: str = "", now: datetime | None = None) -> list[Task]:
    """Dispatch a filed case where the rules say (派遣): lead + co-departments, or the fallback
    owner (兜底) when no rule matches or the case was returned. Returns the tasks, lead first.

    The decision is stored as a RoutingDecision (``is_fallback`` flags 兜底 rounds) and its
    explanation is the dispatch event's note, so the timeline says why.
    """
    now = _now(now)
    plan = selectors.plan_route(case, day=timezone.localdate(now))
    text = "; ".join(part for part in (plan.explanation, (note or "").strip()) if part)
    tasks = case_services.case_dispatch(
        case=case,
        actor=actor,
        departments=plan.departments,
        lead=plan.lead,
        note=text,
        now=now,
    )
    RoutingDecision.objects.create(
        case=case,
        round=case.dispatch_round,
        decided_at=now,
        actor=actor if actor is not None and actor.is_authenticated else None,
        source=plan.source,
        is_fallback=plan.is_fallback,
        rule=plan.rule,
        scenario=plan.scenario,
        lead=plan.lead,
        departments=[d.code for d in plan.departments],
    )
    return tasks


# --- routing config with history -------------------------------------------------------------


def _value(value):
    if isinstance(value, models.Model):
        return {"id": value.pk, "label": str(value)}
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(obj: models.Model) -> dict:
    """The editable fields of a config row as JSON (foreign keys as id + label)."""
    data: dict = {}
    for f in obj._meta.concrete_fields:
        if f.primary_key or f.name in ("created_at", "updated_at"):
            continue
        data[f.name] = _value(getattr(obj, f.name))
    if obj.pk:
        for f in obj._meta.many_to_many:
            data[f.name] = [_value(o) for o in getattr(obj, f.name).order_by("pk")]
    return data


def _check_config_actor(actor, model: type[models.Model]) -> None:
    opts = model._meta
    if permissions.role_of(actor) == Role.ADMIN or (
        actor is not None
        and actor.is_authenticated
        and actor.has_perm(f"{opts.app_label}.change_{opts.model_name}")
    ):
        return
    raise PermissionDenied(
        _("Only administrators may change %(what)s.") % {"what": opts.verbose_name_plural},
        code="role_required",
    )


def _invalid(exc: ValidationError, model: type[models.Model]) -> ValidationFailed:
    parts = []
    for name, messages in exc.message_dict.items():
        label = name if name == "__all__" else str(model._meta.get_field(name).verbose_name)
        parts.append(f"{label}: {' '.join(messages)}")
    return ValidationFailed("; ".join(parts), details=exc.message_dict)


def _record(obj, *, actor, action: str, before, after, at: datetime) -> RoutingHistory:
    return RoutingHistory.objects.create(
        model=obj._meta.model_name,
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        at=at,
        before=before,
        after=after,
    )


@transaction.atomic
def config_save(
    *,
    obj: models.Model,
    actor,
    m2m: dict[str, Iterable] | None = None,
    now: datetime | None = None,
) -> models.Model:
    """Create or change a routing rule, joint scenario or escalation rule, with its history row.

    ``m2m`` sets many-to-many fields (a scenario's categories and co-departments). An unchanged
    save writes no history.
    """
    model = type(obj)
    if model not in CONFIG_MODELS:  # pragma: no cover - programming error
        raise TypeError(f"{model.__name__} is not routing config")
    _check_config_actor(actor, model)
    stored = model.objects.filter(pk=obj.pk).first() if obj.pk else None
    before = snapshot(stored) if stored is not None else None
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise _invalid(exc, model) from None
    if model is JointScenario:
        _check_scenario(obj, m2m)
    obj.save()
    for name, values in (m2m or {}).items():
        getattr(obj, name).set(list(values))
    after = snapshot(obj)
    if after != before:
        action = ConfigAction.CREATE if before is None else ConfigAction.UPDATE
        _record(obj, actor=actor, action=action, before=before, after=after, at=_now(now))
    return obj


def _check_scenario(scenario: JointScenario, m2m: dict[str, Iterable] | None) -> None:
    m2m = m2m or {}
    categories = list(m2m["categories"]) if "categories" in m2m else None
    if categories is None and scenario.pk:
        categories = list(scenario.categories.all())
    if not categories:
        raise ValidationFailed(
            _("A joint scenario needs at least one category."), details={"field": "categories"}
        )
    co = list(m2m.get("co_departments", ()))
    if any(d.pk == scenario.lead_department_id for d in co):
        raise ValidationFailed(
            _("The lead department cannot also be a co-department."),
            details={"field": "co_departments"},
        )


@transaction.atomic
def config_delete(*, obj: models.Model, actor, now: datetime | None = None) -> None:
    """Delete a config row, keeping its last state in the history."""
    model = type(obj)
    _check_config_actor(actor, model)
    before = snapshot(obj)
    pk = obj.pk
    obj.delete()
    obj.pk = pk  # the history row names what was deleted
    _record(obj, actor=actor, action=ConfigAction.DELETE, before=before, after=None, at=_now(now))


def _lookup(model, field: str, **filters):
    found = model.objects.filter(**filters).first()
    if found is None:
        shown = ", ".join(f"{v}" for v in filters.values())
        raise ValidationFailed(
            _("%(field)s: no %(what)s %(value)s.")
            % {"field": field, "what": model._meta.verbose_name, "value": shown},
            code="unknown_reference",
            details={"field": field},
        )
    return found


def rule_build(
    *,
    area_code: str,
    department_code: str,
    category_kind: str = "",
    category_code: str = "",
    category_major: str = "",
    role: str = JointRole.LEAD,
    priority: int = 0,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    is_active: bool = True,
    note: str = "",
) -> RoutingRule:
    """An unsaved rule from codes (the API and the CSV import speak codes, not ids)."""
    category_kind = (category_kind or "").strip()
    category_code = (category_code or "").strip()
    category_major = (category_major or "").strip()
    if category_kind and category_kind not in CategoryKind.values:
        raise ValidationFailed(
            _("category_kind: use %(kinds)s, not %(value)r.")
            % {"kinds": " or ".join(CategoryKind.values), "value": category_kind},
            details={"field": "category_kind"},
        )
    if role not in JointRole.values:
        raise ValidationFailed(
            _("role: use lead or co, not %(value)r.") % {"value": role}, details={"field": "role"}
        )
    category = None
    if category_code:
        if not category_kind:
            raise ValidationFailed(
                _("category_kind: a category code needs its kind (component or event)."),
                details={"field": "category_kind"},
            )
        category = _lookup(Category, "category_code", kind=category_kind, code=category_code)
    return RoutingRule(
        area=_lookup(AdminArea, "area_code", code=(area_code or "").strip()),
        department=_lookup(Department, "department_code", code=(department_code or "").strip()),
        category=category,
        category_kind="" if category else category_kind,
        category_major=category_major,
        role=role,
        priority=priority,
        valid_from=valid_from,
        valid_to=valid_to,
        is_active=is_active,
        note=(note or "").strip(),
    )


def rule_create(*, actor, now: datetime | None = None, **codes) -> RoutingRule:
    """Create a routing rule from codes (see ``rule_build``), with its history row."""
    return config_save(obj=rule_build(**codes), actor=actor, now=now)


# --- supervision by a person ------------------------------------------------------------------


def may_supervise(actor, task: Task, case: Case | None = None) -> bool:
    """Who may supervise ``task`` by hand: the desk and leaders with the case in their area, or
    anyone of a department the task was escalated to (升级督办: the tier above presses the
    late department). The status condition (an open task) is the caller's other question."""
    role = permissions.role_of(actor)
    case = case or task.case
    if role in SUPERVISE_ROLES and permissions.can_see(actor, case.area_path):
        return True
    profile = staff_profile(actor)
    department_id = profile.department_id if profile is not None else None
    if role is None or department_id is None or department_id == task.department_id:
        return False  # nobody supervises their own department's task
    return selectors.is_escalated_to(task, department_id)


@transaction.atomic
def supervise(
    *, task: Task, actor, note: str, due_at: datetime | None = None, now: datetime | None = None
) -> Supervision:
    """Supervise an open task by hand (人工督办 / 领导督办 / the escalation target's 督办):
    record it, text the department, and put it on the case's trail (``supervise``, with the
    person as actor). ``due_at`` (督办时限): when it must be done and reported, in the text,
    on the record and on the trail. Who may: ``may_supervise``."""
    now = _now(now)
    text = (note or "").strip()[:NOTE_MAX]
    task = Task.objects.select_related("case__category", "department").filter(pk=task.pk).first()
    if task is None:
        raise NotFound(_("This task no longer exists."))
    case = task.case
    if not may_supervise(actor, task):
        raise PermissionDenied(
            _(
                "Supervision needs a dispatcher, shift leader, leader or administrator with the "
                "case in their area, or the department the task was escalated to."
            ),
            code="role_required",
        )
    if not text:
        raise ValidationFailed(_("Say what you expect of the department."), code="reason_required")
    if due_at is not None and timezone.is_naive(due_at):
        due_at = timezone.make_aware(due_at)  # a time without a zone is the city's
    if due_at is not None and due_at <= now:
        raise ValidationFailed(
            _("The time asked for has passed: give a time in the future."), code="due_at_past"
        )
    if task.status not in OPEN_TASK_STATUSES:
        raise Conflict(
            _("This task is %(status)s: only open tasks can be supervised.")
            % {"status": task.get_status_display()},
            code="illegal_move",
        )
    notice = notices.compose(
        kind=SupervisionKind.MANUAL, case=case, task=task, note=text, due_at=due_at
    )
    record = Supervision.objects.create(
        case=case,
        task=task,
        kind=SupervisionKind.MANUAL,
        to_department=task.department,
        actor=actor,
        sent_at=now,
        due_at=due_at,
        message=notice.body,
    )
    record.recipients = notices.send(
        department=task.department, case=case, notice=notice, key=f"dispatch:manual:{record.pk}"
    )
    Supervision.objects.filter(pk=record.pk).update(recipients=record.recipients)
    case_services.case_record_supervision(
        task=task,
        action=CaseAction.SUPERVISE,
        actor=actor,
        note=text,
        data={
            "light": str(sla.task_light(task, now, area_class=case.area_class or "")),
            **record.trail_data(),
        },
        now=now,
    )
    return record


# --- the department's reply to a 督办 (督办回复) ----------------------------------------------

REPLY_ROLES = frozenset({Role.DISPOSER, Role.ADMIN})


def may_reply(actor, task: Task) -> bool:
    """Someone of the task's own department (or an administrator) answers a 督办 while the
    task is open and a supervision that asks for a reply is unanswered. A task annotated
    with ``awaiting_reply`` (selectors.with_awaiting_reply) saves the query."""
    role = permissions.role_of(actor)
    if role not in REPLY_ROLES or task.status not in OPEN_TASK_STATUSES:
        return False
    if role != Role.ADMIN:
        profile = staff_profile(actor)
        if profile is None or profile.department_id != task.department_id:
            return False
    awaiting = getattr(task, "awaiting_reply", None)
    if awaiting is None:
        awaiting = selectors.unanswered(task_ids=[task.pk]).exists()
    return bool(awaiting)


@transaction.atomic
def reply_supervision(
    *, task: Task, actor, note: str, now: datetime | None = None
) -> list[Supervision]:
    """Answer every unanswered 督办 of ``task`` (督办回复): what was done, when it will be done.

    The reply goes on each supervision record and on the case's trail (``supervision_reply``,
    with the person as actor); the desk sees it in its 督办待回复 queue no more.
    """
    now = _now(now)
    text = (note or "").strip()[:NOTE_MAX]
    task = Task.objects.select_related("case__category", "department").filter(pk=task.pk).first()
    if task is None:
        raise NotFound(_("This task no longer exists."))
    if not may_reply(actor, task):
        if task.status in OPEN_TASK_STATUSES and not selectors.unanswered([task.pk]).exists():
            raise Conflict(_("No supervision of this task waits for a reply."), code="illegal_move")
        raise PermissionDenied(
            _("Only the task's own department replies to its supervision."),
            code="department_required",
        )
    if not text:
        raise ValidationFailed(
            _("Say what was done and when it will be finished."), code="reason_required"
        )
    pending = list(selectors.unanswered(task_ids=[task.pk]).select_for_update())
    Supervision.objects.filter(pk__in=[s.pk for s in pending], replied_at__isnull=True).update(
        reply=text, replied_at=now, replied_by=actor
    )
    case_services.case_record_supervision(
        task=task,
        action=CaseAction.SUPERVISION_REPLY,
        actor=actor,
        note=text,
        data={"supervisions": [s.pk for s in pending]},
        now=now,
    )
    return pending
