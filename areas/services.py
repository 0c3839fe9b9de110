"""Writes for the five tiers: GeoJSON import of areas and grids, derived area boundaries.

``import_areas`` is all-or-nothing: every feature is checked first, every problem is collected
(each naming the feature's position and code), and only a clean file is written, in one
transaction. Features are upserted by code, so importing the same file twice changes nothing.

File format (what ``areas.selectors.export_areas`` writes): a GeoJSON FeatureCollection in WGS-84
(or ``crs="gcj02"|"bd09"``, converted on the way in) whose features carry ``properties``:

* areas: ``level`` (city | district | street | community), ``code``, ``name``, ``parent`` (code,
  not for a city), optional ``boundary_derived``; geometry = the boundary or null;
* grids: ``level: "grid"``, ``code`` (15 chars), optional ``name``, ``community`` (derivable from
  the code), ``area_class`` (A/B/C, default B), optional ``active``; geometry = the polygon.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from django.db import DatabaseError, transaction
from shapely.geometry.base import BaseGeometry

from areas.geojson_checks import (
    AreaImportError,
    CheckedFeature,
    FeatureProblem,
    check_features,
    import_warnings,
    read_feature_collection,
)
from areas.geometry import to_geojson
from areas.models import FEATURE_LEVELS, GRID_LEVEL, LEVEL_ORDER, AdminArea, UnitGrid
from core import coords

__all__ = [
    "AreaImportError",
    "FeatureProblem",
    "ImportResult",
    "import_areas",
    "read_feature_collection",
    "refresh_area_boundaries",
]

logger = logging.getLogger(__name__)

# Derived boundaries snap to ~1 cm so the union of adjoining grids has no sliver seams.
UNION_GRID_SIZE_DEG = 1e-7


@dataclass
class ImportResult:
    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    updated: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    unchanged: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    warnings: list[str] = field(default_factory=list)
    boundaries_refreshed: int = 0
    dry_run: bool = False

    def summary(self) -> str:
        def fmt(counts: dict[str, int]) -> str:
            return ", ".join(f"{counts[k]} {k}" for k in FEATURE_LEVELS if counts.get(k)) or "0"

        verb = "would create" if self.dry_run else "created"
        return (
            f"{verb} {fmt(self.created)}; updated {fmt(self.updated)}; "
            f"unchanged {fmt(self.unchanged)}; "
            f"{self.boundaries_refreshed} area boundaries or centroids refreshed"
        )


Progress = Callable[[int], object]


def import_areas(
    *,
    features: Iterable[dict] | None = None,
    path: str | Path | None = None,
    actor=None,
    crs: str = coords.WGS84,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Check then upsert areas and grids from GeoJSON; all or nothing (see module docstring).

    ``progress(1)`` is called once per feature checked and once per feature written.
    """
    if (features is None) == (path is None):
        raise ValueError("Pass exactly one of features= or path=.")
    feature_list = list(features) if features is not None else read_feature_collection(path)
    crs = coords.normalize_crs(crs)
    tick = progress or (lambda n: None)

    items, problems = check_features(feature_list, crs=crs, tick=tick)
    if problems:
        raise AreaImportError(problems)

    result = ImportResult(dry_run=dry_run, warnings=import_warnings(items))
    try:
        with transaction.atomic():
            _write(items, result, tick)
            result.boundaries_refreshed = refresh_area_boundaries()
            if dry_run:
                transaction.set_rollback(True)
    except DatabaseError as exc:  # e.g. a concurrent import took a code first
        problem = FeatureProblem(0, None, f"database refused the write: {exc}")
        raise AreaImportError([problem]) from exc
    logger.info("areas import by %s: %s", actor or "system", result.summary())
    return result


# --- writing ----------------------------------------------------------------------------------


def _geojson(geom: BaseGeometry | None) -> dict | None:
    # Lists, not mapping()'s tuples, so the value equals what the JSON column reads back.
    return json.loads(json.dumps(to_geojson(geom))) if geom is not None else None


