"""The demo city's geometry and names, as a pure function of a seed (no database).

``city_layout(seed)`` builds a plausible central Ningbo (宁波市 330200): three real districts
(海曙 330203, 江北 330205, 鄞州 330212) meeting at 三江口 where the rivers join, 14 streets
(街道), about 64 communities (社区) and about 1,500 unit grids (单元网格) covering at least the box
lon 121.45-121.65, lat 29.80-29.95.

How it is made:
1. Seed points on a quadtree: 640 m tiles, quartered once in the middle ring and twice in the
   old town, each point jittered. The ring radii wobble with the angle so zones are not circles.
2. Unit grids are the Voronoi cells of those points clipped to a wavy city outline that contains
   the box, snapped to a 1e-7 degree grid. They tile the outline: no gaps, no overlaps.
3. Districts are the sectors between the three rivers (姚江 west, 甬江 north-east, 奉化江 south)
   around 三江口; streets and communities are grown over the cell adjacency graph
   (``areas.partition``), so every area is one connected union of whole grids.
4. Area class (区域类别) follows the zones: A old town, B middle ring, C outer.
5. Grids are numbered west-to-east, north-to-south in their community, communities likewise in
   their street (``areas.geometry.grid_sequence_order``, the rule the GeoJSON import checks).

Same seed, same layout: only ``random.Random(seed)`` is used (stable across Python versions).
The benchmark ``bench/point_to_grid.py`` uses this module too, so it stays DB-free and fast.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from areas.geometry import grid_sequence_order
from areas.partition import RegionGrower, cell_neighbours, make_contiguous
from demo.names import CITY_CODE, CITY_NAME, CITY_SLUG, COMMUNITY_STEMS, DISTRICTS

# The box the grids must cover (WGS-84 degrees): central Ningbo.
BOX = (121.45, 29.80, 121.65, 29.95)
OLD_TOWN = (121.548, 29.873)  # 鼓楼: middle of the A area
JUNCTION = (121.556, 29.875)  # 三江口: where the three districts meet
KM_PER_DEG_LAT = 111.32
KM_PER_DEG_LON = KM_PER_DEG_LAT * math.cos(math.radians(OLD_TOWN[1]))

# The city outline lies outside the box by MARGIN plus a smooth wave of up to WAVE degrees.
OUTLINE_MARGIN_DEG = 0.003
OUTLINE_WAVE_DEG = 0.008
OUTLINE_STEP_DEG = 0.004

TILE_KM = 0.64  # outer grids ~640 m, middle ~320 m, old town ~160 m
CORE_KM = 1.3  # A area radius (before the angular wobble)
MIDDLE_KM = 4.2  # B area radius
JITTER = 0.35  # of the tile size, each way
COORD_GRID_DEG = 1e-7  # ~1 cm; shared edges snap to identical coordinates
COORD_DECIMALS = 7

# Rivers leave 三江口 at these bearings (degrees, counter-clockwise from east) and meander.
RIVER_YONG, RIVER_YAO, RIVER_FENGHUA = 35.0, 165.0, 250.0
MEANDER_DEG = 9.0
MEANDER_KM = 1.7

STREETS_PER_DISTRICT = {"330203": 5, "330205": 4, "330212": 5}
GRIDS_PER_COMMUNITY = 24
MIN_COMMUNITIES_PER_STREET = 3

LEVEL_CITY, LEVEL_DISTRICT, LEVEL_STREET, LEVEL_COMMUNITY = (
    "city",
    "district",
    "street",
    "community",
)


@dataclass(frozen=True)
class AreaSpec:
    """One administrative area of the layout; ``boundary`` is GeoJSON, ``geometry`` shapely."""

    code: str
    name: str
    level: str
    parent_code: str | None
    slug: str
    boundary: dict
    geometry: BaseGeometry = field(compare=False, repr=False)


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


def city_layout(seed: int) -> CityLayout:
    """The demo city for ``seed``: identical for identical seeds, different for different ones."""
    rng = random.Random(seed)
    wobble = _Wobble(rng)
    outline = _outline(rng)
    points, radii = _seed_points(rng, wobble, outline)
    cells = _cells(points, outline)
    centroids = shapely.get_coordinates(shapely.centroid(cells))
    xy_km = _to_km(centroids)
    sizes_km = np.sqrt(shapely.area(cells)) * math.sqrt(KM_PER_DEG_LAT * KM_PER_DEG_LON)
    neighbours = cell_neighbours(cells)
    grower = RegionGrower(xy_km, sizes_km, neighbours)

    district_of = [_district_index(x, y, wobble) for x, y in centroids.tolist()]
    make_contiguous(district_of, neighbours)

    city = _area(CITY_CODE, CITY_NAME, LEVEL_CITY, None, CITY_SLUG, list(cells))
    districts, streets, communities, grids = [], [], [], []
    stems = list(COMMUNITY_STEMS)
    rng.shuffle(stems)
    for d_index, district in enumerate(DISTRICTS):
        d_cells = [cell for cell, d in enumerate(district_of) if d == d_index]
        districts.append(
            _area(
                district.code,
                district.name,
                LEVEL_DISTRICT,
                CITY_CODE,
                district.slug,
                cells[d_cells],
            )
        )
        street_parts = grower.split(d_cells, STREETS_PER_DISTRICT[district.code], rng)
        # Core-first names: the street nearest the old town is 鼓楼 / 中马 / 百丈.
        street_parts.sort(key=lambda part: (_distance_to_old_town(xy_km[part]), part[0]))
        for s_index, s_cells in enumerate(street_parts):
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
            c_parts = grower.split(s_cells, k, rng)
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
                grids.extend(_grids(community_code, community_name, c_cells, cells, radii))
    return CityLayout(
        seed=seed,
        city=city,
        districts=tuple(districts),
        streets=tuple(streets),
        communities=tuple(communities),
        grids=tuple(grids),
    )


def _grids(community_code, community_name, c_cells, cells, radii) -> list[GridSpec]:
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
                area_class=_area_class(radii[cell]),
                polygon=geojson_of(geom),
                geometry=geom,
            )
        )
    return made


def _area(code, name, level, parent_code, slug, member_cells) -> AreaSpec:
    geom = shapely.union_all(member_cells)
    geom = shapely.orient_polygons(geom)
    return AreaSpec(code, name, level, parent_code, slug, geojson_of(geom), geom)


def _area_class(radius_km: float) -> str:
    if radius_km < CORE_KM:
        return "A"
    return "B" if radius_km < MIDDLE_KM else "C"


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
    """Smooth angular wobble: zone radii and river courses vary with direction, per seed."""

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

    def river(self, base_deg: float, r_km: float, which: int) -> float:
        return base_deg + MEANDER_DEG * math.sin(r_km / MEANDER_KM + self.phases[3 + which])


def _to_km(lonlat: np.ndarray) -> np.ndarray:
    return np.column_stack(
        (
            (lonlat[:, 0] - OLD_TOWN[0]) * KM_PER_DEG_LON,
            (lonlat[:, 1] - OLD_TOWN[1]) * KM_PER_DEG_LAT,
        )
    )


def _distance_to_old_town(xy_km: np.ndarray) -> float:
    return float(np.hypot(*xy_km.mean(axis=0)))


def _outline(rng: random.Random) -> Polygon:
    """A wavy city outline containing BOX: each side pushed outwards by a smooth positive wave."""
    min_lon, min_lat, max_lon, max_lat = BOX
    corners = [(min_lon, min_lat), (max_lon, min_lat), (max_lon, max_lat), (min_lon, max_lat)]
    normals = [(0, -1), (1, 0), (0, 1), (-1, 0)]  # outward normal of the side starting at corner i
    waves = [
        (rng.uniform(1, 3), rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi))
        for _ in range(4)
    ]

    def offset(side: int, t: float) -> float:
        freq, p1, p2 = waves[side]
        wave = (
            0.5
            + 0.3 * math.sin(2 * math.pi * freq * t + p1)
            + 0.2 * math.sin(2 * math.pi * 2 * freq * t + p2)
        )
        return OUTLINE_MARGIN_DEG + OUTLINE_WAVE_DEG * wave

    ring = []
    for side in range(4):
        (x0, y0), (x1, y1) = corners[side], corners[(side + 1) % 4]
        nx, ny = normals[side]
        px, py = normals[side - 1]  # the previous side meets this one at the corner
        ring.append(
            (
                x0 + nx * offset(side, 0) + px * offset(side - 1, 1),
                y0 + ny * offset(side, 0) + py * offset(side - 1, 1),
            )
        )
        steps = max(2, round(math.hypot(x1 - x0, y1 - y0) / OUTLINE_STEP_DEG))
        for i in range(1, steps):
            t = i / steps
            ring.append(
                (
                    x0 + (x1 - x0) * t + nx * offset(side, t),
                    y0 + (y1 - y0) * t + ny * offset(side, t),
                )
            )
    return Polygon(ring)


def _seed_points(rng: random.Random, wobble: _Wobble, outline: Polygon):
    """Jittered quadtree points inside the outline, and each point's wobbled radius (km)."""
    min_lon, min_lat, max_lon, max_lat = outline.bounds
    tile_w, tile_h = TILE_KM / KM_PER_DEG_LON, TILE_KM / KM_PER_DEG_LAT
    points: list[tuple[float, float]] = []
    radii: list[float] = []

    def visit(x0: float, y0: float, w: float, h: float, depth: int) -> None:
        cx, cy = x0 + w / 2, y0 + h / 2
        r = wobble.radius((cx - OLD_TOWN[0]) * KM_PER_DEG_LON, (cy - OLD_TOWN[1]) * KM_PER_DEG_LAT)
        wanted = 2 if r < CORE_KM else 1 if r < MIDDLE_KM else 0
        if depth < wanted:
            for dx in (0, 1):
                for dy in (0, 1):
                    visit(x0 + dx * w / 2, y0 + dy * h / 2, w / 2, h / 2, depth + 1)
            return
        points.append(
            (cx + rng.uniform(-JITTER, JITTER) * w, cy + rng.uniform(-JITTER, JITTER) * h)
        )
        radii.append(r)

    cols = math.ceil((max_lon - min_lon) / tile_w)
    rows = math.ceil((max_lat - min_lat) / tile_h)
    for col in range(cols):
        for row in range(rows):
            visit(min_lon + col * tile_w, min_lat + row * tile_h, tile_w, tile_h, 0)
    xy = np.array(points)
    inside = shapely.contains_xy(outline, xy[:, 0], xy[:, 1])
    return xy[inside], np.array(radii)[inside]


