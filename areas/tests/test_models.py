"""Model rules: GB/T 2260-style codes, valid polygons, paths that follow moves."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from areas.factories import box_polygon
from areas.models import AdminArea, AreaLevel, UnitGrid, area_code_problems
from areas.tests.samples import BOWTIE


def test_code_rules_by_level():
    assert (
        area_code_problems(level="city", code="330200", parent_level=None, parent_code=None) == {}
    )
    assert "code" in area_code_problems(
        level="street", code="33020300", parent_level="district", parent_code="330203"
    )
    assert "parent" in area_code_problems(
        level="community", code="330203001001", parent_level="district", parent_code="330203"
    )
    assert "code" in area_code_problems(
        level="community", code="330203002001", parent_level="street", parent_code="330203001"
    )
    assert "parent" in area_code_problems(
        level="district", code="330203", parent_level=None, parent_code=None
    )


def test_admin_area_clean_refuses_a_bad_boundary(small_city):
    small_city.alpha.boundary = BOWTIE
    with pytest.raises(ValidationError, match="Self-intersection"):
        small_city.alpha.full_clean()


def test_unit_grid_clean_checks_code_community_and_polygon(small_city):
    community = small_city.communities["alpha1"]
    grid = UnitGrid(community=community, code="330203001001009", polygon=BOWTIE)
    with pytest.raises(ValidationError) as excinfo:
        grid.full_clean()
    assert "polygon" in excinfo.value.message_dict
    grid.polygon = box_polygon(121.5, 29.85, 121.51, 29.86)
    grid.code = "330203001002009"
    with pytest.raises(ValidationError, match="starts with its community"):
        grid.full_clean()
    grid.community = small_city.alpha
    with pytest.raises(ValidationError, match="must be a community"):
        grid.full_clean()


def test_moving_a_street_repaths_everything_below(small_city):
    alpha = small_city.alpha
    alpha.parent = small_city.west
    alpha.save()
    community = AdminArea.objects.get(code="330203001001")
    assert community.path == "/330200/330205/330203001/330203001001/"
    grid = UnitGrid.objects.get(code="330203001001001")
    assert grid.path == "/330200/330205/330203001/330203001001/330203001001001/"
    assert AdminArea.objects.get(code="330203002").path == "/330200/330203/330203002/"


def test_levels_are_ordered():
    assert AreaLevel.values == ["city", "district", "street", "community"]
