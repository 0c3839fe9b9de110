"""Reads for dispatch: which departments the rules pick for a case (no writes), the fallback
owner (兜底), and the supervision records of a case.

Specificity (issue #4): among matching rules the deepest area wins (a street rule beats its
district's, which beats the city's), then the more specific category (one subclass, then a
major class, then "any"), then the higher priority, then the newest rule. A joint scenario
(一件事) competes with the best lead rule on area depth and wins ties: it names the whole set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, Task
from cases.states import OPEN_TASK_STATUSES, TaskStatus
from core.errors import ValidationFailed
from dispatch.models import (
    FALLBACK_SOURCES,
    REPLY_KINDS,
    DecisionSource,
    JointRole,
    JointScenario,
    RoutingDecision,
    RoutingRule,
    Supervision,
    SupervisionKind,
)
from org.models import Department, DepartmentLevel, DepartmentType

# Tiers a fallback owner may sit at, nearest first by area depth (street, then district, city).
# Joined areas come without their outline: an official outline has thousands of points and
# would be parsed once per row (1.7 ms for the demo city's), and routing needs only the path.
AREA_OUTLINES = ("area__boundary",)
FALLBACK_LEVELS = (DepartmentLevel.STREET, DepartmentLevel.DISTRICT, DepartmentLevel.CITY)


@dataclass(frozen=True)
class RoutePlan:
    """Where routing would send a case: the lead first, then co-departments (协办)."""

    lead: Department
    co: tuple[Department, ...] = ()
    source: str = DecisionSource.RULE
    rule: RoutingRule | None = None
    scenario: JointScenario | None = None
    explanation: str = ""
    excluded: tuple[int, ...] = field(default=())

    @property
    def departments(self) -> list[Department]:
        return [self.lead, *self.co]

    @property
    def is_fallback(self) -> bool:
        return self.source in FALLBACK_SOURCES


def area_prefixes(path: str) -> list[str]:
    """``/a/b/c/`` -> ``["/a/", "/a/b/", "/a/b/c/"]``: the paths of every enclosing node."""
    parts = [p for p in (path or "").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def path_depth(path: str) -> int:
    return len([p for p in path.split("/") if p])


def _in_force(day: date) -> Q:
    return (
        Q(is_active=True)
        & (Q(valid_from__isnull=True) | Q(valid_from__lte=day))
        & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))
    )


def _category_q(case: Case) -> Q:
    anything = Q(category__isnull=True, category_major="")
    category = case.category
    if category is None:
        return anything
    return (
        anything
        | Q(category_id=category.pk)
        | Q(
            category__isnull=True,
            category_kind=category.kind,
            category_major=category.major_code,
        )
    )


def _category_rank(rule: RoutingRule) -> int:
    if rule.category_id:
        return 2
    return 1 if rule.category_major else 0


def rule_rank(rule: RoutingRule) -> tuple:
    """Sort key, larger = more specific (see the module docstring)."""
    return (path_depth(rule.area.path), _category_rank(rule), rule.priority, rule.pk)


def matching_rules(case: Case, *, day: date) -> list[RoutingRule]:
    """Rules in force on ``day`` that cover the case's area and category, best first."""
    prefixes = area_prefixes(case.area_path)
    if not prefixes:
        return []
    rules = (
        RoutingRule.objects.filter(_in_force(day), _category_q(case), area__path__in=prefixes)
        .filter(department__is_active=True)
        .select_related("area", "department", "category")
        .defer(*AREA_OUTLINES)
    )
    return sorted(rules, key=rule_rank, reverse=True)


def matching_scenarios(case: Case, *, day: date) -> list[JointScenario]:
    """Joint scenarios in force covering the case's area and category, best first."""
    prefixes = area_prefixes(case.area_path)
    if case.category_id is None or not prefixes:
        return []
    found = (
        JointScenario.objects.filter(
            _in_force(day),
            area__path__in=prefixes,
            categories=case.category_id,
            lead_department__is_active=True,
        )
        .select_related("area", "lead_department")
        .defer(*AREA_OUTLINES)
        .prefetch_related("co_departments")
    )
    return sorted(found, key=lambda s: (path_depth(s.area.path), s.priority, s.pk), reverse=True)


