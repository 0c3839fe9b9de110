"""Streets, communities and unit grids generated inside a district's real outline (划分生成).

A city that has its districts' official outlines (areas.official) but not yet its own GeoJSON
of streets, communities and grids gets a stand-in: jittered points every ``tile_km`` inside
the outline, their Voronoi cells clipped to it (the grids), grown into contiguous streets and
communities over the cells' adjacency graph (areas.partition). Codes are valid GB/T 47678.3
ones: street = district + 3 digits, community = street + 3, grid = community + 3 (15
characters), grids numbered west-to-east, north-to-south in their community as the import
checks. The result is a FeatureCollection's features in WGS-84 for ``areas.services.
import_areas``; replace it with the city's real division by importing that file later.

Deterministic for a seed. Islands (parts of the outline not connected to the mainland cells)
join the street nearest to them.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from areas.geometry import grid_sequence_order
from areas.partition import RegionGrower, cell_neighbours, components, split_with_islands

KM_PER_DEG_LAT = 111.32
COORD_GRID_DEG = 1e-7  # ~1 cm: shared edges snap to identical coordinates
DEFAULT_TILE_KM = 1.0
GRIDS_PER_COMMUNITY = 24
KM2_PER_STREET = 40.0
MIN_STREETS, MAX_STREETS = 3, 30
JITTER = 0.35


@dataclass(frozen=True)
class Division:
    streets: int
    communities: int
    grids: int
    features: list[dict]


def subdivide(
    code: str,
    name: str,
    outline: BaseGeometry,
    *,
    tile_km: float = DEFAULT_TILE_KM,
    streets: int | None = None,
    seed: int = 1,
) -> Division:
    """Streets, communities and grids of district ``code`` covering ``outline`` (WGS-84)."""
    if not tile_km > 0:
        raise ValueError(f"tile_km must be a positive number of kilometres, not {tile_km}")
    rng = random.Random(f"{seed}:{code}")
    cells = _cells(outline, tile_km, rng)
    if len(cells) < MIN_STREETS:
        raise ValueError(f"{code} {name}: the outline is too small for tiles of {tile_km} km")
    km_lon = KM_PER_DEG_LAT * math.cos(math.radians(outline.centroid.y))
    centroids = shapely.get_coordinates(shapely.centroid(cells))
    xy_km = centroids * np.array([km_lon, KM_PER_DEG_LAT])
    sizes = np.sqrt(shapely.area(cells)) * math.sqrt(km_lon * KM_PER_DEG_LAT)
    neighbours = cell_neighbours(cells)
    grower = RegionGrower(xy_km, sizes, neighbours)
    mainland, *islands = components(range(len(cells)), neighbours)
    area_km2 = float(shapely.area(outline)) * km_lon * KM_PER_DEG_LAT
    k = streets or min(MAX_STREETS, max(MIN_STREETS, round(area_km2 / KM2_PER_STREET)))
    street_parts = grower.split(mainland, min(k, len(mainland)), rng)
    for island in islands:  # the nearest street takes the island
        centre = xy_km[island].mean(axis=0)
        nearest = min(
            range(len(street_parts)),
            key=lambda s: float(np.min(np.sum((xy_km[street_parts[s]] - centre) ** 2, axis=1))),
        )
        street_parts[nearest] = street_parts[nearest] + island
    # Streets numbered like grids: north-west first.
    shapes = [shapely.union_all(cells[p]) for p in street_parts]
    features: list[dict] = []
    n_communities = n_grids = 0
    for s_index, position in enumerate(grid_sequence_order(shapes), start=1):
        s_cells = street_parts[position]
        street_code = f"{code}{s_index:03d}"
        street_name = f"{name}第{s_index}街道"
        features.append(_area(street_code, street_name, "street", code, shapes[position]))
        k = max(1, round(len(s_cells) / GRIDS_PER_COMMUNITY))
        c_parts = split_with_islands(grower, s_cells, k, rng)
        c_shapes = [shapely.union_all(cells[p]) for p in c_parts]
        for c_index, c_pos in enumerate(grid_sequence_order(c_shapes), start=1):
            community_code = f"{street_code}{c_index:03d}"
            community_name = f"{street_name}第{c_index}社区"
            features.append(
                _area(community_code, community_name, "community", street_code, c_shapes[c_pos])
            )
            n_communities += 1
            members = c_parts[c_pos]
            for seq, g_pos in enumerate(grid_sequence_order(list(cells[members])), start=1):
                features.append(
                    {
                        "type": "Feature",
                        "geometry": _geojson(cells[members[g_pos]]),
                        "properties": {
                            "level": "grid",
                            "code": f"{community_code}{seq:03d}",
                            "name": f"{community_name}第{seq}网格",
                            "community": community_code,
                            "area_class": "B",
                        },
                    }
                )
                n_grids += 1
    return Division(len(street_parts), n_communities, n_grids, features)


def _cells(outline: BaseGeometry, tile_km: float, rng: random.Random) -> np.ndarray:
    """Voronoi cells of jittered tile centres inside the outline, clipped to it."""
    km_lon = KM_PER_DEG_LAT * math.cos(math.radians(outline.centroid.y))
    w, h = tile_km / km_lon, tile_km / KM_PER_DEG_LAT
    x0, y0, x1, y1 = outline.bounds
    points = [
        (x0 + (i + 0.5 + rng.uniform(-JITTER, JITTER)) * w,
         y0 + (j + 0.5 + rng.uniform(-JITTER, JITTER)) * h)
        for i in range(math.ceil((x1 - x0) / w))
        for j in range(math.ceil((y1 - y0) / h))
    ]  # fmt: skip
    xy = np.array(points)
    xy = xy[shapely.contains_xy(outline, xy[:, 0], xy[:, 1])]
    if len(xy) < 2:
        return np.array([], dtype=object)
    voronoi = shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=outline, ordered=True)
    cells = shapely.intersection(shapely.get_parts(voronoi), outline)
    cells = shapely.set_precision(cells, COORD_GRID_DEG)
    kept = [_largest_part(c) for c in cells if not c.is_empty]
    return shapely.orient_polygons(np.array([c for c in kept if c.area > 0], dtype=object))


def _largest_part(geom: BaseGeometry) -> BaseGeometry:
    if geom.geom_type == "Polygon":
        return geom
    return max(shapely.get_parts(geom), key=lambda part: part.area)


def _area(code: str, name: str, level: str, parent: str, geom: BaseGeometry) -> dict:
    return {
        "type": "Feature",
        "geometry": _geojson(shapely.orient_polygons(geom)),
        "properties": {"level": level, "code": code, "name": name, "parent": parent},
    }


def _geojson(geom: BaseGeometry) -> dict:
    return shapely.geometry.mapping(geom)
