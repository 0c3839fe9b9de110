"""GeoJSON import: all or nothing, every problem named, upsert by code, boundaries derived."""

from __future__ import annotations

import json

import pytest
import shapely

from areas.factories import box_polygon
from areas.models import AdminArea, UnitGrid
from areas.services import AreaImportError, import_areas, read_feature_collection
from areas.tests.samples import BOWTIE, area, city_file, collection, grid
from core import coords
from core.spatial import grid_index

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int]:
    return AdminArea.objects.count(), UnitGrid.objects.count()


def problems_of(excinfo) -> list[str]:
    return [str(p) for p in excinfo.value.problems]


def test_a_clean_file_creates_the_tree_and_the_grids():
    result = import_areas(features=city_file())
    assert dict(result.created) == {
        "city": 1,
        "district": 1,
        "street": 1,
        "community": 2,
        "grid": 8,
    }
    grid = UnitGrid.objects.get(code="330203001002003")
    assert grid.community.code == "330203001002"
    assert grid.path == "/330200/330203/330203001/330203001002/330203001002003/"
    assert grid.area_m2 == pytest.approx(1_070_000, rel=0.02)  # 0.01 deg x 0.01 deg at 29.85 N
    assert result.warnings == []


def test_progress_ticks_once_per_feature_checked_and_once_per_feature_written():
    ticks = []
    import_areas(features=city_file(), progress=ticks.append)
    assert sum(ticks) == 2 * len(city_file())


def test_imported_grids_are_found_by_point_lookup():
    import_areas(features=city_file())
    assert grid_index.locate_code(121.525, 29.865) == "330203001002001"


def test_reimporting_the_same_file_changes_nothing():
    import_areas(features=city_file())
    stamps = dict(UnitGrid.objects.values_list("code", "updated_at"))
    result = import_areas(features=city_file())
    assert not result.created and not result.updated
    assert sum(result.unchanged.values()) == len(city_file())
    assert dict(UnitGrid.objects.values_list("code", "updated_at")) == stamps


def test_reimport_updates_by_code():
    import_areas(features=city_file())
    changed = city_file()
    changed[2]["properties"]["name"] = "Gulou street"
    changed[5]["properties"]["area_class"] = "A"
    result = import_areas(features=changed)
    assert dict(result.updated) == {"street": 1, "grid": 1}
    assert AdminArea.objects.get(code="330203001").name == "Gulou street"
    assert UnitGrid.objects.get(code="330203001001001").area_class == "A"


def test_a_self_intersecting_grid_refuses_the_whole_file():
    features = city_file()
    features[6]["geometry"] = BOWTIE
    with pytest.raises(AreaImportError) as excinfo:
        import_areas(features=features)
    assert problems_of(excinfo) == [
        "feature #7 (330203001001002): polygon is not valid: Self-intersection[121.505 29.855]"
    ]
    assert counts() == (0, 0)


def test_every_problem_is_reported_at_once():
    features = city_file()
    features[1]["properties"]["parent"] = "330299"  # unknown parent
    features[2]["properties"]["code"] = "33020300"  # 8 digits
    features[5]["properties"]["area_class"] = "Z"
    features.append(features[6])  # duplicate code
    features.append({"type": "Feature", "geometry": None, "properties": {"level": "grid"}})
    with pytest.raises(AreaImportError) as excinfo:
        import_areas(features=features)
    found = problems_of(excinfo)
    assert "feature #2 (330203): parent 330299 is neither in the file nor in CityOps" in found
    assert any(p.startswith("feature #3 (33020300): A Street") for p in found)
    assert "feature #6 (330203001001001): 'area_class' must be A, B or C, not 'Z'" in found
    assert "feature #14 (330203001001002): same code as feature #7" in found
    assert "feature #15: 'code' is missing" in found
    assert "feature #15: a grid needs a polygon geometry" in found
    assert counts() == (0, 0)
    assert excinfo.value.code == "invalid_areas" and excinfo.value.http_status == 422


def test_children_of_a_refused_area_say_so():
    features = city_file()
    features[3]["geometry"] = BOWTIE  # community 330203001001
    with pytest.raises(AreaImportError) as excinfo:
        import_areas(features=features)
    assert (
        "feature #6 (330203001001001): its community 330203001001 is refused "
        "(see its own problems)" in problems_of(excinfo)
    )


def test_parent_must_have_the_right_level_and_code_prefix():
    features = [
        area("city", "330200", "Ningbo"),
        area("street", "330200001", "Skips a level", "330200"),
        area("district", "320203", "Other province", "330200"),
    ]
    with pytest.raises(AreaImportError) as excinfo:
        import_areas(features=features)
    found = problems_of(excinfo)
    assert any("#2" in p and "parent must be a District" in p for p in found)
    assert any("#3" in p and "does not start with 33" in p for p in found)


def test_grid_outside_its_surveyed_community_is_refused():
    features = city_file()
    features[5]["geometry"] = box_polygon(121.49, 29.86, 121.501, 29.87)  # 0.01 deg to the west
    with pytest.raises(AreaImportError) as excinfo:
        import_areas(features=features)
    (problem,) = problems_of(excinfo)
    assert problem.startswith(
        "feature #6 (330203001001001): grid lies outside its community 330203001001 ("
    )
    assert counts() == (0, 0)


