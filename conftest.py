"""Shared fixtures: a small hand-made city and the personas of STYLE.md rule 7.

The small city (all boxes, WGS-84 degrees):

    city 330200 "Testcity"
      district 330203 "East"  -> street 330203001 "Alpha" -> communities 330203001001, 330203001002
                              -> street 330203002 "Beta"  -> community  330203002001
      district 330205 "West"  -> street 330205001 "Gamma" -> community  330205001001
    each community has 2 x 2 unit grids of 0.01 degrees
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from areas.factories import AdminAreaFactory, UnitGridFactory, box_polygon
from areas.models import AdminArea, AreaLevel
from areas.services import refresh_area_boundaries
from org.factories import DEFAULT_PASSWORD, DepartmentFactory
from org.models import DepartmentLevel, DepartmentType, Role
from org.services import staff_create

CELL = 0.01


@pytest.fixture(autouse=True)
def _english_messages():
    """Tests assert English messages; zh-Hans (the product default) is tested explicitly.

    Code running outside a request (services, commands) uses the active language, which this
    sets to English; requests get English through the ``client`` fixture's Accept-Language.
    """
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client():
    """Django's test client asking for English; use ``Client()`` to see the zh-Hans default."""
    from django.test import Client

    return Client(headers={"accept-language": "en"})


@pytest.fixture(autouse=True)
def _post_facts_now(settings):
    # Post facts are the worker's in production; tests read them right after the move
    # (evaluation/tests/test_posts.py checks the queued path).
    settings.EVALUATION_POSTS_ASYNC = False


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Personas create several users; the production hasher would cost ~0.3 s each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_grid_index():
    # Test transactions roll back without signals: never carry one test's grids into the next.
    from core.spatial import grid_index

    grid_index.invalidate()
    yield
    grid_index.invalidate()


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    """The working calendar is cached per process; a test's calendar rows must not leak."""
    from core.workcalendar import invalidate_cache

    invalidate_cache()
    yield
    invalidate_cache()


@dataclass
class SmallCity:
    city: AdminArea
    east: AdminArea
    west: AdminArea
    alpha: AdminArea
    beta: AdminArea
    gamma: AdminArea
    communities: dict[str, AdminArea]


def _community_with_grids(street: AdminArea, code: str, name: str, lon0: float, lat0: float):
    community = AdminAreaFactory(code=code, name=name, level=AreaLevel.COMMUNITY, parent=street)
    seq = 1
    # Sequence numbers run west-to-east, north-to-south.
    for row in range(2):
        for col in range(2):
            lon = lon0 + col * CELL
            lat = lat0 + (1 - row) * CELL
            UnitGridFactory(
                community=community,
                code=f"{code}{seq:03d}",
                polygon=box_polygon(lon, lat, lon + CELL, lat + CELL),
            )
            seq += 1
    return community


@pytest.fixture
def small_city(db) -> SmallCity:
    city = AdminAreaFactory(code="330200", name="Testcity", level=AreaLevel.CITY)
    east = AdminAreaFactory(code="330203", name="East", level=AreaLevel.DISTRICT, parent=city)
    west = AdminAreaFactory(code="330205", name="West", level=AreaLevel.DISTRICT, parent=city)
    alpha = AdminAreaFactory(code="330203001", name="Alpha", level=AreaLevel.STREET, parent=east)
    beta = AdminAreaFactory(code="330203002", name="Beta", level=AreaLevel.STREET, parent=east)
    gamma = AdminAreaFactory(code="330205001", name="Gamma", level=AreaLevel.STREET, parent=west)
    communities = {
        "alpha1": _community_with_grids(alpha, "330203001001", "Alpha-1", 121.50, 29.85),
        "alpha2": _community_with_grids(alpha, "330203001002", "Alpha-2", 121.52, 29.85),
        "beta1": _community_with_grids(beta, "330203002001", "Beta-1", 121.54, 29.85),
        "gamma1": _community_with_grids(gamma, "330205001001", "Gamma-1", 121.46, 29.85),
    }
    # As after a real import or seed: areas get boundaries derived from their grids.
    refresh_area_boundaries()
    for area in (city, east, west, alpha, beta, gamma, *communities.values()):
        area.refresh_from_db()
    return SmallCity(city, east, west, alpha, beta, gamma, communities)


@pytest.fixture
def personas(small_city):
    """Users by persona name; every password is DEFAULT_PASSWORD."""
    c = small_city
    alpha_office = DepartmentFactory(
        code="ST-ALPHA",
        name="Alpha street office",
        level=DepartmentLevel.STREET,
        type=DepartmentType.TERRITORIAL,
        area=c.alpha,
    )
    beta_office = DepartmentFactory(
        code="ST-BETA",
        name="Beta street office",
        level=DepartmentLevel.STREET,
        type=DepartmentType.TERRITORIAL,
        area=c.beta,
    )
    roads = DepartmentFactory(
        code="CITY-ROADS",
        name="City roads bureau",
        level=DepartmentLevel.CITY,
        type=DepartmentType.PROFESSIONAL,
        area=c.city,
    )
    made = {
        "city_leader": staff_create(
            username="leader", password=DEFAULT_PASSWORD, role=Role.LEADER, areas=[c.city]
        ),
        "city_dispatcher": staff_create(
            username="dispatcher", password=DEFAULT_PASSWORD, role=Role.DISPATCHER, areas=[c.city]
        ),
        "alpha_inspector": staff_create(
            username="inspector_alpha",
            password=DEFAULT_PASSWORD,
            role=Role.INSPECTOR,
            department=alpha_office,
            areas=[c.alpha],
        ),
        "beta_operator": staff_create(
            username="operator_beta",
            password=DEFAULT_PASSWORD,
            role=Role.ACCEPTOR,
            department=beta_office,
            areas=[c.beta],
        ),
        "roads_disposer": staff_create(
            username="disposer_roads",
            password=DEFAULT_PASSWORD,
            role=Role.DISPOSER,
            department=roads,
        ),
        "admin": staff_create(
            username="admin", password=DEFAULT_PASSWORD, role=Role.ADMIN, is_superuser=True
        ),
    }
    return {name: profile.user for name, profile in made.items()}


def pytest_collection_modifyitems(config, items):
    """Every transactional test restores the migrated data (catalogue, calendar) afterwards.

    A transactional test ends with a flush that re-creates content types with new ids; a later
    test with ``serialized_rollback`` then fails to restore its snapshot. Making them all
    serialized keeps the seeded data (and the ids) stable whatever order the tests run in.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None or not marker.kwargs.get("transaction"):
            continue
        if marker.kwargs.get("serialized_rollback"):
            continue
        kwargs = {**marker.kwargs, "serialized_rollback": True}
        item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)
