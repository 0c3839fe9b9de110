"""Metric geometry for tracks: a local plane in metres, and GeoJSON fences and centrelines.

Track rules measure tens to hundreds of metres inside one city, so a local equirectangular
plane (east/north metres from a reference point, with the WGS-84 radii of curvature at the
reference latitude) is accurate to well under 0.1 % within 50 km, costs one numpy multiply per
coordinate, and needs no pyproj transformer per reference point. Lengths stored on rows use
the geodesic (pyproj.Geod) instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.errors import ShapelyError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from areas.geometry import WGS84_GEOD

WGS84_A = 6_378_137.0
WGS84_E2 = 6.694_379_990_14e-3
LINE_TYPES = ("LineString", "MultiLineString")
AREA_TYPES = ("Polygon", "MultiPolygon")


class GeometryProblem(ValueError):
    """A GeoJSON geometry we cannot use; the message says why."""


@dataclass(frozen=True, slots=True)
class Frame:
    """A local plane: x metres east and y metres north of (lon0, lat0)."""

    lon0: float
    lat0: float

    @property
    def _scale(self) -> tuple[float, float]:
        phi = math.radians(self.lat0)
        w = math.sqrt(1 - WGS84_E2 * math.sin(phi) ** 2)
        meridional = WGS84_A * (1 - WGS84_E2) / w**3
        prime_vertical = WGS84_A / w
        return math.radians(1) * prime_vertical * math.cos(phi), math.radians(1) * meridional

    @classmethod
    def around(cls, lons: ArrayLike, lats: ArrayLike) -> Frame:
        lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
        if not lons.size:
            return cls(0.0, 0.0)
        return cls(float((lons.min() + lons.max()) / 2), float((lats.min() + lats.max()) / 2))

    def xy(self, lons: ArrayLike, lats: ArrayLike) -> tuple[NDArray, NDArray]:
        kx, ky = self._scale
        return (
            (np.asarray(lons, dtype=float) - self.lon0) * kx,
            (np.asarray(lats, dtype=float) - self.lat0) * ky,
        )

    def project(self, geom: BaseGeometry) -> BaseGeometry:
        kx, ky = self._scale
        offset = np.array([self.lon0, self.lat0])
        scale = np.array([kx, ky])
        return shapely.transform(geom, lambda c: (c - offset) * scale)


def _shape(geojson: object, allowed: tuple[str, ...]) -> BaseGeometry:
    if not isinstance(geojson, dict):
        raise GeometryProblem("the geometry must be a GeoJSON object")
    kind = geojson.get("type")
    if kind not in allowed:
        raise GeometryProblem(f"geometry type must be {' or '.join(allowed)}, not {kind!r}")
    try:
        geom = shape(geojson)
    except (ShapelyError, ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
        raise GeometryProblem(f"malformed coordinates ({exc})") from None
    if geom.is_empty:
        raise GeometryProblem("the geometry is empty")
    min_x, min_y, max_x, max_y = geom.bounds
    if not (-180 <= min_x <= max_x <= 180 and -90 <= min_y <= max_y <= 90):
        raise GeometryProblem(
            f"coordinates are not WGS-84 degrees (bounds {min_x:g}, {min_y:g}, {max_x:g}, "
            f"{max_y:g}); projected coordinates or swapped axes?"
        )
    if not geom.is_valid:
        raise GeometryProblem(f"the geometry is not valid: {shapely.is_valid_reason(geom)}")
    return geom


def parse_line(geojson: object) -> BaseGeometry:
    """A road centreline: a (Multi)LineString with a length."""
    geom = _shape(geojson, LINE_TYPES)
    if geom.length == 0:
        raise GeometryProblem("the line has zero length")
    return geom


def parse_fence(geojson: object, *, buffer_m: float) -> BaseGeometry:
    """A fence: a line (needs a buffer above 0) or a polygon with area."""
    geom = _shape(geojson, LINE_TYPES + AREA_TYPES)
    if geom.geom_type in LINE_TYPES and buffer_m <= 0:
        raise GeometryProblem("a line fence needs a buffer above 0 m (the corridor's half width)")
    if geom.geom_type in AREA_TYPES and geom.area == 0:
        raise GeometryProblem("the polygon has zero area")
    return geom


def fence_area(geom: BaseGeometry, *, buffer_m: float, frame: Frame) -> BaseGeometry:
    """The fence as an area in ``frame`` metres (lines buffered with flat-free round caps)."""
    projected = frame.project(geom)
    return projected.buffer(buffer_m) if buffer_m > 0 else projected


def geodesic_length_m(geom: BaseGeometry) -> float:
    return float(WGS84_GEOD.geometry_length(geom))