def _cells(points: np.ndarray, outline: Polygon) -> np.ndarray:
    """Voronoi cells of the points clipped to the outline, snapped, counter-clockwise."""
    voronoi = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=outline, ordered=True)
    cells = shapely.intersection(shapely.get_parts(voronoi), outline)
    cells = shapely.set_precision(cells, COORD_GRID_DEG)
    cells = np.array([_largest_part(cell) for cell in cells], dtype=object)
    return shapely.orient_polygons(cells)


def _largest_part(geom: BaseGeometry) -> Polygon:
    """A clipped cell is one polygon; if the outline cut it in two, keep the main piece.

    The dropped sliver lies outside the box (the outline only wiggles beyond it), so coverage of
    the box is unaffected.
    """
    if geom.geom_type == "Polygon":
        return geom
    return max(shapely.get_parts(geom), key=lambda part: part.area)


def _district_index(lon: float, lat: float, wobble: _Wobble) -> int:
    """0 海曙 (between 姚江 and 奉化江), 1 江北 (between 甬江 and 姚江), 2 鄞州 (the rest)."""
    x = (lon - JUNCTION[0]) * KM_PER_DEG_LON
    y = (lat - JUNCTION[1]) * KM_PER_DEG_LAT
    r = math.hypot(x, y)
    bearing = math.degrees(math.atan2(y, x)) % 360
    yong = wobble.river(RIVER_YONG, r, 0)
    yao = wobble.river(RIVER_YAO, r, 1)
    fenghua = wobble.river(RIVER_FENGHUA, r, 2)
    if yong <= bearing < yao:
        return 1
    if yao <= bearing < fenghua:
        return 0
    return 2