def fallback_owner(case: Case, *, exclude: Iterable[int] = ()) -> Department | None:
    """The 兜底 owner: the territorial unit of the case's street, else its district's, else the
    city's (the deepest active territorial department whose area encloses the case)."""
    prefixes = area_prefixes(case.area_path)
    candidates = (
        Department.objects.filter(
            type=DepartmentType.TERRITORIAL,
            is_active=True,
            level__in=FALLBACK_LEVELS,
            area__path__in=prefixes,
        )
        .exclude(pk__in=list(exclude))
        .select_related("area")
        .defer(*AREA_OUTLINES)
    )
    best = sorted(candidates, key=lambda d: (-path_depth(d.area.path), d.code))
    return best[0] if best else None


def returned_by(case: Case) -> list[int]:
    """Departments that returned (回退) the case in its last dispatch round."""
    if not case.dispatch_round:
        return []
    return list(
        Task.objects.filter(
            case=case, round=case.dispatch_round, status=TaskStatus.RETURNED
        ).values_list("department_id", flat=True)
    )


def _fallback(case: Case, source: str, explanation: str, exclude: list[int]) -> RoutePlan:
    owner = fallback_owner(case, exclude=exclude)
    if owner is None:
        raise ValidationFailed(
            _(
                "Case %(number)s: %(why)s, and no active territorial unit (street, district or "
                "city office) answers for its area %(path)s. Add a routing rule or a territorial "
                "department."
            )
            % {"number": case.number, "why": explanation, "path": case.area_path or "-"},
            code="no_fallback_owner",
        )
    return RoutePlan(
        lead=owner,
        source=source,
        explanation=_("%(why)s, so the fallback owner 兜底 %(dept)s answers for the area")
        % {"why": explanation, "dept": owner.name},
        excluded=tuple(exclude),
    )


def component_owner(case: Case) -> Department | None:
    """部件先属主、后属地 (standards.md §3): a 部件 case about a registered component goes to the
    department that answers for it (its maintainer or manager), when there is one and it is
    active; otherwise, and for every 事件, the territory's routing rules decide."""
    component = case.component if case.component_id else None
    if component is None or component.department_id is None:
        return None
    if case.category_id is not None and case.category.kind != "component":
        return None
    department = component.department
    return department if department.is_active else None


def plan_route(case: Case, *, day: date | None = None) -> RoutePlan:
    """Where routing sends ``case`` today (read-only; ``dispatch.services.route`` acts on it).

    A returned case (``needs_fallback``) goes to the fallback owner, skipping any department
    that has just returned it; so does a case no rule covers.
    """
    day = day or timezone.localdate()
    if case.needs_fallback:
        why = _("returned by the department it was sent to")
        return _fallback(case, DecisionSource.RETURNED, why, returned_by(case))
    owner = component_owner(case)
    if owner is not None:
        return RoutePlan(
            lead=owner,
            source=DecisionSource.COMPONENT,
            explanation=_(
                "部件先属主: the registered component %(code)s is answered for by %(dept)s"
            )
            % {"code": case.component.code, "dept": owner.name},
        )
    rules = matching_rules(case, day=day)
    leads = [r for r in rules if r.role == JointRole.LEAD]
    scenarios = matching_scenarios(case, day=day)
    best_rule = leads[0] if leads else None
    best_scenario = scenarios[0] if scenarios else None
    if best_scenario is not None and (
        best_rule is None or path_depth(best_scenario.area.path) >= path_depth(best_rule.area.path)
    ):
        lead = best_scenario.lead_department
        co = tuple(
            d
            for d in sorted(best_scenario.co_departments.all(), key=lambda d: d.code)
            if d.is_active and d.pk != lead.pk
        )
        return RoutePlan(
            lead=lead,
            co=co,
            source=DecisionSource.SCENARIO,
            scenario=best_scenario,
            explanation=_("the joint scenario 一件事 “%(name)s” covers this category here")
            % {"name": best_scenario.name},
        )
    if best_rule is None:
        return _fallback(
            case, DecisionSource.NO_RULE, _("no routing rule covers this category here"), []
        )
    # Co-handlers come from co rules at least as specific (by area) as the winning lead rule,
    # so a district that names its own lead is not saddled with the city's co-handlers.
    lead_depth = path_depth(best_rule.area.path)
    co: list[Department] = []
    for rule in rules:
        dept = rule.department
        if (
            rule.role == JointRole.CO
            and path_depth(rule.area.path) >= lead_depth
            and dept.pk != best_rule.department_id
            and all(d.pk != dept.pk for d in co)
        ):
            co.append(dept)
    return RoutePlan(
        lead=best_rule.department,
        co=tuple(co),
        source=DecisionSource.RULE,
        rule=best_rule,
        explanation=_("the routing rule for %(category)s in %(area)s names %(dept)s")
        % {
            "category": best_rule.category_label(),
            "area": best_rule.area.name,
            "dept": best_rule.department.name,
        },
    )


