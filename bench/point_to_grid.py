"""Bench: bulk point -> unit grid lookup (CityOps GridIndex.locate_many vs a plain STRtree query).

    .venv/bin/python bench/point_to_grid.py [--size 1000000] [--grids 0] [--seed 1] [--repeat 3]

Grids: the demo city's own layout (``demo.layout.city_layout(seed)``, ~2,100 irregular grids
over four real districts, ~2,300 km²; lon 121.45-121.65, lat 29.80-29.95 is its centre, ~1,200
of them) by default; ``--grids N`` instead tiles the same box
with N Voronoi cells (e.g. 10000 for the DESIGN.md target "point -> grid on 10 k grids").
Points: ``--size`` uniform random WGS-84 points over the box.

Both sides start from the same lon/lat float arrays and answer "which polygon holds each point":
* CityOps: ``core.spatial.GridIndex(ids=..., polygons=...).locate_many(lons, lats)``;
* baseline: ``shapely.STRtree(polygons).query(shapely.points(lons, lats), predicate="intersects")``
  in the same process (making the points is part of the work: both start from floats). Index
  builds are excluded from both timings; best of ``--repeat`` runs. The query time on ready-made
  points is printed too, for reference. The answers are compared point by point (the
  baseline's smallest hit) before any number is reported.

Target (DESIGN.md): >= 200,000 points/s and >= 0.8 of the baseline.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import shapely
from _common import best_time, emit  # also puts the project root on sys.path

from core.spatial import GridIndex

BOX = (121.45, 29.80, 121.65, 29.95)
NAME = "point_to_grid"


def demo_polygons(seed: int) -> np.ndarray:
    from demo.layout import city_layout

    return city_layout(seed).grid_geometries


def voronoi_polygons(count: int, seed: int) -> np.ndarray:
    """``count`` irregular cells tiling BOX (a stand-in for a bigger city's grids)."""
    rng = np.random.default_rng(seed)
    min_x, min_y, max_x, max_y = BOX
    seeds = shapely.multipoints(
        np.column_stack([rng.uniform(min_x, max_x, count), rng.uniform(min_y, max_y, count)])
    )
    box = shapely.box(*BOX)
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=box))
    return shapely.intersection(cells, box)


def baseline_query(tree: shapely.STRtree, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """The plain-shapely way: (point index, polygon index) pairs of every hit."""
    return tree.query(shapely.points(lons, lats), predicate="intersects")


def first_hits(pairs: np.ndarray, size: int) -> np.ndarray:
    """Per point, the smallest polygon index hit (-1 for none); for checking, not timed."""
    point_idx, tree_idx = pairs
    first = np.full(size, -1, dtype=np.int64)
    # Largest first, so the smallest index of a point with several hits is written last.
    order = np.lexsort((-tree_idx, point_idx))
    first[point_idx[order]] = tree_idx[order]
    return first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="points (default 1,000,000)")
    parser.add_argument("--grids", type=int, default=0, help="Voronoi grids (0 = demo layout)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    polygons = voronoi_polygons(args.grids, args.seed) if args.grids else demo_polygons(args.seed)
    source = f"{args.grids} Voronoi cells" if args.grids else "demo.layout"
    print(f"grids: {len(polygons)} ({source}), made in {time.perf_counter() - started:.2f}s")

    rng = np.random.default_rng(args.seed)
    lons = rng.uniform(BOX[0], BOX[2], args.size)
    lats = rng.uniform(BOX[1], BOX[3], args.size)

    # Codes in tree order, so "smallest code" and "smallest tree index" are the same choice.
    codes = [f"{i:015d}" for i in range(len(polygons))]
    build, index = best_time(
        lambda: GridIndex(ids=range(len(polygons)), polygons=polygons, codes=codes), repeat=1
    )
    # The baseline gets its own copies: GridIndex prepares the polygons it is given in place.
    plain = shapely.from_wkb(shapely.to_wkb(polygons))
    baseline_build, tree = best_time(lambda: shapely.STRtree(plain), repeat=1)
    print(f"build: CityOps {build:.3f}s, baseline STRtree {baseline_build:.3f}s")

    ours_s, ours = best_time(lambda: index.locate_many(lons, lats), repeat=args.repeat)
    base_s, pairs = best_time(lambda: baseline_query(tree, lons, lats), repeat=args.repeat)
    base = first_hits(pairs, args.size)
    points_s, points = best_time(lambda: shapely.points(lons, lats), repeat=1)
    query_s, _ = best_time(lambda: tree.query(points, predicate="intersects"), repeat=args.repeat)

    mismatches = int(np.count_nonzero(ours != base))
    located = int(np.count_nonzero(ours >= 0))
    print(f"points: {args.size:,}, inside a grid: {located:,}, answers differing: {mismatches}")
    if mismatches:
        raise SystemExit(f"{NAME}: {mismatches} answers differ from the baseline")
    value, baseline = args.size / ours_s, args.size / base_s
    print(f"CityOps locate_many: {ours_s:.3f}s = {value:,.0f} points/s")
    print(f"baseline STRtree.query: {base_s:.3f}s = {baseline:,.0f} points/s")
    print(
        f"  of which shapely.points {points_s:.3f}s, query on ready points {query_s:.3f}s "
        f"= {args.size / query_s:,.0f} points/s"
    )
    print("target: >= 200,000 points/s and ratio >= 0.8")
    emit(bench=NAME, value=value, unit="points/s", baseline=baseline, n=args.size)


if __name__ == "__main__":
    main()
