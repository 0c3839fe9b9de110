"""Fixtures for the intake tests: the cases fixtures (clock T0, staff by role, flow helper)
plus categories with a known suggestion and a helper that sends a report."""

from __future__ import annotations

import pytest

from cases.tests.conftest import (  # noqa: F401  (fixtures re-exported for intake tests)
    T0,
    _media,
    alpha_office,
    flow,
    grid,
    roads,
    staff,
    standard,
    t0,
    west_grid,
)
from catalog.models import Category, CategoryKind
from intake import services

# Inside grid 330203001001001 (Alpha-1, the north-west grid: 121.50-121.51, 29.86-29.87).
ALPHA_LON, ALPHA_LAT = 121.505, 29.865
# One metre in degrees at this latitude (for scattering points).
M_LAT = 1 / 111_320
M_LON = 1 / (111_320 * 0.8674)  # cos(29.865°)


@pytest.fixture
def manhole(db) -> Category:
    """供水井盖 (water manhole cover): the catalogue's component 01001 (loaded by migration)."""
    return Category.objects.get(kind=CategoryKind.COMPONENT, code="01001")


@pytest.fixture
def parking(db) -> Category:
    """停车场异常 (car park problem): the matter 02001."""
    return Category.objects.get(kind=CategoryKind.EVENT, code="02001")


@pytest.fixture
def receive(small_city):
    """``receive(**kwargs)``: receive_report with a citizen report at ALPHA, at T0, defaults."""

    def send(**kwargs):
        kwargs.setdefault("source", "citizen")
        kwargs.setdefault("description", "Manhole cover missing outside No. 12")
        kwargs.setdefault("now", T0)
        if "address" not in kwargs or "lon" in kwargs:
            kwargs.setdefault("lon", ALPHA_LON)
            kwargs.setdefault("lat", ALPHA_LAT)
        return services.receive_report(**kwargs)

    return send
