"""Coordinate systems of Chinese maps: WGS-84, GCJ-02 (国测局, "Mars") and BD-09 (百度).

CityOps stores WGS-84 (GPS) only. Phones and map apps hand us GCJ-02 (AMap/高德, Tencent/腾讯,
WeChat) or BD-09 (Baidu/百度), which are WGS-84 plus a deliberate, smooth offset of a few hundred
metres inside mainland China; ``to_wgs84`` removes it on entry.

The forward GCJ-02 formula is the published one (as in eviltransform / coordtransform); it has no
closed inverse, so GCJ-02 -> WGS-84 and BD-09 -> GCJ-02 are solved by fixed-point iteration to
well under a centimetre (the one-step inverse most libraries use is off by up to ~2 m).
Outside China (the usual rectangle test) GCJ-02 equals WGS-84 and input comes back unchanged.

Every function takes ``(lon, lat)`` in GeoJSON order. The ``*_many`` variants take numpy arrays
(or anything array-like) and are vectorised; the scalar ones return Python floats.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

WGS84 = "wgs84"
GCJ02 = "gcj02"
BD09 = "bd09"
CRS_CHOICES = (WGS84, GCJ02, BD09)
# Spellings clients actually send (EPSG:4326 is WGS-84 lon/lat).
_CRS_ALIASES = {
    "wgs84": WGS84,
    "wgs-84": WGS84,
    "wgs_84": WGS84,
    "gps": WGS84,
    "epsg:4326": WGS84,
    "4326": WGS84,
    "crs84": WGS84,
    "gcj02": GCJ02,
    "gcj-02": GCJ02,
    "gcj_02": GCJ02,
    "gcj": GCJ02,
    "bd09": BD09,
    "bd-09": BD09,
    "bd_09": BD09,
    "bd09ll": BD09,
    "baidu": BD09,
}

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 obfuscation.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
# BD-09 adds a second offset on top of GCJ-02 with this constant (Baidu's published value).
_BD_X_PI = math.pi * 3000.0 / 180.0
_BD_DLON = 0.0065
_BD_DLAT = 0.006

# The rectangle every reference implementation uses for "inside China".
_CHINA_MIN_LON, _CHINA_MAX_LON = 72.004, 137.8347
_CHINA_MIN_LAT, _CHINA_MAX_LAT = 0.8293, 55.8271

# Iterative inverses stop when the residual is below ~1 mm (1e-8 degrees).
_INVERSE_TOLERANCE_DEG = 1e-8
_INVERSE_MAX_STEPS = 30

Floats = NDArray[np.float64]


def normalize_crs(crs: str | None) -> str:
    """The canonical name of a coordinate system, or ValueError naming the accepted ones."""
    key = (crs or WGS84).strip().lower()
    try:
        return _CRS_ALIASES[key]
    except KeyError:
        raise ValueError(
            f"Unknown coordinate system {crs!r}: use one of {', '.join(CRS_CHOICES)}."
        ) from None


# --- vectorised core -------------------------------------------------------------------------


def _arrays(lons: ArrayLike, lats: ArrayLike) -> tuple[Floats, Floats]:
    x = np.asarray(lons, dtype=np.float64)
    y = np.asarray(lats, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"lons and lats differ in shape: {x.shape} != {y.shape}.")
    return x, y


def out_of_china_many(lons: ArrayLike, lats: ArrayLike) -> NDArray[np.bool_]:
    x, y = _arrays(lons, lats)
    return (x < _CHINA_MIN_LON) | (x > _CHINA_MAX_LON) | (y < _CHINA_MIN_LAT) | (y > _CHINA_MAX_LAT)


def _gcj_offset(x: Floats, y: Floats) -> tuple[Floats, Floats]:
    """The GCJ-02 offset (degrees) at WGS-84 point (x, y), zero outside China."""
    dx, dy = x - 105.0, y - 35.0
    dlat = -100.0 + 2.0 * dx + 3.0 * dy + 0.2 * dy * dy + 0.1 * dx * dy + 0.2 * np.sqrt(np.abs(dx))
    dlon = 300.0 + dx + 2.0 * dy + 0.1 * dx * dx + 0.1 * dx * dy + 0.1 * np.sqrt(np.abs(dx))
    common = (20.0 * np.sin(6.0 * dx * np.pi) + 20.0 * np.sin(2.0 * dx * np.pi)) * 2.0 / 3.0
    dlat += common
    dlon += common
    dlat += (20.0 * np.sin(dy * np.pi) + 40.0 * np.sin(dy / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (20.0 * np.sin(dx * np.pi) + 40.0 * np.sin(dx / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(dy / 12.0 * np.pi) + 320.0 * np.sin(dy * np.pi / 30.0)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(dx / 12.0 * np.pi) + 300.0 * np.sin(dx / 30.0 * np.pi)) * 2.0 / 3.0
    radlat = y / 180.0 * np.pi
    magic = 1.0 - _KRASOVSKY_EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_KRASOVSKY_A / sqrtmagic * np.cos(radlat) * np.pi)
    outside = out_of_china_many(x, y)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def wgs84_to_gcj02_many(lons: ArrayLike, lats: ArrayLike) -> tuple[Floats, Floats]:
    x, y = _arrays(lons, lats)
    dlon, dlat = _gcj_offset(x, y)
    return x + dlon, y + dlat


def _invert(forward, x: Floats, y: Floats) -> tuple[Floats, Floats]:
    """Solve forward(u, v) == (x, y) by fixed-point iteration (the offsets are smooth and
    tiny, so each step gains about four orders of magnitude)."""
    u, v = x.copy(), y.copy()
    for _ in range(_INVERSE_MAX_STEPS):
        fx, fy = forward(u, v)
        ex, ey = fx - x, fy - y
        u -= ex
        v -= ey
        if ex.size == 0 or max(np.nanmax(np.abs(ex)), np.nanmax(np.abs(ey))) < (
            _INVERSE_TOLERANCE_DEG
        ):
            break
    return u, v


def gcj02_to_wgs84_many(lons: ArrayLike, lats: ArrayLike) -> tuple[Floats, Floats]:
    x, y = _arrays(lons, lats)
    return _invert(wgs84_to_gcj02_many, x, y)


def gcj02_to_bd09_many(lons: ArrayLike, lats: ArrayLike) -> tuple[Floats, Floats]:
    x, y = _arrays(lons, lats)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _BD_X_PI)
    return z * np.cos(theta) + _BD_DLON, z * np.sin(theta) + _BD_DLAT


def bd09_to_gcj02_many(lons: ArrayLike, lats: ArrayLike) -> tuple[Floats, Floats]:
    x, y = _arrays(lons, lats)
    return _invert(gcj02_to_bd09_many, x, y)


def wgs84_to_bd09_many(lons: ArrayLike, lats: ArrayLike) -> tuple[Floats, Floats]:
    return gcj02_to_bd09_many(*wgs84_to_gcj02_many(lons, lats))


def bd09_to_wgs84_many(lons: ArrayLike, lats: ArrayLike) -> tuple[Floats, Floats]:
    return gcj02_to_wgs84_many(*bd09_to_gcj02_many(lons, lats))


_TO_WGS84 = {
    WGS84: lambda x, y: _arrays(x, y),
    GCJ02: gcj02_to_wgs84_many,
    BD09: bd09_to_wgs84_many,
}
_FROM_WGS84 = {
    WGS84: lambda x, y: _arrays(x, y),
    GCJ02: wgs84_to_gcj02_many,
    BD09: wgs84_to_bd09_many,
}


def to_wgs84_many(lons: ArrayLike, lats: ArrayLike, crs: str) -> tuple[Floats, Floats]:
    return _TO_WGS84[normalize_crs(crs)](lons, lats)


def from_wgs84_many(lons: ArrayLike, lats: ArrayLike, crs: str) -> tuple[Floats, Floats]:
    return _FROM_WGS84[normalize_crs(crs)](lons, lats)


# --- scalar wrappers -------------------------------------------------------------------------


def _scalar(func, lon: float, lat: float) -> tuple[float, float]:
    x, y = func(np.array([lon], dtype=np.float64), np.array([lat], dtype=np.float64))
    return float(x[0]), float(y[0])


def out_of_china(lon: float, lat: float) -> bool:
    return bool(out_of_china_many([lon], [lat])[0])


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    return _scalar(wgs84_to_gcj02_many, lon, lat)


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    return _scalar(gcj02_to_wgs84_many, lon, lat)


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    return _scalar(gcj02_to_bd09_many, lon, lat)


def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    return _scalar(bd09_to_gcj02_many, lon, lat)


def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    return _scalar(wgs84_to_bd09_many, lon, lat)


def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    return _scalar(bd09_to_wgs84_many, lon, lat)


def to_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """``(lon, lat)`` given in ``crs`` (wgs84 | gcj02 | bd09) as WGS-84; ValueError otherwise."""
    return _scalar(_TO_WGS84[normalize_crs(crs)], lon, lat)


def from_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """WGS-84 ``(lon, lat)`` expressed in ``crs`` (for drawing on GCJ-02/BD-09 tiles)."""
    return _scalar(_FROM_WGS84[normalize_crs(crs)], lon, lat)


# --- geometries ------------------------------------------------------------------------------


def shape_to_wgs84(geom, crs: str):
    """A shapely geometry given in ``crs`` with every vertex converted to WGS-84."""
    import shapely

    if normalize_crs(crs) == WGS84:
        return geom
    return shapely.transform(
        geom, lambda xy: np.column_stack(to_wgs84_many(xy[:, 0], xy[:, 1], crs))
    )


def shape_from_wgs84(geom, crs: str):
    """A WGS-84 shapely geometry with every vertex expressed in ``crs`` (for GCJ-02 tiles)."""
    import shapely

    if normalize_crs(crs) == WGS84:
        return geom
    return shapely.transform(
        geom, lambda xy: np.column_stack(from_wgs84_many(xy[:, 0], xy[:, 1], crs))
    )
