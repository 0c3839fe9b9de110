"""Geometry rules: what a grid polygon may be, and how grids are numbered."""

from __future__ import annotations

import random

import pytest
import shapely

from areas.factories import box_polygon
from areas.geometry import GeometryError, grid_sequence_order, parse_polygon, round_coords
from areas.tests.samples import BOWTIE


def test_a_valid_box_parses():
    geom = parse_polygon(box_polygon(121.50, 29.85, 121.51, 29.86))
    assert geom.geom_type == "Polygon" and geom.is_valid


def test_a_self_intersecting_polygon_is_refused_with_where():
    with pytest.raises(GeometryError, match=r"not valid: Self-intersection\[121\.505 29\.855\]"):
        parse_polygon(BOWTIE)


@pytest.mark.parametrize(
    ("geometry", "reason"),
    [
        ({"type": "Point", "coordinates": [121.5, 29.8]}, "Polygon or MultiPolygon, not 'Point'"),
        ({"type": "Polygon", "coordinates": [[[121.5, 29.8], [121.6, 29.8]]]}, "malformed"),
        ({"type": "Polygon", "coordinates": "oops"}, "malformed"),
        (box_polygon(13_520_000, 3_480_000, 13_521_000, 3_481_000), "projected coordinates"),
        ({"type": "Polygon", "coordinates": []}, "empty"),
        ("POLYGON ((0 0, 1 0, 1 1, 0 0))", "GeoJSON object"),
    ],
)
def test_other_bad_geometries_say_why(geometry, reason):
    with pytest.raises(GeometryError, match=reason):
        parse_polygon(geometry)


def test_sequence_runs_west_to_east_then_north_to_south():
    nw, ne = shapely.box(0, 1, 1, 2), shapely.box(1, 1, 2, 2)
    sw, se = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)
    shuffled = [se, nw, sw, ne]
    assert [shuffled[i] for i in grid_sequence_order(shuffled)] == [nw, ne, sw, se]


def test_sequence_order_tolerates_irregular_rows():
    rng = random.Random(3)
    cells = {}
    for row in range(3):
        for col in range(4):
            dx, dy = rng.uniform(-0.2, 0.2), rng.uniform(-0.2, 0.2)
            cells[(row, col)] = shapely.box(col + dx, -row + dy, col + 1 + dx, -row + 1 + dy)
    polygons = list(cells.values())
    rng.shuffle(polygons)
    ordered = [polygons[i] for i in grid_sequence_order(polygons)]
    assert ordered == [cells[(r, c)] for r in range(3) for c in range(4)]


def test_round_coords_keeps_six_decimals():
    rounded = round_coords(box_polygon(121.123456789, 29.1, 121.2, 29.2))
    assert rounded["coordinates"][0][0] == [121.123457, 29.1]