def test_a_grid_may_stick_out_by_less_than_the_tolerance():
    features = city_file()
    nudge = 0.3 / 111_320  # 0.3 m north
    features[5]["geometry"] = box_polygon(121.50, 29.86, 121.51, 29.87 + nudge)
    import_areas(features=features)
    assert UnitGrid.objects.count() == 8


def test_grids_of_a_community_without_a_boundary_are_not_checked_against_one():
    import_areas(features=city_file())
    community = AdminArea.objects.get(code="330203001002")
    assert community.boundary_derived
    # Moving a grid is allowed: the derived boundary follows the grids.
    moved = grid("330203001002005", box_polygon(121.54, 29.85, 121.55, 29.86))
    import_areas(features=[moved])
    community.refresh_from_db()
    assert shapely.geometry.shape(community.boundary).covers(
        shapely.box(121.54, 29.85, 121.55, 29.86)
    )


def test_boundaries_are_derived_bottom_up_and_surveyed_ones_kept():
    result = import_areas(features=city_file())
    surveyed = AdminArea.objects.get(code="330203001001")
    derived = AdminArea.objects.get(code="330203001002")
    street = AdminArea.objects.get(code="330203001")
    assert not surveyed.boundary_derived
    assert surveyed.boundary == box_polygon(121.50, 29.85, 121.52, 29.87)
    assert derived.boundary_derived
    assert shapely.geometry.shape(derived.boundary).equals(
        shapely.box(121.52, 29.85, 121.54, 29.87)
    )
    assert shapely.geometry.shape(street.boundary).equals(shapely.box(121.50, 29.85, 121.54, 29.87))
    assert (street.centroid_lon, street.centroid_lat) == pytest.approx((121.52, 29.86))
    assert result.boundaries_refreshed == 5


def test_grids_numbered_out_of_order_import_with_a_warning():
    features = city_file()
    first, second = features[5]["geometry"], features[6]["geometry"]
    features[5]["geometry"], features[6]["geometry"] = second, first
    result = import_areas(features=features)
    assert result.warnings == [
        "community 330203001001: grid codes do not run west-to-east, north-to-south; "
        "330203001001001 is where 330203001001002 would be expected"
    ]
    assert UnitGrid.objects.count() == 8


def test_overlapping_grids_import_with_a_warning():
    features = city_file()
    features[6]["geometry"] = box_polygon(121.505, 29.86, 121.52, 29.87)
    result = import_areas(features=features)
    assert any("330203001001001 and 330203001001002 overlap" in w for w in result.warnings)


def test_gcj02_files_are_stored_as_wgs84():
    features = city_file()[:5]
    lon, lat = 121.505, 29.865
    glon, glat = coords.wgs84_to_gcj02(lon, lat)
    features[3]["geometry"] = None
    features.append(
        grid("330203001001001", box_polygon(glon - 0.005, glat - 0.005, glon + 0.005, glat + 0.005))
    )
    import_areas(features=features, crs="gcj02")
    centre = shapely.geometry.shape(UnitGrid.objects.get().polygon).centroid
    assert (centre.x, centre.y) == pytest.approx((lon, lat), abs=1e-6)


def test_dry_run_checks_and_counts_but_writes_nothing():
    result = import_areas(features=city_file(), dry_run=True)
    assert result.created["grid"] == 8 and result.dry_run
    assert counts() == (0, 0)


def test_grids_join_communities_already_in_cityops(small_city):
    new = grid("330205001001005", box_polygon(121.48, 29.85, 121.49, 29.86))
    moved = grid("330205001001001", box_polygon(121.46, 29.91, 121.47, 29.92))
    result = import_areas(features=[new, moved])
    assert (result.created["grid"], result.updated["grid"]) == (1, 1)
    assert (
        UnitGrid.objects.get(code="330205001001005").community == small_city.communities["gamma1"]
    )
    assert grid_index.locate_code(121.465, 29.915) == "330205001001001"


def test_a_code_cannot_change_level(small_city):
    with pytest.raises(AreaImportError, match="already exists as a district"):
        import_areas(features=[area("city", "330203", "Not a city")])


def test_reading_a_file_names_what_is_wrong(tmp_path):
    bad_json = tmp_path / "bad.geojson"
    bad_json.write_text("{nope")
    with pytest.raises(AreaImportError, match="not JSON"):
        read_feature_collection(bad_json)
    not_fc = tmp_path / "point.geojson"
    not_fc.write_text(json.dumps({"type": "Point", "coordinates": [0, 0]}))
    with pytest.raises(AreaImportError, match="not a GeoJSON FeatureCollection"):
        read_feature_collection(not_fc)
    projected = tmp_path / "cgcs.geojson"
    projected.write_text(
        json.dumps({**collection([]), "crs": {"type": "name", "properties": {"name": "EPSG:4549"}}})
    )
    with pytest.raises(AreaImportError, match="must be WGS-84 lon/lat, the file says EPSG:4549"):
        read_feature_collection(projected)
    with pytest.raises(AreaImportError, match="cannot read"):
        read_feature_collection(tmp_path / "missing.geojson")


def test_import_from_a_path(tmp_path):
    path = tmp_path / "city.geojson"
    path.write_text(json.dumps(collection(city_file())), encoding="utf-8")
    import_areas(path=path)
    assert counts() == (5, 8)