def _write(
    items: list[CheckedFeature], result: ImportResult, tick: Callable[[int], object]
) -> None:
    areas = {a.code: a for a in AdminArea.objects.filter(code__in=[i.code for i in items])}
    parent_codes = {i.parent_code for i in items if i.parent_code}
    areas.update({a.code: a for a in AdminArea.objects.filter(code__in=parent_codes - set(areas))})
    level_rank = {level: n for n, level in enumerate(LEVEL_ORDER)}
    area_items = sorted(
        (i for i in items if i.level != GRID_LEVEL), key=lambda i: level_rank[i.level]
    )
    for item in area_items:
        area = areas.get(item.code) or AdminArea(code=item.code)
        values = {
            "name": item.name,
            "level": item.level,
            "parent": areas[item.parent_code] if item.parent_code else None,
        }
        # No geometry = no surveyed boundary; a boundary derived earlier stays until refreshed.
        if item.geometry is not None or not area.boundary_derived:
            values["boundary"] = _geojson(item.geometry)
            values["boundary_derived"] = item.boundary_derived and item.geometry is not None
        _upsert(area, values, item.level, result)
        areas[item.code] = area
        tick(1)

    grids = {g.code: g for g in UnitGrid.objects.filter(code__in=[i.code for i in items])}
    for item in (i for i in items if i.level == GRID_LEVEL):
        grid = grids.get(item.code) or UnitGrid(code=item.code)
        values = {
            "name": item.name,
            "community": areas[item.parent_code],
            "area_class": item.area_class,
            "polygon": _geojson(item.geometry),
            "is_active": item.is_active,
        }
        _upsert(grid, values, GRID_LEVEL, result)
        tick(1)


def _upsert(obj, values: dict, level: str, result: ImportResult) -> None:
    creating = obj.pk is None
    changed = creating or any(_current(obj, k) != _wanted(v) for k, v in values.items())
    for key, value in values.items():
        setattr(obj, key, value)
    if not changed:
        result.unchanged[level] += 1
        return
    obj.save()
    (result.created if creating else result.updated)[level] += 1


def _current(obj, key: str):
    # Relations compare by id so an unchanged row costs no query for its parent.
    field = obj._meta.get_field(key)
    return getattr(obj, field.attname) if field.is_relation else getattr(obj, key)


def _wanted(value):
    return value.pk if isinstance(value, (AdminArea, UnitGrid)) else value


def refresh_area_boundaries() -> int:
    """Derive missing area boundaries bottom-up as the union of what lies below; set centroids.

    Areas with a surveyed boundary keep it (``boundary_derived`` False). A community's derived
    boundary is the union of its active grids, a street's the union of its communities, and so
    on up to the city. Returns how many areas changed.
    """
    areas = list(AdminArea.objects.all())
    children: dict[int | None, list[AdminArea]] = defaultdict(list)
    for area in areas:
        children[area.parent_id].append(area)
    grid_shapes: dict[int, list[BaseGeometry]] = defaultdict(list)
    for community_id, polygon in UnitGrid.objects.filter(is_active=True).values_list(
        "community_id", "polygon"
    ):
        grid_shapes[community_id].append(shapely.geometry.shape(polygon))

    shapes: dict[int, BaseGeometry | None] = {}
    fields = ["boundary", "boundary_derived", "centroid_lon", "centroid_lat"]
    changed: list[AdminArea] = []
    for level in reversed(LEVEL_ORDER):
        for area in (a for a in areas if a.level == level):
            if area.boundary and not area.boundary_derived:
                geom = shapely.geometry.shape(area.boundary)
                boundary, derived = area.boundary, False
            else:
                parts = grid_shapes[area.pk] + [
                    shapes[c.pk] for c in children[area.pk] if shapes.get(c.pk) is not None
                ]
                geom = shapely.union_all(parts, grid_size=UNION_GRID_SIZE_DEG) if parts else None
                boundary, derived = _geojson(geom), geom is not None
            shapes[area.pk] = geom
            lon, lat = (geom.centroid.x, geom.centroid.y) if geom is not None else (None, None)
            new = dict(zip(fields, [boundary, derived, lon, lat], strict=True))
            if any(getattr(area, k) != v for k, v in new.items()):
                for key, value in new.items():
                    setattr(area, key, value)
                changed.append(area)
    AdminArea.objects.bulk_update(changed, fields, batch_size=200)
    return len(changed)
