"""派遣 dispatch: one task per department, lead first, deadline from the standard and grid."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cases import services
from cases.factories import FilingStandardFactory
from cases.models import Task
from cases.states import CaseAction, CaseStatus, TaskStatus
from cases.tests.conftest import local, trail
from core.errors import Conflict, PermissionDenied, ValidationFailed
from core.models import TimeUnit
from org.factories import DepartmentFactory


def test_dispatch_creates_a_pending_task_with_a_working_time_deadline(flow, staff, roads, t0):
    case = flow.filed()
    tasks = services.case_dispatch(
        case=case, actor=staff["city_dispatcher"], departments=[roads], now=t0
    )
    assert case.status == CaseStatus.DISPATCHED and case.dispatch_round == 1
    [task] = tasks
    assert (task.department, task.status, task.is_lead) == (roads, TaskStatus.PENDING, True)
    # 4 工作时 from Monday 09:00: 09-12 then 14-15.
    assert task.deadline_at == local(23, 15)
    assert (task.time_limit, task.time_unit) == (Decimal("4"), TimeUnit.WORK_HOUR)
    assert trail(case)[-1] == (CaseAction.DISPATCH, CaseStatus.FILED, CaseStatus.DISPATCHED)
    assert case.events.latest("pk").data["departments"] == ["CITY-ROADS"]


def test_joint_case_has_one_lead_and_co_tasks(flow, staff, roads, alpha_office, t0):
    case = flow.filed()
    tasks = services.case_dispatch(
        case=case,
        actor=staff["city_dispatcher"],
        departments=[roads, alpha_office],
        lead=alpha_office,
        now=t0,
    )
    assert [(t.department, t.is_lead) for t in tasks] == [(alpha_office, True), (roads, False)]
    assert Task.objects.filter(case=case).count() == 2


def test_the_area_class_picks_the_limit(flow, staff, roads, grid, t0):
    grid.area_class = "A"
    grid.save()
    flow.standard = FilingStandardFactory(
        time_limit=Decimal("4"), limit_a=Decimal("2"), time_unit=TimeUnit.WORK_HOUR
    )
    case = flow.filed()
    [task] = services.case_dispatch(
        case=case, actor=staff["city_dispatcher"], departments=[roads], now=t0
    )
    assert task.time_limit == Decimal("2") and task.deadline_at == local(23, 11)


def test_an_urgent_case_runs_on_urgent_hours(flow, staff, roads):
    case = flow.filed()
    case.priority = "urgent"
    case.save()
    # Friday 17:00: 4 紧急工作时 run through the evening, not into Monday.
    [task] = services.case_dispatch(
        case=case, actor=staff["city_dispatcher"], departments=[roads], now=local(27, 17)
    )
    assert task.time_unit == TimeUnit.URGENT_HOUR and task.deadline_at == local(27, 21)


@pytest.mark.parametrize(
    ("departments", "message"),
    [([], "at least one department"), ("twice", "listed twice"), ("inactive", "no longer active")],
)
def test_bad_department_lists_are_refused(flow, staff, roads, t0, departments, message):
    case = flow.filed()
    if departments == "twice":
        departments = [roads, roads]
    elif departments == "inactive":
        departments = [DepartmentFactory(code="OLD", area=roads.area, is_active=False)]
    with pytest.raises(ValidationFailed, match=message):
        services.case_dispatch(
            case=case, actor=staff["city_dispatcher"], departments=departments, now=t0
        )
    case.refresh_from_db()
    assert case.status == CaseStatus.FILED and not Task.objects.exists()


def test_only_desk_roles_in_scope_dispatch(flow, staff, roads, t0):
    case = flow.filed()
    with pytest.raises(PermissionDenied, match="needs one of the roles"):
        services.case_dispatch(
            case=case, actor=staff["roads_disposer"], departments=[roads], now=t0
        )
    with pytest.raises(PermissionDenied, match="outside your area scope"):
        services.case_dispatch(
            case=case, actor=staff["west_dispatcher"], departments=[roads], now=t0
        )


def test_a_case_must_be_filed_before_dispatch(flow, staff, roads, t0):
    case = flow.reported()
    with pytest.raises(Conflict, match="possible only from Filed"):
        services.case_dispatch(
            case=case, actor=staff["city_dispatcher"], departments=[roads], now=t0
        )


def test_a_stale_copy_loses_with_a_conflict(flow, staff, roads, t0):
    from cases.models import Case
    from core.errors import Conflict

    case = flow.filed()
    stale = Case.objects.get(pk=case.pk)
    services.case_dispatch(case=case, actor=staff["city_dispatcher"], departments=[roads], now=t0)
    stale.status = CaseStatus.FILED  # what the second dispatcher still sees on screen
    with pytest.raises(Conflict, match=r"changed by someone else \(now: Dispatched"):
        services.case_dispatch(
            case=stale, actor=staff["city_dispatcher"], departments=[roads], now=t0
        )
    assert Task.objects.count() == 1


def test_a_lead_outside_the_chosen_departments_is_refused_not_added(
    flow, staff, roads, alpha_office, t0
):
    """The dispatcher chose roads only; a lead left over from a pre-filled field is not sent."""
    case = flow.filed()
    with pytest.raises(ValidationFailed, match="is not among the departments chosen") as caught:
        services.case_dispatch(
            case=case,
            actor=staff["city_dispatcher"],
            departments=[roads],
            lead=alpha_office,
            now=t0,
        )
    assert caught.value.code == "lead_not_chosen"
    case.refresh_from_db()
    assert case.status == CaseStatus.FILED and not Task.objects.exists()


def test_the_dispatch_event_names_every_department(flow, staff, roads, alpha_office, t0):
    case = flow.filed()
    services.case_dispatch(
        case=case,
        actor=staff["city_dispatcher"],
        departments=[roads, alpha_office],
        lead=alpha_office,
        now=t0,
    )
    data = case.events.latest("pk").data
    assert data["departments"] == [alpha_office.code, roads.code]
    assert data["department_names"] == [alpha_office.name, roads.name]
