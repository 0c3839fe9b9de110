"""The demo city's layout: Ningbo's real districts, the same for the same seed, DB-free."""

from __future__ import annotations

import time
from collections import Counter, defaultdict

import pytest
import shapely
from shapely.geometry import Point

from areas.geometry import grid_sequence_order, parse_polygon
from areas.models import area_code_problems, grid_code_problems
from demo.layout import COORD_GRID_DEG, CityLayout, city_layout, district_outlines
from demo.names import DISTRICTS

# The minimum sizes.
MIN_DISTRICTS, MIN_STREETS, MIN_COMMUNITIES, MIN_GRIDS = 3, 10, 40, 1000
TOLERANCE_DEG = 1e-9
# Snapping the grids to ~1 cm loses slivers of a few m² along the coast (of ~2,300 km²).
MAX_UNCOVERED_DEG2 = 1e-8
# A whole layout takes ~1.5 s; this bound only catches an accidental slowdown on a busy machine.
MAX_LAYOUT_SECONDS = 15


@pytest.fixture(scope="module")
def layout() -> CityLayout:
    return city_layout(1)


def test_same_seed_gives_the_same_city():
    first, second = city_layout(7), city_layout(7)
    assert first == second
    assert [g.polygon for g in first.grids] == [g.polygon for g in second.grids]
    assert [a.boundary for a in first.areas] == [a.boundary for a in second.areas]


def test_different_seeds_give_different_cities(layout):
    other = city_layout(2)
    assert [g.polygon for g in other.grids] != [g.polygon for g in layout.grids]


def test_tiers_have_the_required_sizes(layout):
    assert layout.city.code == "330200" and layout.city.name == "宁波市"
    assert {d.code: d.name for d in layout.districts} == {
        "330203": "海曙区",
        "330205": "江北区",
        "330212": "鄞州区",
        "330206": "北仑区",
    }
    beilun = {s.name for s in layout.streets if s.parent_code == "330206"}
    assert {"新碶街道", "大碶街道", "霞浦街道"} <= beilun
    assert len(layout.districts) >= MIN_DISTRICTS
    assert len(layout.streets) >= MIN_STREETS
    assert len(layout.communities) >= MIN_COMMUNITIES
    assert len(layout.grids) >= MIN_GRIDS


def test_every_tier_has_children(layout):
    children = Counter(a.parent_code for a in layout.areas if a.parent_code)
    grids = Counter(g.community_code for g in layout.grids)
    assert all(children[d.code] for d in layout.districts)
    assert all(children[s.code] for s in layout.streets)
    assert all(grids[c.code] for c in layout.communities)


def test_codes_are_valid_and_unique(layout):
    by_code = {a.code: a for a in layout.areas}
    assert len(by_code) == len(layout.areas)
    for area in layout.areas:
        parent = by_code.get(area.parent_code)
        problems = area_code_problems(
            level=area.level,
            code=area.code,
            parent_level=parent.level if parent else None,
            parent_code=area.parent_code,
        )
        assert problems == {}, area
    assert len({g.code for g in layout.grids}) == len(layout.grids)
    for grid in layout.grids:
        problems = grid_code_problems(
            code=grid.code, community_code=grid.community_code, community_level="community"
        )
        assert problems == {}, grid.code
        assert grid.code == f"{grid.community_code}{grid.sequence:03d}"


def test_names_are_unique_within_their_tier(layout):
    for tier in (layout.districts, layout.streets, layout.communities):
        names = [a.name for a in tier]
        assert len(set(names)) == len(names)
    assert all(c.name.endswith("社区") for c in layout.communities)
    assert all(s.name.endswith(("街道", "镇", "乡")) for s in layout.streets)


def test_grids_are_numbered_west_to_east_north_to_south(layout):
    per_community = defaultdict(list)
    for grid in layout.grids:
        per_community[grid.community_code].append(grid)
    for code, grids in per_community.items():
        assert [g.sequence for g in grids] == list(range(1, len(grids) + 1)), code
        expected = grid_sequence_order([g.geometry for g in grids])
        assert expected == list(range(len(grids))), code


def test_first_grid_of_a_community_is_in_its_north_row(layout):
    grids = [g for g in layout.grids if g.community_code == layout.communities[0].code]
    first, heights = grids[0].geometry, [g.geometry.bounds[3] - g.geometry.bounds[1] for g in grids]
    northmost = max(g.geometry.centroid.y for g in grids)
    assert northmost - first.centroid.y <= max(heights)


def test_grid_polygons_are_valid_geojson_counter_clockwise(layout):
    for grid in layout.grids:
        geom = parse_polygon(grid.polygon)  # the same check the import and clean() use
        assert geom.geom_type == "Polygon"
        assert geom.exterior.is_ccw, grid.code


def test_grids_lie_inside_their_community_street_and_district(layout):
    areas = {a.code: a.geometry.buffer(COORD_GRID_DEG) for a in layout.areas}
    for grid in layout.grids:
        community = grid.community_code
        for code in (community, community[:9], community[:6], "330200"):
            assert areas[code].contains(grid.geometry), (grid.code, code)


def test_districts_are_the_official_outlines(layout):
    outlines = district_outlines()
    for district in layout.districts:
        assert district.geometry.equals(outlines[district.code]), district.name
    # 北仑 has islands (梅山 and islets); every other area is one piece or a street of them.
    pieces = {a.code: len(shapely.get_parts(a.geometry)) for a in layout.areas}
    assert pieces["330206"] > 1
    several = [code for code, n in pieces.items() if n > 1 and code != "330200"]
    assert all(code.startswith("330206") for code in several)


def test_streets_lie_around_their_real_seats(layout):
    streets = {s.code: s for s in layout.streets}
    for district in DISTRICTS:
        for index, name in enumerate(district.streets, start=1):
            street = streets[f"{district.code}{index:03d}"]
            assert street.name == name.name
            assert street.geometry.distance(Point(name.centre)) < 0.01, name.name  # ~1 km


def test_grids_cover_every_district_without_overlaps(layout):
    grids = layout.grid_geometries
    union = shapely.union_all(grids)
    for code, outline in district_outlines().items():
        assert outline.difference(union).area < MAX_UNCOVERED_DEG2, code
    overlap = float(shapely.area(grids).sum()) - union.area
    assert abs(overlap) < 1e-8
    assert layout.city.geometry.buffer(COORD_GRID_DEG).covers(union)


def test_area_classes_run_from_a_core_to_outer_c(layout):
    classes = Counter(g.area_class for g in layout.grids)
    assert set(classes) == {"A", "B", "C"}
    mean_area = {
        cls: sum(g.geometry.area for g in layout.grids if g.area_class == cls) / n
        for cls, n in classes.items()
    }
    # The old town is finely gridded, the outskirts coarsely.
    assert mean_area["A"] < mean_area["B"] < mean_area["C"]
    core = [g for g in layout.grids if g.area_class == "A"]
    lon = sum(g.geometry.centroid.x for g in core) / len(core)
    lat = sum(g.geometry.centroid.y for g in core) / len(core)
    assert 121.52 < lon < 121.58 and 29.85 < lat < 29.90


def test_layout_is_fast_enough_for_the_benchmark():
    started = time.monotonic()
    city_layout(3)
    assert time.monotonic() - started < MAX_LAYOUT_SECONDS
