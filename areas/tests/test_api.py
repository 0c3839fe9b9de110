"""/api/v1/areas, /areas/geojson, /grids/geojson and /grids/locate."""

from __future__ import annotations

import pytest

from areas.models import UnitGrid
from areas.services import refresh_area_boundaries
from core import coords

ALPHA1_NW = (121.505, 29.865)  # inside grid 330203001001001
ALPHA1_NW_SE_CORNER = (121.508, 29.862)  # ~200 m from the neighbouring grids


@pytest.fixture
def as_user(client, personas):
    def login(name: str):
        client.force_login(personas[name])
        return client

    return login


def locate(client, **params):
    return client.get("/api/v1/grids/locate", params)


def test_locate_a_wgs84_point(as_user, small_city):
    response = locate(as_user("alpha_inspector"), lon=ALPHA1_NW[0], lat=ALPHA1_NW[1])
    assert response.status_code == 200
    body = response.json()
    assert body["grid_code"] == "330203001001001"
    assert body["grid_id"] == UnitGrid.objects.get(code="330203001001001").pk
    assert body["area_class"] == "B"
    assert body["community"] == {"code": "330203001001", "name": "Alpha-1"}
    assert body["street"] == {"code": "330203001", "name": "Alpha"}
    assert body["district"] == {"code": "330203", "name": "East"}
    assert (body["lon"], body["lat"]) == pytest.approx(ALPHA1_NW)


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_locate_converts_map_app_coordinates(as_user, small_city, crs):
    lon, lat = coords.from_wgs84(*ALPHA1_NW_SE_CORNER, crs)
    # The raw offset is hundreds of metres: read as WGS-84 it would land in another grid.
    assert locate(as_user("city_dispatcher"), lon=lon, lat=lat).json().get("grid_code") != (
        "330203001001001"
    )
    body = locate(as_user("city_dispatcher"), lon=lon, lat=lat, crs=crs).json()
    assert body["grid_code"] == "330203001001001"
    assert (body["lon"], body["lat"]) == pytest.approx(ALPHA1_NW_SE_CORNER, abs=1e-7)


def test_locate_outside_every_grid_is_404_with_a_message(as_user, small_city):
    response = locate(as_user("city_leader"), lon=121.80, lat=29.90)
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "No unit grid contains the point 121.800000, 29.900000 (WGS-84).",
    }


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"lon": 121.5, "lat": 29.86, "crs": "utm"}, "Unknown coordinate system 'utm'"),
        ({"lon": 121.5, "lat": 95}, "lat"),
        ({"lon": 200, "lat": 29.86}, "lon"),
        ({"lon": "east", "lat": 29.86}, "lon"),
        ({"lat": 29.86}, "lon"),
    ],
)
def test_locate_bad_input_is_422(as_user, small_city, params, needle):
    response = locate(as_user("city_leader"), **params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and needle in body["message"]


def test_locate_needs_authentication(client, small_city):
    response = locate(client, lon=ALPHA1_NW[0], lat=ALPHA1_NW[1])
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_grids_geojson_is_scoped(as_user, small_city):
    body = as_user("alpha_inspector").get("/api/v1/grids/geojson").json()
    codes = [f["properties"]["code"] for f in body["features"]]
    assert len(codes) == 8 and all(c.startswith("330203001") for c in codes)
    assert not any(c.startswith("330203002") for c in codes)  # Beta's grids stay hidden


def test_grids_geojson_of_a_hidden_area_is_404(as_user, small_city):
    response = as_user("alpha_inspector").get("/api/v1/grids/geojson", {"area": "330203002"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_grids_geojson_feature_shape(as_user, small_city):
    grid = UnitGrid.objects.get(code="330203002001001")
    grid.polygon["coordinates"][0][0] = [121.540000123456, 29.86]
    grid.polygon["coordinates"][0][-1] = [121.540000123456, 29.86]
    grid.save()
    body = as_user("city_leader").get("/api/v1/grids/geojson", {"area": "330203002001"}).json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 4
    feature = body["features"][0]
    assert feature["properties"] == {
        "id": grid.pk,
        "code": "330203002001001",
        "name": "",
        "area_class": "B",
        "community": "330203002001",
    }
    assert feature["geometry"]["coordinates"][0][0] == [121.54, 29.86]


def test_inactive_grids_are_not_on_the_map(as_user, small_city):
    grid = UnitGrid.objects.get(code="330203001001001")
    grid.is_active = False
    grid.save()
    body = as_user("alpha_inspector").get("/api/v1/grids/geojson").json()
    assert len(body["features"]) == 7


def test_areas_geojson_by_level_is_scoped(as_user, small_city):
    refresh_area_boundaries()
    client = as_user("beta_operator")
    body = client.get("/api/v1/areas/geojson", {"level": "community"}).json()
    assert [f["properties"]["code"] for f in body["features"]] == ["330203002001"]
    assert body["features"][0]["properties"]["parent"] == "330203002"
    assert client.get("/api/v1/areas/geojson", {"parent": "330203001"}).status_code == 404
    bad = client.get("/api/v1/areas/geojson", {"level": "village"})
    assert bad.status_code == 422 and "Unknown level 'village'" in bad.json()["message"]


def test_areas_list_is_scoped(as_user, small_city):
    body = as_user("alpha_inspector").get("/api/v1/areas").json()
    assert sorted(a["code"] for a in body) == ["330203001", "330203001001", "330203001002"]
