"""Checks for the GeoJSON areas import: each feature alone, then against the file and CityOps.

Nothing here writes. ``check_features`` turns raw features into ``CheckedFeature`` rows plus
``FeatureProblem``s (position, code, reason); ``import_warnings`` lists doubts that do not
refuse a file. ``areas.services.import_areas`` writes only when there is no problem at all.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from areas.geometry import (
    GeometryError,
    degrees_for_metres,
    geodesic_area_m2,
    grid_sequence_order,
    parse_polygon,
)
from areas.models import (
    FEATURE_LEVELS,
    GRID_LEVEL,
    AdminArea,
    AreaClass,
    area_code_problems,
    grid_code_problems,
)
from core import coords
from core.errors import ValidationFailed

# A grid may stick out of its community's surveyed boundary by this much (digitising noise).
CONTAINMENT_TOLERANCE_M = 0.5
# Overlaps smaller than this between two grids are digitising noise, not worth a warning.
OVERLAP_WARNING_M2 = 1.0
MAX_LISTED_WARNINGS = 20
_WGS84_CRS_NAMES = {
    "urn:ogc:def:crs:ogc:1.3:crs84",
    "urn:ogc:def:crs:epsg::4326",
    "epsg:4326",
    "crs84",
}


@dataclass(frozen=True)
class FeatureProblem:
    """Why one feature (1-based position in the file) cannot be imported."""

    index: int
    code: str | None
    reason: str

    def __str__(self) -> str:
        where = f"feature #{self.index}" if self.index else "file"
        return f"{where} ({self.code}): {self.reason}" if self.code else f"{where}: {self.reason}"


class AreaImportError(ValidationFailed):
    """The file was refused as a whole; ``problems`` lists every reason."""

    code = "invalid_areas"

    def __init__(self, problems: list[FeatureProblem]):
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(
            f"Nothing imported, {len(problems)} problem(s): {shown}{more}",
            details={"problems": [asdict(p) for p in problems]},
        )
        self.problems = problems


@dataclass
class CheckedFeature:
    """One checked feature, ready to write."""

    index: int
    level: str
    code: str
    name: str
    parent_code: str | None  # parent area, or the responsible community of a grid
    geometry: BaseGeometry | None
    area_class: str = AreaClass.B
    is_active: bool = True
    boundary_derived: bool = False


def read_feature_collection(path: str | Path) -> list[dict]:
    """The features of a GeoJSON FeatureCollection file, or AreaImportError saying why not."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise AreaImportError([FeatureProblem(0, None, f"cannot read {path}: {exc}")]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AreaImportError([FeatureProblem(0, None, f"not JSON: {exc}")]) from None
    return features_of(data)


def features_of(data: object) -> list[dict]:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise AreaImportError([FeatureProblem(0, None, "not a GeoJSON FeatureCollection")])
    crs = data.get("crs")
    crs_name = (crs.get("properties") or {}).get("name") if isinstance(crs, dict) else None
    if crs_name and str(crs_name).lower() not in _WGS84_CRS_NAMES:
        raise AreaImportError(
            [
                FeatureProblem(
                    0, None, f"coordinates must be WGS-84 lon/lat, the file says {crs_name}"
                )
            ]
        )
    features = data.get("features")
    if not isinstance(features, list):
        raise AreaImportError([FeatureProblem(0, None, "'features' must be a list")])
    return features


def check_features(
    features: list, *, crs: str, tick: Callable[[int], object] | None = None
) -> tuple[list[CheckedFeature], list[FeatureProblem]]:
    """Every feature checked alone (``tick(1)`` after each), then all of them together."""
    items: list[CheckedFeature] = []
    problems: list[FeatureProblem] = []
    for index, feature in enumerate(features, start=1):
        item, reasons = _parse_feature(index, feature, crs)
        code = item.code if item else _loose_code(feature)
        problems += [FeatureProblem(index, code, r) for r in reasons]
        if item and not reasons:
            items.append(item)
        if tick:
            tick(1)
    refused = {p.code for p in problems if p.code}
    problems += _check_relations(items, refused)
    return items, sorted(problems, key=lambda p: p.index)


