"""Point -> grid: correct, deterministic on shared edges, fast in bulk, fresh after changes."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from areas.factories import UnitGridFactory, box_polygon
from areas.models import UnitGrid
from core.spatial import NO_GRID, GridIndex, grid_index


def boxes() -> list:
    """2 x 2 boxes of 0.01 degrees from (121.50, 29.85); ids 10, 11, 12, 13."""
    return [
        shapely.box(121.50, 29.86, 121.51, 29.87),
        shapely.box(121.51, 29.86, 121.52, 29.87),
        shapely.box(121.50, 29.85, 121.51, 29.86),
        shapely.box(121.51, 29.85, 121.52, 29.86),
    ]


@pytest.fixture
def fixed() -> GridIndex:
    return GridIndex(ids=[10, 11, 12, 13], polygons=boxes(), codes=["A1", "A2", "A3", "A4"])


def test_locate_finds_the_grid_holding_the_point(fixed):
    assert fixed.locate(121.505, 29.865) == 10
    assert fixed.locate(121.515, 29.855) == 13
    assert fixed.locate_code(121.515, 29.855) == "A4"


def test_outside_every_grid_is_none(fixed):
    assert fixed.locate(121.60, 29.865) is None
    assert fixed.locate_code(121.60, 29.865) is None
    assert fixed.locate_many([121.60], [29.865]).tolist() == [NO_GRID]


def test_shared_edges_go_to_the_smallest_code_whatever_the_input_order():
    polygons, ids, codes = boxes(), [10, 11, 12, 13], ["A1", "A2", "A3", "A4"]
    forward = GridIndex(ids=ids, polygons=polygons, codes=codes)
    backward = GridIndex(ids=ids[::-1], polygons=polygons[::-1], codes=codes[::-1])
    corner, edge = (121.51, 29.86), (121.51, 29.865)
    for index in (forward, backward):
        assert index.locate(*corner) == 10  # all four meet here
        assert index.locate(*edge) == 10  # A1 | A2
        assert index.locate_many([corner[0], edge[0]], [corner[1], edge[1]]).tolist() == [10, 10]


def test_locate_many_matches_a_brute_force_check():
    rng = np.random.default_rng(5)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(rng.uniform(0, 1, (300, 2))))
    )
    cells = shapely.intersection(cells, shapely.box(0, 0, 1, 1))
    index = GridIndex(ids=range(100, 100 + len(cells)), polygons=cells)
    lons, lats = rng.uniform(-0.1, 1.1, 3000), rng.uniform(-0.1, 1.1, 3000)
    found = index.locate_many(lons, lats)
    for i in range(0, 3000, 7):
        hits = np.flatnonzero(shapely.intersects_xy(cells, lons[i], lats[i]))
        assert found[i] == (100 + hits.min() if len(hits) else NO_GRID)
    assert (found == NO_GRID).sum() > 0 and (found != NO_GRID).sum() > 2000


def test_points_exactly_on_vertices_and_edges_match_a_brute_force_check():
    rng = np.random.default_rng(11)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(rng.uniform(0, 1, (200, 2))))
    )
    cells = shapely.intersection(cells, shapely.box(0, 0, 1, 1))
    codes = [f"{i:04d}" for i in range(len(cells))]  # code order = id order
    index = GridIndex(ids=range(len(cells)), polygons=cells, codes=codes)
    vertices = shapely.get_coordinates(cells)
    corners = np.array([[0, 0], [1, 1], [0, 1], [1, 0], [0.5, 1], [1, 0.5], [0.5, 0]])
    points = np.vstack([vertices, corners, rng.uniform(0, 1, (500, 2)).round(2)])
    found = index.locate_many(points[:, 0], points[:, 1])
    for (x, y), got in zip(points, found, strict=True):
        hits = np.flatnonzero(shapely.intersects_xy(cells, x, y))
        assert got == hits.min(), (x, y)


def test_nan_and_infinite_points_find_nothing(fixed):
    assert (
        fixed.locate_many([np.nan, np.inf, 121.505], [29.865, 29.865, np.nan]).tolist()
        == [NO_GRID] * 3
    )


def test_locate_many_takes_empty_input_and_refuses_mismatched_lengths(fixed):
    assert fixed.locate_many([], []).tolist() == []
    with pytest.raises(ValueError, match="differ in length"):
        fixed.locate_many([121.5, 121.6], [29.86])


def test_an_index_without_grids_finds_nothing():
    assert GridIndex(ids=[], polygons=[]).locate(121.5, 29.86) is None


# --- built from the database -------------------------------------------------------------------


def test_global_index_finds_the_small_city_grids(small_city):
    grid_index.invalidate()
    grid = UnitGrid.objects.get(code="330203001001001")  # north-west grid of Alpha-1
    assert grid_index.locate(121.505, 29.865) == grid.pk
    assert grid_index.locate_code(121.505, 29.865) == grid.code
    assert grid_index.locate(121.70, 29.865) is None


def test_saving_a_grid_refreshes_the_index_in_this_process(small_city):
    assert grid_index.locate(121.565, 29.855) is None  # east of Beta-1
    new = UnitGridFactory(
        community=small_city.communities["beta1"],
        code="330203002001005",
        polygon=box_polygon(121.56, 29.85, 121.57, 29.86),
    )
    assert grid_index.locate(121.565, 29.855) == new.pk
    new.is_active = False
    new.save()
    assert grid_index.locate(121.565, 29.855) is None


def test_other_processes_notice_changes_by_the_table_fingerprint(small_city):
    # A second index stands for another worker: it gets no signal from this process.
    other = GridIndex(recheck_seconds=0)
    assert other.locate(121.565, 29.855) is None
    community = small_city.communities["beta1"]
    grid = UnitGrid(
        community=community,
        code="330203002001005",
        polygon=box_polygon(121.56, 29.85, 121.57, 29.86),
    )
    grid.path = f"{community.path}{grid.code}/"
    UnitGrid.objects.bulk_create([grid])  # no signals
    assert other.locate(121.565, 29.855) == grid.pk


def test_between_rechecks_the_index_is_not_queried_again(small_city, django_assert_num_queries):
    index = GridIndex(recheck_seconds=3600)
    index.locate(121.505, 29.865)
    with django_assert_num_queries(0):
        assert index.locate(121.505, 29.865) is not None
