"""Geometry helpers for areas and grids: GeoJSON <-> shapely, bbox, centroid, geodesic area."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyproj import Geod
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

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
