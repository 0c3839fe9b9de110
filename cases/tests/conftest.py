"""Fixtures for the cases tests: a fixed Monday morning, staff by role, and a flow helper that
drives a case through the real services up to the state a test starts from."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from areas.models import UnitGrid
from cases import services
from cases.factories import FilingStandardFactory, image_bytes
from cases.models import Case, Task
from cases.services.reporting import case_report
from cases.states import SourceChannel
from core.models import TimeUnit
from org.factories import DEFAULT_PASSWORD
from org.models import Department, Role
from org.services import staff_create

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 2026-11-23 09:00 local: a plain working day (no holiday near), inside the morning window.
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A local time in the week of T0 (November 2026)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def photo(name: str = "after.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes(**kwargs), content_type="image/jpeg")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def t0() -> datetime:
    return T0


@pytest.fixture
def grid(small_city) -> UnitGrid:
    return UnitGrid.objects.get(code="330203001001001")  # Alpha-1, street Alpha, district East


@pytest.fixture
def west_grid(small_city) -> UnitGrid:
    return UnitGrid.objects.get(code="330205001001001")  # Gamma-1, district West


@pytest.fixture
def standard():
    """4 工作时 (working hours), the commonest short limit."""
    return FilingStandardFactory(time_limit=Decimal("4"), time_unit=TimeUnit.WORK_HOUR)


@pytest.fixture
def staff(personas, small_city):
    """The shared personas plus the roles a case needs that conftest.py does not make."""
    c = small_city
    alpha_office = Department.objects.get(code="ST-ALPHA")
    more = {
        "shift_leader": staff_create(
            username="shift_leader",
            password=DEFAULT_PASSWORD,
            role=Role.SHIFT_LEADER,
            areas=[c.city],
        ),
        "alpha_disposer": staff_create(
            username="disposer_alpha",
            password=DEFAULT_PASSWORD,
            role=Role.DISPOSER,
            department=alpha_office,
        ),
        "west_dispatcher": staff_create(
            username="dispatcher_west",
            password=DEFAULT_PASSWORD,
            role=Role.DISPATCHER,
            areas=[c.west],
        ),
        "gamma_inspector": staff_create(
            username="inspector_gamma",
            password=DEFAULT_PASSWORD,
            role=Role.INSPECTOR,
            areas=[c.gamma],
        ),
    }
    return {**personas, **{k: p.user for k, p in more.items()}}


@pytest.fixture
def roads() -> Department:
    return Department.objects.get(code="CITY-ROADS")


@pytest.fixture
def alpha_office() -> Department:
    return Department.objects.get(code="ST-ALPHA")


def received(case: Case) -> Case:
    """Leave the intake row (受理记录) that ``receive_report`` leaves for the case it opens.

    Test helpers open cases with ``case_report`` directly, to place many cases at one spot
    without the duplicate check merging them; the row keeps them like real cases (tracking
    links, merges, reporters to tell). It is the row migration intake 0002 gives older cases.
    """
    from intake.models import IntakeReport

    backfill = importlib.import_module("intake.migrations.0002_every_case_has_its_intake_report")
    backfill.report_row(IntakeReport, case).save()
    return case


@dataclass
class Flow:
    """Drive a case through the real services: ``flow.dispatched()`` etc."""

    staff: dict
    grid: UnitGrid
    standard: object
    roads: Department
    t0: datetime

    def reported(self, *, trusted: bool = True, **kwargs) -> Case:
        kwargs.setdefault("source", SourceChannel.INSPECTOR if trusted else SourceChannel.CITIZEN)
        kwargs.setdefault("description", "Manhole cover missing outside No. 12")
        kwargs.setdefault("now", self.t0)
        case = case_report(
            actor=self.staff["alpha_inspector"], grid=self.grid, trusted=trusted, **kwargs
        )
        received(case)
        return case

    def filed(self, **kwargs) -> Case:
        case = self.reported(**kwargs)
        return services.case_file(
            case=case, actor=self.staff["shift_leader"], standard=self.standard, now=self.t0
        )

    def dispatched(self, departments=None, lead=None, **kwargs) -> tuple[Case, list[Task]]:
        case = self.filed(**kwargs)
        tasks = services.case_dispatch(
            case=case,
            actor=self.staff["city_dispatcher"],
            departments=departments or [self.roads],
            lead=lead,
            now=self.t0,
        )
        return case, tasks

    def accepted(self, **kwargs) -> tuple[Case, Task]:
        case, tasks = self.dispatched(**kwargs)
        task = services.task_accept(
            task=tasks[0], actor=self.staff["roads_disposer"], now=self.t0 + timedelta(minutes=5)
        )
        return case, task

    def disposed(self, **kwargs) -> tuple[Case, Task]:
        case, task = self.accepted(**kwargs)
        services.task_dispose(
            task=task,
            actor=self.staff["roads_disposer"],
            photos=[photo()],
            now=self.t0 + timedelta(hours=1),
        )
        return case, task

    def check_passed(self, **kwargs) -> tuple[Case, Task]:
        case, task = self.disposed(**kwargs)
        services.case_check_pass(
            case=case, actor=self.staff["alpha_inspector"], now=self.t0 + timedelta(hours=2)
        )
        return case, task


@pytest.fixture
def flow(staff, grid, standard, roads, t0) -> Flow:
    return Flow(staff=staff, grid=grid, standard=standard, roads=roads, t0=t0)


def trail(case: Case) -> list[tuple[str, str, str]]:
    """(action, from, to) of every event in the order written."""
    return list(case.events.order_by("pk").values_list("action", "from_status", "to_status"))
