"""Geometry helpers for areas and grids: GeoJSON <-> shapely, bbox, centroid, geodesic area."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from pyproj import Geod
from shapely.errors import ShapelyError
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

if TYPE_CHECKING:
    from areas.models import UnitGrid

WGS84_GEOD = Geod(ellps="WGS84")


def to_shape(geojson: dict) -> BaseGeometry:
    """A shapely geometry from a GeoJSON geometry dict."""
    return shape(geojson)


def to_geojson(geom: BaseGeometry) -> dict:
    return dict(mapping(geom))


def geodesic_area_m2(geom: BaseGeometry) -> float:
    area, _perimeter = WGS84_GEOD.geometry_area_perimeter(geom)
    return abs(area)


def fill_grid_geometry_fields(grid: UnitGrid) -> None:
    """Derive bbox, centroid and area of a grid from its polygon (called on save)."""
    geom = to_shape(grid.polygon)
    grid.min_lon, grid.min_lat, grid.max_lon, grid.max_lat = geom.bounds
    centroid = geom.centroid
    grid.centroid_lon, grid.centroid_lat = centroid.x, centroid.y
    grid.area_m2 = geodesic_area_m2(geom)


class GeometryError(ValueError):
    """A GeoJSON geometry that cannot be a grid or area boundary; the message says why."""


POLYGON_TYPES = ("Polygon", "MultiPolygon")
METRES_PER_DEGREE_LAT = 111_320.0
# Coordinates are WGS-84 degrees: anything larger is projected metres or swapped axes.
LON_RANGE = (-180.0, 180.0)
LAT_RANGE = (-90.0, 90.0)


def parse_polygon(geojson: object) -> BaseGeometry:
    """A valid shapely (Multi)Polygon from GeoJSON, or GeometryError naming the problem.

    Self-intersections and other invalid rings are refused with GEOS's explanation (which
    carries the offending coordinate) so the person fixing the file knows where to look.
    """
    if not isinstance(geojson, dict):
        raise GeometryError("geometry must be a GeoJSON object")
    kind = geojson.get("type")
    if kind not in POLYGON_TYPES:
        raise GeometryError(f"geometry type must be Polygon or MultiPolygon, not {kind!r}")
    try:
        geom = shape(geojson)
    except (ShapelyError, ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
        raise GeometryError(f"malformed coordinates ({exc})") from None
    if geom.is_empty:
        raise GeometryError("geometry is empty")
    min_x, min_y, max_x, max_y = geom.bounds
    if not (
        LON_RANGE[0] <= min_x <= max_x <= LON_RANGE[1]
        and LAT_RANGE[0] <= min_y <= max_y <= LAT_RANGE[1]
    ):
        raise GeometryError(
            "coordinates are outside WGS-84 longitude/latitude degrees "
            f"(bounds {min_x:g}, {min_y:g}, {max_x:g}, {max_y:g}); "
            "projected coordinates or swapped axes?"
        )
    if not geom.is_valid:
        raise GeometryError(f"polygon is not valid: {explain_validity(geom)}")
    if geom.area == 0:
        raise GeometryError("polygon has zero area")
    return geom


def degrees_for_metres(metres: float, lat: float) -> float:
    """A distance in degrees that is at least ``metres`` in both directions at ``lat``."""
    return metres / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01))


def grid_sequence_order(polygons: Sequence[BaseGeometry]) -> list[int]:
    """Positions of ``polygons`` in grid-sequence order: rows north-to-south, west-to-east in a row.

    The 3-digit sequence of a grid code runs 从西向东、由北至南 inside a community (Beijing DB11
    单元网格划分, the rule GB/T 47678.3 codes follow). Irregular grids have no exact rows, so centroids are banded by latitude with the
    typical (median) grid height as the band; within a band, west comes first.
    """
    if not polygons:
        return []
    centroids = np.array([(p.centroid.x, p.centroid.y) for p in polygons])
    heights = np.array([p.bounds[3] - p.bounds[1] for p in polygons])
    band = float(np.median(heights)) or 1e-9
    top = centroids[:, 1].max()
    # rint, not floor: regular rows sit at whole multiples of the band, give or take rounding.
    row = np.rint((top - centroids[:, 1]) / band)
    return [int(i) for i in np.lexsort((centroids[:, 0], row))]


def round_coords(geometry: dict, ndigits: int = 6) -> dict:
    """A copy of a GeoJSON geometry with coordinates rounded (6 decimals ~ 0.1 m) for maps."""

    def _round(value):
        if isinstance(value, (list, tuple)):
            return [_round(v) for v in value]
        return round(value, ndigits)

    return {"type": geometry["type"], "coordinates": _round(geometry["coordinates"])}


def geojson_in(geometry: dict | None, crs: str, ndigits: int = 6) -> dict | None:
    """A WGS-84 GeoJSON geometry expressed in ``crs`` (for GCJ-02 tiles), rounded for a map."""
    from shapely.geometry import mapping, shape

    from core import coords

    if geometry is None:
        return None
    if coords.normalize_crs(crs) == coords.WGS84:
        return round_coords(geometry, ndigits)
    return round_coords(mapping(coords.shape_from_wgs84(shape(geometry), crs)), ndigits)


def metres_outside(geojson: dict, lon: float, lat: float) -> float:
    """How far (geodesic metres) the WGS-84 point lies outside the polygon; 0 inside or on it."""
    from shapely.geometry import Point
    from shapely.ops import nearest_points

    polygon, point = to_shape(geojson), Point(lon, lat)
    if polygon.covers(point):
        return 0.0
    nearest = nearest_points(polygon, point)[0]
    _fwd, _back, metres = WGS84_GEOD.inv(lon, lat, nearest.x, nearest.y)
    return float(metres)
