"""Reads for the five tiers: GeoJSON for maps and export, and point -> grid with its ancestors."""

from __future__ import annotations

from django.utils.translation import gettext as _

from areas.geometry import geojson_in, round_coords
from areas.models import FEATURE_LEVELS, GRID_LEVEL, LEVEL_ORDER, AdminArea, AreaLevel, UnitGrid
from core import coords
from core.errors import NotFound, ValidationFailed
from core.spatial import grid_index
from org.selectors import scope

# 6 decimals of a degree is ~0.1 m: plenty for a map, and a third of the bytes of full floats.
MAP_DECIMALS = 6


def _feature(geometry: dict | None, properties: dict) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def visible_area(user, code: str) -> AdminArea:
    """The area with ``code`` if the user may see it; NotFound otherwise (no existence leak)."""
    area = scope(AdminArea.objects.filter(code=code), user).first()
    if area is None:
        raise NotFound(_("No area with code %(code)s.") % {"code": code})
    return area


def areas_geojson(user, *, level: str | None = None, parent: str | None = None) -> dict:
    """Boundaries of the areas the user may see, for the map (areas without one are left out)."""
    qs = scope(AdminArea.objects.filter(boundary__isnull=False), user)
    if level:
        if level not in AreaLevel.values:
            raise ValidationFailed(
                _("Unknown level %(level)r: use one of %(levels)s.")
                % {"level": level, "levels": ", ".join(AreaLevel.values)}
            )
        qs = qs.filter(level=level)
    if parent:
        qs = qs.filter(parent=visible_area(user, parent))
    rows = qs.order_by("code").values("id", "code", "name", "level", "parent__code", "boundary")
    return _collection(
        [
            _feature(
                round_coords(row["boundary"], MAP_DECIMALS),
                {
                    "id": row["id"],
                    "code": row["code"],
                    "name": row["name"],
                    "level": row["level"],
                    "parent": row["parent__code"],
                },
            )
            for row in rows
        ]
    )


def grids_geojson(user, *, area: str | None = None, crs: str = coords.WGS84) -> dict:
    """Active grid polygons the user may see (optionally under one area), for the map; in
    ``crs`` for GCJ-02 tiles."""
    qs = scope(UnitGrid.objects.filter(is_active=True), user)
    if area:
        qs = qs.filter(path__startswith=visible_area(user, area).path)
    rows = qs.order_by("code").values(
        "id", "code", "name", "area_class", "community__code", "polygon"
    )
    return _collection(
        [
            _feature(
                geojson_in(row["polygon"], crs, MAP_DECIMALS),
                {
                    "id": row["id"],
                    "code": row["code"],
                    "name": row["name"],
                    "area_class": row["area_class"],
                    "community": row["community__code"],
                },
            )
            for row in rows
        ]
    )


def locate_point(*, lon: float, lat: float, crs: str = coords.WGS84) -> dict:
    """The grid holding a point given in any CRS, with its community, street and district.

    ValidationFailed for an unknown CRS or impossible coordinates, NotFound outside every grid.
    """
    try:
        wgs_lon, wgs_lat = coords.to_wgs84(lon, lat, crs)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from None
    if not (-180.0 <= wgs_lon <= 180.0 and -90.0 <= wgs_lat <= 90.0):
        raise ValidationFailed(
            _(
                "Coordinates out of range: lon must be -180..180 and lat -90..90, got %(lon)s, %(lat)s."
            )
            % {"lon": lon, "lat": lat}
        )
    grid_id = grid_index.locate(wgs_lon, wgs_lat)
    grid = (
        UnitGrid.objects.select_related("community").filter(pk=grid_id).first()
        if grid_id is not None
        else None
    )
    if grid is None:
        raise NotFound(
            _("No unit grid contains the point %(lon).6f, %(lat).6f (WGS-84).")
            % {"lon": wgs_lon, "lat": wgs_lat}
        )
    ancestors = {
        a.level: {"code": a.code, "name": a.name}
        for a in AdminArea.objects.filter(code__in=grid.community.path.strip("/").split("/"))
    }
    return {
        "grid_id": grid.pk,
        "grid_code": grid.code,
        "grid_name": grid.name,
        "area_class": grid.area_class,
        "community": ancestors.get(AreaLevel.COMMUNITY),
        "street": ancestors.get(AreaLevel.STREET),
        "district": ancestors.get(AreaLevel.DISTRICT),
        "city": ancestors.get(AreaLevel.CITY),
        "lon": wgs_lon,
        "lat": wgs_lat,
    }


def export_areas(*, level: str | None = None, area: str | None = None) -> dict:
    """Areas and grids as a FeatureCollection that ``areas.services.import_areas`` reads back.

    ``level``: one of city | district | street | community | grid (default: everything);
    ``area``: only that area's subtree. Parents come before children, so the file imports in
    one pass.
    """
    if level is not None and level not in FEATURE_LEVELS:
        raise ValidationFailed(
            _("Unknown level %(level)r: use one of %(levels)s.")
            % {"level": level, "levels": ", ".join(FEATURE_LEVELS)}
        )
    # The parent's and community's code only: their outlines are not parsed once per row.
    areas = AdminArea.objects.select_related("parent").defer("parent__boundary")
    grids = UnitGrid.objects.select_related("community").defer("community__boundary")
    if area:
        root = AdminArea.objects.filter(code=area).first()
        if root is None:
            raise NotFound(_("No area with code %(code)s.") % {"code": area})
        areas = areas.filter(path__startswith=root.path)
        grids = grids.filter(path__startswith=root.path)
    features = []
    if level != GRID_LEVEL:
        rank = {lvl: n for n, lvl in enumerate(LEVEL_ORDER)}
        rows = areas.filter(level=level) if level else areas
        for a in sorted(rows, key=lambda a: (rank[a.level], a.code)):
            props = {
                "level": a.level,
                "code": a.code,
                "name": a.name,
                "parent": a.parent.code if a.parent_id else None,
            }
            if a.boundary_derived:
                props["boundary_derived"] = True
            features.append(_feature(a.boundary, props))
    if level in (None, GRID_LEVEL):
        for g in grids.order_by("code"):
            props = {
                "level": GRID_LEVEL,
                "code": g.code,
                "name": g.name,
                "community": g.community.code,
                "area_class": g.area_class,
                "active": g.is_active,
            }
            features.append(_feature(g.polygon, props))
    return _collection(features)
