"""Fixtures for the dispatch tests: the small city's units at every tier, a filing standard,
and a helper that files a case through the real services.

Units (on top of conftest.py's ST-ALPHA, ST-BETA street offices and CITY-ROADS):
    DIST-EAST  district office (territorial) of East     CITY-OFFICE city office (territorial)
    DIST-EAST-ROADS  East's roads unit (professional)    CITY-ENV city environment bureau
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from areas.models import UnitGrid
from cases import services as case_services
from cases.factories import CategoryFactory, FilingStandardFactory, image_bytes
from cases.models import Case
from cases.services.reporting import case_report
from cases.states import SourceChannel
from core.models import TimeUnit
from org.factories import DEFAULT_PASSWORD, DepartmentFactory
from org.models import Department, DepartmentLevel, DepartmentType, Role
from org.services import staff_create

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A plain working Monday morning (no holiday near), as in the cases tests.
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("after.jpg", image_bytes(), content_type="image/jpeg")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class Units:
    alpha: Department
    beta: Department
    roads: Department
    east: Department
    east_roads: Department
    city: Department
    env: Department


@pytest.fixture
def units(personas, small_city) -> Units:
    c = small_city
    east = DepartmentFactory(
        code="DIST-EAST",
        name="East district office",
        level=DepartmentLevel.DISTRICT,
        type=DepartmentType.TERRITORIAL,
        area=c.east,
        contact_phone="13900000002",
    )
    city = DepartmentFactory(
        code="CITY-OFFICE",
        name="City office",
        level=DepartmentLevel.CITY,
        type=DepartmentType.TERRITORIAL,
        area=c.city,
        contact_phone="13900000003",
    )
    alpha = Department.objects.get(code="ST-ALPHA")
    alpha.contact_phone = "13900000001"
    alpha.save()
    return Units(
        alpha=alpha,
        beta=Department.objects.get(code="ST-BETA"),
        roads=Department.objects.get(code="CITY-ROADS"),
        east=east,
        east_roads=DepartmentFactory(
            code="DIST-EAST-ROADS",
            name="East roads unit",
            level=DepartmentLevel.DISTRICT,
            type=DepartmentType.PROFESSIONAL,
            area=c.east,
        ),
        city=city,
        env=DepartmentFactory(
            code="CITY-ENV",
            name="City environment bureau",
            level=DepartmentLevel.CITY,
            type=DepartmentType.PROFESSIONAL,
            area=c.city,
        ),
    )


@pytest.fixture
def staff(personas, small_city):
    more = {
        "shift_leader": staff_create(
            username="shift_leader",
            password=DEFAULT_PASSWORD,
            role=Role.SHIFT_LEADER,
            areas=[small_city.city],
        ),
    }
    return {**personas, **{k: p.user for k, p in more.items()}}


@pytest.fixture
def category():
    return CategoryFactory(code="99001", major_code="99", name="Manhole cover missing")


@pytest.fixture
def standard(category):
    """4 工作时 (working hours)."""
    return FilingStandardFactory(
        category=category, time_limit=Decimal("4"), time_unit=TimeUnit.WORK_HOUR
    )


@pytest.fixture
def alpha_grid(small_city) -> UnitGrid:
    return UnitGrid.objects.get(code="330203001001001")  # Alpha-1, street Alpha, district East


@pytest.fixture
def beta_grid(small_city) -> UnitGrid:
    return UnitGrid.objects.get(code="330203002001001")  # Beta-1, street Beta, district East


@dataclass
class Filer:
    staff: dict
    standard: object
    grid: UnitGrid

    def __call__(self, *, grid: UnitGrid | None = None, standard=None, now=None) -> Case:
        """A case filed (立案) through the real services, ready for routing."""
        case = case_report(
            actor=self.staff["shift_leader"],
            source=SourceChannel.INSPECTOR,
            description="Manhole cover missing outside No. 12",
            grid=grid or self.grid,
            category=(standard or self.standard).category,
            trusted=True,
            now=now,
        )
        return case_services.case_file(
            case=case, actor=self.staff["shift_leader"], standard=standard or self.standard, now=now
        )


@pytest.fixture
def filed(staff, standard, alpha_grid, units) -> Filer:
    return Filer(staff=staff, standard=standard, grid=alpha_grid)
