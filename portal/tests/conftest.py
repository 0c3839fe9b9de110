"""Fixtures for the portal tests: the cases fixtures (fixed clock T0, staff by role, media in a
temporary folder) plus a citizen's photo, a point in Alpha-1 and a desk that closes a case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import services as case_services
from cases.factories import image_bytes
from cases.models import Case
from cases.tests.conftest import (  # noqa: F401 - fixtures
    _media,
    grid,
    roads,
    staff,
    standard,
    t0,
)
from catalog.models import Category
from portal import services

ALPHA_1 = (121.505, 29.865)  # inside grid 330203001001001 (street Alpha, district East)
OUTSIDE = (120.0, 30.5)  # no grid there
PHONE = "13812345678"


def jpeg(name: str = "snap.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes(**kwargs), content_type="image/jpeg")


@pytest.fixture
def manhole() -> Category:
    """A catalogue category with citizen words (loaded by the catalog migration)."""
    return Category.objects.get(kind="component", code="01023")


def send(**kwargs) -> services.Receipt:
    """A portal report at T0 from Alpha-1 with a photo; keyword arguments override."""
    lon, lat = ALPHA_1
    kwargs.setdefault("description", "The manhole cover outside No. 12 is broken")
    kwargs.setdefault("lon", lon)
    kwargs.setdefault("lat", lat)
    kwargs.setdefault("photos", [jpeg()])
    kwargs.setdefault("device", "device-a")
    kwargs.setdefault("ip", "10.0.0.1")
    return services.portal_report(**kwargs)


@dataclass
class Desk:
    """The staff side, through the real case services: verify, file, ..., close."""

    staff: dict
    standard: object
    roads: object

    def file(self, case: Case, at: datetime) -> Case:
        case_services.case_verify(case=case, actor=self.staff["alpha_inspector"], now=at)
        return case_services.case_file(
            case=case, actor=self.staff["shift_leader"], standard=self.standard, now=at
        )

    def close(self, case: Case, at: datetime, *, start: datetime | None = None) -> Case:
        """From verifying to closed with an after-photo: filed at ``start`` (default three
        hours before), disposed half-way, checked and closed at ``at``."""
        start = start or at - timedelta(hours=3)
        self.file(case, start)
        [task] = case_services.case_dispatch(
            case=case, actor=self.staff["city_dispatcher"], departments=[self.roads], now=start
        )
        case_services.task_accept(task=task, actor=self.staff["roads_disposer"], now=start)
        case_services.task_dispose(
            task=task,
            actor=self.staff["roads_disposer"],
            photos=[jpeg("after.jpg", color=(20, 160, 20))],
            note="Cover replaced by Wang Wei of the roads team",
            now=start + (at - start) / 2,
        )
        case_services.case_check_pass(case=case, actor=self.staff["alpha_inspector"], now=at)
        return case_services.case_close(case=case, actor=self.staff["shift_leader"], now=at)


@pytest.fixture
def desk(staff, standard, roads) -> Desk:  # noqa: F811
    return Desk(staff=staff, standard=standard, roads=roads)
