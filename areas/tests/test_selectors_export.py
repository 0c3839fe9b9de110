"""Export writes what import reads: a round trip changes nothing."""

from __future__ import annotations

import pytest

from areas.models import AdminArea, UnitGrid
from areas.selectors import export_areas
from areas.services import import_areas, refresh_area_boundaries
from areas.tests.samples import city_file
from core.errors import NotFound, ValidationFailed


def _wipe() -> None:
    UnitGrid.objects.all().delete()
    for level in ("community", "street", "district", "city"):
        AdminArea.objects.filter(level=level).delete()


def test_export_of_the_small_city_reimports_unchanged(small_city):
    refresh_area_boundaries()
    exported = export_areas()
    assert len(exported["features"]) == 10 + 16
    result = import_areas(features=exported["features"])
    assert not result.created and not result.updated


def test_export_then_import_into_an_empty_database_gives_the_same_export(db):
    import_areas(features=city_file())
    first = export_areas()
    _wipe()
    import_areas(features=first["features"])
    assert export_areas() == first


def test_export_lists_parents_first_with_import_properties(small_city):
    features = export_areas()["features"]
    levels = [f["properties"]["level"] for f in features]
    assert levels == sorted(levels, key=["city", "district", "street", "community", "grid"].index)
    assert features[-1]["properties"] == {
        "level": "grid",
        "code": "330205001001004",
        "name": "",
        "community": "330205001001",
        "area_class": "B",
        "active": True,
    }


def test_export_by_level_and_subtree(small_city):
    grids = export_areas(level="grid", area="330203002")["features"]
    assert [f["properties"]["code"] for f in grids] == [
        f"330203002001{n:03d}" for n in (1, 2, 3, 4)
    ]
    streets = export_areas(level="street")["features"]
    assert {f["properties"]["code"] for f in streets} == {"330203001", "330203002", "330205001"}


def test_export_refuses_unknown_level_and_area(small_city):
    with pytest.raises(ValidationFailed, match="Unknown level 'village'"):
        export_areas(level="village")
    with pytest.raises(NotFound):
        export_areas(area="999999")