def suggest_departments(case: Case, *, day: date | None = None) -> RoutePlan:
    """For the workbench: the departments routing would pick (same answer as ``route``)."""
    return plan_route(case, day=day)


def case_supervisions(case: Case) -> QuerySet[Supervision]:
    """督办记录 of a case, oldest first (the case page's supervision panel)."""
    return Supervision.objects.filter(case=case).select_related(
        "to_department", "actor", "task", "replied_by"
    )


def escalated_case_ids(department_id: int) -> QuerySet:
    """Ids of the cases ever escalated to the department (升级督办): the tier above keeps
    seeing a case it was asked to oversee, also after the task closed."""
    return Supervision.objects.filter(
        kind=SupervisionKind.ESCALATE, to_department_id=department_id
    ).values("case_id")


def escalated_tasks(department_id: int) -> QuerySet[Task]:
    """Open tasks escalated to the department and not yet settled by a new clock (升级到我).

    The scanner's SlaState names the current target; an extension or resume that moves the
    clock clears it, and the task leaves the queue.
    """
    return (
        Task.objects.filter(
            status__in=OPEN_TASK_STATUSES,
            sla_state__escalated_to_id=department_id,
            sla_state__escalation_level__gt=0,
        )
        .select_related("case__category", "case__standard", "department", "sla_state")
        .order_by("deadline_at", "pk")
    )


def is_escalated_to(task: Task, department_id: int | None) -> bool:
    """Was ``task`` escalated to this department (any level, 升级督办)?"""
    if department_id is None:
        return False
    return Supervision.objects.filter(
        task_id=task.pk, kind=SupervisionKind.ESCALATE, to_department_id=department_id
    ).exists()


def unanswered(task_ids) -> QuerySet[Supervision]:
    """督办 of these tasks that ask for a reply and have none yet (督办待回复)."""
    return Supervision.objects.filter(
        task_id__in=task_ids, kind__in=REPLY_KINDS, replied_at__isnull=True
    ).order_by("sent_at", "pk")


def with_awaiting_reply(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """Annotate ``awaiting_reply`` (an unanswered 督办 exists) on each task, in the query."""
    pending = Supervision.objects.filter(
        task_id=OuterRef("pk"), kind__in=REPLY_KINDS, replied_at__isnull=True
    )
    return tasks.annotate(awaiting_reply=Exists(pending))


def awaiting_reply(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """The open tasks among ``tasks`` with an unanswered 督办."""
    return with_awaiting_reply(tasks).filter(status__in=OPEN_TASK_STATUSES, awaiting_reply=True)


def case_decisions(case: Case) -> QuerySet[RoutingDecision]:
    return RoutingDecision.objects.filter(case=case).select_related("lead", "rule", "scenario")


def rules_list(
    *, area_code: str | None = None, department_code: str | None = None, active_only: bool = False
) -> QuerySet[RoutingRule]:
    qs = RoutingRule.objects.select_related("area", "department", "category").defer(*AREA_OUTLINES)
    if area_code:
        qs = qs.filter(area__code=area_code)
    if department_code:
        qs = qs.filter(department__code=department_code)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs


def escalation_target(department: Department) -> Department | None:
    """One tier up from ``department`` (street -> district -> city): its parent department if
    active, else the territorial unit of the nearest enclosing area that has one."""
    parent = department.parent
    if parent is not None and parent.is_active:
        return parent
    prefixes = area_prefixes(department.area.path)[:-1]  # strictly above the unit's own area
    if not prefixes:
        return None
    candidates = (
        Department.objects.filter(
            type=DepartmentType.TERRITORIAL, is_active=True, area__path__in=prefixes
        )
        .select_related("area")
        .defer(*AREA_OUTLINES)
    )
    best = sorted(candidates, key=lambda d: (-path_depth(d.area.path), d.code))
    return best[0] if best else None


def reply_notes(tasks) -> dict[int, list]:
    """The 督办 waiting for each task's reply, as notes for the disposer's card (cases.panels):
    one query for the page."""
    from cases.panels import TaskNote

    notes: dict[int, list] = {}
    now = timezone.now()
    for record in unanswered([t.pk for t in tasks]):
        badge = str(record.get_kind_display())
        if record.reply_late(now):  # 督办时限 passed without a reply
            badge = _("%(kind)s, past its time") % {"kind": badge}
        notes.setdefault(record.task_id, []).append(
            TaskNote(
                key=record.pk,
                badge=badge,
                at=record.sent_at,
                text=record.message,
            )
        )
    return notes
