"""Fixtures for the Open311 tests: the cases fixtures (clock T0, staff, flow helper), an api
key, the services the migration offers, and helpers that call the endpoint as a client would."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client as HttpClient

from cases import services as case_services
from cases.factories import FilingStandardFactory
from cases.tests.conftest import (  # noqa: F401  (fixtures re-exported for the Open311 tests)
    T0,
    _media,
    alpha_office,
    flow,
    grid,
    photo,
    roads,
    staff,
    t0,
    west_grid,
)
from core.models import TimeUnit
from open311 import services
from open311.models import Service

BASE = "/open311/v2"
# Inside grid 330203001001001 (Alpha-1, street Alpha, district East).
ALPHA_LAT, ALPHA_LONG = 29.865, 121.505
# Services the data migration offers (catalog plain names).
MANHOLE = "01001"  # 自来水井盖坏了 (component 01001 供水井盖)
STREETLIGHT = "01037"  # 路灯不亮、路灯坏了


@pytest.fixture
def http():
    """A third-party client: English messages, no session, no CSRF token."""
    return HttpClient(headers={"accept-language": "en"}, enforce_csrf_checks=True)


@pytest.fixture
def api_key(db) -> str:
    _client, key = services.client_create(name="Test app", rate_per_hour=0)
    return key


@pytest.fixture
def manhole(db) -> Service:
    return Service.objects.get(service_code=MANHOLE)


@pytest.fixture
def streetlight(db) -> Service:
    return Service.objects.get(service_code=STREETLIGHT)


@pytest.fixture
def standard(manhole):
    """4 工作时 for the manhole service's category (filing keeps the standard's category)."""
    return FilingStandardFactory(
        category=manhole.category, time_limit=Decimal("4"), time_unit=TimeUnit.WORK_HOUR
    )


@pytest.fixture
def post(http, api_key, small_city, time_machine):
    """``post(fmt="json", **form)``: POST requests.{fmt} form-encoded at T0 with the test key."""
    time_machine.move_to(T0, tick=False)

    def send(fmt: str = "json", **form):
        form.setdefault("api_key", api_key)
        form.setdefault("service_code", MANHOLE)
        if "address_string" not in form or "lat" in form:
            form.setdefault("lat", str(ALPHA_LAT))
            form.setdefault("long", str(ALPHA_LONG))
        form.setdefault("description", "Manhole cover missing outside No. 12")
        form = {k: v for k, v in form.items() if v is not None}
        return http.post(f"{BASE}/requests.{fmt}", form)

    return send


@pytest.fixture
def closed_case(flow, staff, manhole, t0):  # noqa: F811 - fixtures, not the imports
    """A case of the manhole service driven to closed (with an after-photo) through the services."""
    case, _task = flow.check_passed(category=manhole.category)
    return case_services.case_close(
        case=case, actor=staff["shift_leader"], now=t0 + timedelta(hours=3)
    )