def _loose_code(feature: object) -> str | None:
    props = feature.get("properties") if isinstance(feature, dict) else None
    code = props.get("code") if isinstance(props, dict) else None
    return str(code) if code is not None else None


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _parse_feature(
    index: int, feature: object, crs: str
) -> tuple[CheckedFeature | None, list[str]]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return None, ["not a GeoJSON Feature"]
    props = feature.get("properties")
    if not isinstance(props, dict):
        return None, ["'properties' must be an object"]
    reasons: list[str] = []
    level = _text(props.get("level")).lower()
    if level not in FEATURE_LEVELS:
        reasons.append(f"'level' must be one of {', '.join(FEATURE_LEVELS)}, not {level!r}")
    code = _text(props.get("code"))
    if not code:
        reasons.append("'code' is missing")
    name = _text(props.get("name"))
    if len(name) > 100:
        reasons.append("'name' is longer than 100 characters")

    geometry = None
    raw_geometry = feature.get("geometry")
    if raw_geometry is None:
        if level == GRID_LEVEL:
            reasons.append("a grid needs a polygon geometry")
    else:
        try:
            geometry = _to_wgs84(parse_polygon(raw_geometry), crs)
        except GeometryError as exc:
            reasons.append(str(exc))

    if level == GRID_LEVEL:
        area_class = _text(props.get("area_class") or AreaClass.B).upper()
        if area_class not in AreaClass.values:
            reasons.append(f"'area_class' must be A, B or C, not {area_class!r}")
        community = _text(props.get("community")) or code[:12]
        active = props.get("active", True)
        if not isinstance(active, bool):
            reasons.append(f"'active' must be true or false, not {active!r}")
        item = CheckedFeature(index, level, code, name, community, geometry, area_class=area_class)
        item.is_active = active is not False
    else:
        if not name:
            reasons.append("'name' is missing")
        parent = _text(props.get("parent")) or None
        item = CheckedFeature(index, level, code, name, parent, geometry)
        item.boundary_derived = bool(props.get("boundary_derived", False))
    return item, reasons


def _to_wgs84(geom: BaseGeometry, crs: str) -> BaseGeometry:
    return coords.shape_to_wgs84(geom, crs)


def _check_relations(items: list[CheckedFeature], refused: set[str]) -> list[FeatureProblem]:
    """Checks that need the whole file and the database: duplicates, parents, containment."""
    problems: list[FeatureProblem] = []
    by_code: dict[str, CheckedFeature] = {}
    for item in items:
        if item.code in by_code:
            first = by_code[item.code].index
            problems.append(FeatureProblem(item.index, item.code, f"same code as feature #{first}"))
        else:
            by_code[item.code] = item

    wanted = {i.code for i in items} | {i.parent_code for i in items if i.parent_code}
    in_db = {
        a.code: a
        for a in AdminArea.objects.filter(code__in=wanted).only(
            "code", "level", "boundary", "boundary_derived"
        )
    }

    def level_of(code: str) -> str | None:
        if code in by_code and by_code[code].level != GRID_LEVEL:
            return by_code[code].level
        return in_db[code].level if code in in_db else None

    def missing(kind: str, code: str) -> list[str]:
        if code in refused:
            return [f"its {kind} {code} is refused (see its own problems)"]
        return [f"{kind} {code} is neither in the file nor in CityOps"]

    boundaries = _CommunityBoundaries(by_code, in_db)
    for item in items:
        if item.level == GRID_LEVEL:
            community_level = level_of(item.parent_code)
            if community_level is None:
                reasons = missing("community", item.parent_code)
            else:
                reasons = list(
                    grid_code_problems(
                        code=item.code,
                        community_code=item.parent_code,
                        community_level=community_level,
                    ).values()
                )
                if not reasons and item.geometry is not None:
                    reasons += boundaries.containment_problems(item)
        else:
            existing = in_db.get(item.code)
            if existing and existing.level != item.level:
                problems.append(
                    FeatureProblem(
                        item.index,
                        item.code,
                        f"already exists as a {existing.level}, not a "
                        f"{item.level}; a code cannot change level",
                    )
                )
            parent_level = level_of(item.parent_code) if item.parent_code else None
            if item.parent_code and parent_level is None:
                reasons = missing("parent", item.parent_code)
            else:
                reasons = list(
                    area_code_problems(
                        level=item.level,
                        code=item.code,
                        parent_level=parent_level,
                        parent_code=item.parent_code,
                    ).values()
                )
        problems += [FeatureProblem(item.index, item.code, str(r)) for r in reasons]
    return problems


