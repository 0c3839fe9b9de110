"""seed_demo: the demo city in the database, its published logins, and the command's modes.

Seeding takes a few seconds, so each test seeds once and checks several things.
"""

from __future__ import annotations

import io
import json
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from shapely.geometry import shape

from areas.geometry import geodesic_area_m2
from areas.models import AdminArea, AreaLevel, UnitGrid
from cases.models import Case
from demo.credentials import FILENAME
from demo.services import DEMO_PASSWORD, demo_token_key, seed_demo
from dispatch.models import RoutingRule
from iot.models import Device
from iot.tracking.demo import demo_token
from iot.tracking.models import Geofence, RoadSegment, Vehicle
from open311.demo import demo_key
from org.factories import StaffProfileFactory
from org.models import ApiToken, Department, Role, StaffProfile

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def _credentials(var_dir) -> dict:
    return json.loads((var_dir / FILENAME).read_text(encoding="utf-8"))


def test_seed_demo_builds_the_city_and_publishes_working_logins(var_dir, client):
    credentials = seed_demo(seed=1, cases=0)

    levels = Counter(AdminArea.objects.values_list("level", flat=True))
    assert levels[AreaLevel.CITY] == 1
    assert levels[AreaLevel.DISTRICT] >= 3
    assert levels[AreaLevel.STREET] >= 10
    assert levels[AreaLevel.COMMUNITY] >= 40
    assert UnitGrid.objects.count() >= 1000
    assert Department.objects.count() >= 30
    assert set(StaffProfile.objects.values_list("role", flat=True)) == set(Role.values)

    # Every stored row passes the model's own validation (codes, parents, polygons).
    for area in AdminArea.objects.select_related("parent"):
        area.clean()
        assert area.path == area.compute_path()
        assert area.boundary
        # The city and districts keep their official outlines; below, the union of the grids.
        official = area.level in (AreaLevel.CITY, AreaLevel.DISTRICT)
        assert area.boundary_derived is not official, area
    grids = list(UnitGrid.objects.select_related("community"))
    for grid in grids:
        grid.clean()
    # Bulk-inserted grids carry the same derived fields UnitGrid.save() computes.
    grid = grids[0]
    geom = shape(grid.polygon)
    assert grid.path == f"{grid.community.path}{grid.code}/"
    assert (grid.min_lon, grid.min_lat, grid.max_lon, grid.max_lat) == pytest.approx(geom.bounds)
    assert grid.area_m2 == pytest.approx(geodesic_area_m2(geom))

    # The credentials file lists real logins and a working token.
    data = _credentials(var_dir)
    assert data["url"] == "http://127.0.0.1:8000/"
    assert data["password"] == DEMO_PASSWORD
    assert data["open311"]["api_key"] == demo_key(1)
    assert data["open311"]["endpoint"] == "http://127.0.0.1:8000/open311/v2"
    assert data["devices"] and data["video_ai"]["cameras"]
    assert data["pending"] == {}
    assert data["counts"]["grids"] == UnitGrid.objects.count()
    roles = {login["role"] for login in data["logins"]}
    assert roles == set(Role.values)
    assert len(data["logins"]) == StaffProfile.objects.count() == len(credentials.logins)
    usernames = {login["username"] for login in data["logins"]}
    assert {"admin", "dispatcher", "leader", "inspector_gulou"} <= usernames

    users = get_user_model().objects
    assert users.get(username="admin").is_superuser and users.get(username="admin").is_staff
    assert not users.get(username="inspector_gulou").is_staff
    assert client.login(username="inspector_gulou", password=data["password"])
    client.logout()
    assert client.login(username="admin", password=DEMO_PASSWORD)
    assert client.get("/admin/").status_code == 200
    client.logout()

    token = data["api_token"]
    assert token["username"] == "dispatcher"
    assert token["token"] == demo_token_key(1)
    assert token["header"] == f"Authorization: Bearer {token['token']}"
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token['token']}")
    assert response.status_code == 200
    assert response.json()["username"] == "dispatcher"


def test_seed_demo_command_refuses_keeps_or_resets(var_dir):
    # empty database: seeds (a few cases, so the reset below must remove them too)
    call_command("seed_demo", "--seed", "1", "--cases", "20", "--if-empty", stdout=io.StringIO())
    assert Case.objects.exists() and Device.objects.exists() and RoutingRule.objects.exists()
    first_polygon = UnitGrid.objects.order_by("code").first().polygon

    with pytest.raises(CommandError, match="--reset"):
        call_command("seed_demo", "--seed", "1", "--cases", "0")

    (var_dir / FILENAME).unlink()
    out = io.StringIO()
    # The city exists: only the file is rewritten, for the city that is really there (seed 1).
    call_command("seed_demo", "--seed", "3", "--if-empty", stdout=out)
    assert "built with seed 1" in out.getvalue()
    assert UnitGrid.objects.order_by("code").first().polygon == first_polygon
    assert _credentials(var_dir)["seed"] == 1
    assert _credentials(var_dir)["api_token"]["token"] == demo_token_key(1)

    # Someone else's account in a demo department blocks the reset, which then changes nothing.
    outsider = StaffProfileFactory(
        user__username="outsider", role=Role.DISPOSER, department=Department.objects.first()
    )
    with pytest.raises(CommandError, match="staff profiles"):
        call_command("seed_demo", "--seed", "2", "--cases", "0", "--reset")
    assert UnitGrid.objects.order_by("code").first().polygon == first_polygon
    assert Case.objects.exists()  # the refused reset changed nothing
    outsider.user.delete()

    call_command("seed_demo", "--seed", "2", "--cases", "0", "--reset", stdout=io.StringIO())
    assert UnitGrid.objects.order_by("code").first().polygon != first_polygon
    assert get_user_model().objects.filter(username="dispatcher").count() == 1
    assert ApiToken.objects.count() == 1
    assert _credentials(var_dir)["seed"] == 2
    # The old city's cases went with it; the new one has only its showcase cases.
    assert not Case.objects.filter(intake_reports__external_id__startswith="demo1-").exists()
    counts = _credentials(var_dir)["counts"]
    assert Device.objects.count() == counts["devices"] + counts["vehicles"] + counts["badges"]
    # The old city's vehicles, badges, routes and roads went too: the new ones are seed 2's.
    trackers = _credentials(var_dir)["trackers"]
    assert trackers and all(
        t["token"] == demo_token(2, t.get("plate") or t["badge"]) for t in trackers
    )
    assert Vehicle.objects.count() == counts["vehicles"] == 9
    assert Geofence.objects.count() == 4
    assert not RoadSegment.objects.filter(street__isnull=True).exists()