class _CommunityBoundaries:
    """Surveyed community boundaries (from the file, else the database), buffered and prepared."""

    def __init__(self, by_code: dict[str, CheckedFeature], in_db: dict[str, AdminArea]):
        self._by_code = by_code
        self._in_db = in_db
        self._cache: dict[str, BaseGeometry | None] = {}

    def _boundary(self, code: str) -> BaseGeometry | None:
        if code not in self._cache:
            geom = None
            if code in self._by_code:
                item = self._by_code[code]
                geom = None if item.boundary_derived else item.geometry
            elif code in self._in_db:
                area = self._in_db[code]
                if area.boundary and not area.boundary_derived:
                    geom = parse_polygon(area.boundary)
            if geom is not None:
                tolerance = degrees_for_metres(CONTAINMENT_TOLERANCE_M, geom.centroid.y)
                geom = geom.buffer(tolerance)
                shapely.prepare(geom)
            self._cache[code] = geom
        return self._cache[code]

    def containment_problems(self, item: CheckedFeature) -> list[str]:
        boundary = self._boundary(item.parent_code)
        if boundary is None or boundary.covers(item.geometry):
            return []
        outside = geodesic_area_m2(item.geometry.difference(boundary))
        return [
            f"grid lies outside its community {item.parent_code} "
            f"({outside:,.0f} m² beyond the {CONTAINMENT_TOLERANCE_M} m tolerance)"
        ]


def import_warnings(items: list[CheckedFeature]) -> list[str]:
    """Doubts that do not refuse the file: sequence numbering and overlapping grids."""
    warnings: list[str] = []
    grids = [i for i in items if i.level == GRID_LEVEL and i.geometry is not None]
    per_community: dict[str, list[CheckedFeature]] = defaultdict(list)
    for grid in grids:
        per_community[grid.parent_code].append(grid)
    for community, members in sorted(per_community.items()):
        members.sort(key=lambda g: g.code)
        expected = [members[i].code for i in grid_sequence_order([g.geometry for g in members])]
        actual = [g.code for g in members]
        if expected != actual:
            k = next(n for n, (a, b) in enumerate(zip(actual, expected, strict=True)) if a != b)
            warnings.append(
                f"community {community}: grid codes do not run west-to-east, north-to-south; "
                f"{actual[k]} is where {expected[k]} would be expected"
            )
    if len(grids) > 1:
        geoms = np.array([g.geometry for g in grids], dtype=object)
        left, right = shapely.STRtree(geoms).query(geoms, predicate="overlaps")
        overlaps = []
        for a, b in zip(left, right, strict=True):
            if a < b:
                area = geodesic_area_m2(geoms[a].intersection(geoms[b]))
                if area > OVERLAP_WARNING_M2:
                    overlaps.append(
                        f"grids {grids[a].code} and {grids[b].code} overlap ({area:,.0f} m²)"
                    )
        warnings += overlaps[:MAX_LISTED_WARNINGS]
        if len(overlaps) > MAX_LISTED_WARNINGS:
            warnings.append(f"... and {len(overlaps) - MAX_LISTED_WARNINGS} more overlaps")
    return warnings
