"""/api/v1/areas and /api/v1/grids: the five tiers, map layers and point -> grid lookup."""

from __future__ import annotations

from typing import Any

from ninja import Query, Router, Schema
from pydantic import Field

from areas import selectors
from areas.models import AdminArea
from core import coords
from core.errors import ValidationFailed
from org.selectors import scope

router = Router(tags=["areas"])


class ErrorOut(Schema):
    code: str
    message: str


class AreaOut(Schema):
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    path: str


class FeatureCollectionOut(Schema):
    type: str = "FeatureCollection"
    features: list[dict[str, Any]]


class AreaRef(Schema):
    code: str
    name: str


class LocateIn(Schema):
    lon: float = Field(..., ge=-180, le=180, description="Longitude in the given crs")
    lat: float = Field(..., ge=-90, le=90, description="Latitude in the given crs")
    crs: str = Field(
        "wgs84", description="wgs84 (GPS), gcj02 (AMap/Tencent/WeChat) or bd09 (Baidu)"
    )


class LocateOut(Schema):
    grid_id: int
    grid_code: str
    grid_name: str
    area_class: str
    community: AreaRef | None
    street: AreaRef | None
    district: AreaRef | None
    city: AreaRef | None
    lon: float = Field(..., description="WGS-84 longitude of the point")
    lat: float = Field(..., description="WGS-84 latitude of the point")


@router.get("/areas", response=list[AreaOut], summary="Administrative areas the caller may see")
def list_areas(request, level: str | None = None, parent: str | None = None):
    qs = scope(AdminArea.objects.all(), request.user)
    if level:
        qs = qs.filter(level=level)
    if parent:
        qs = qs.filter(parent__code=parent)
    return qs


@router.get(
    "/areas/geojson",
    response={200: FeatureCollectionOut, 404: ErrorOut, 422: ErrorOut},
    summary="Area boundaries the caller may see, as GeoJSON",
)
def areas_geojson(request, level: str | None = None, parent: str | None = None):
    return selectors.areas_geojson(request.user, level=level, parent=parent)


@router.get(
    "/grids/geojson",
    response={200: FeatureCollectionOut, 404: ErrorOut, 422: ErrorOut},
    summary="Active unit grid polygons the caller may see, as GeoJSON (map base layer)",
)
def grids_geojson(request, area: str | None = None, crs: str = "wgs84"):
    """``crs``: wgs84 (default) or gcj02 / bd09 to draw on Chinese tiles."""
    try:
        crs = coords.normalize_crs(crs)
    except ValueError as exc:
        raise ValidationFailed(str(exc), details={"field": "crs"}) from None
    return selectors.grids_geojson(request.user, area=area, crs=crs)


@router.get(
    "/grids/locate",
    response={200: LocateOut, 404: ErrorOut, 422: ErrorOut},
    summary="The unit grid containing a point (input in WGS-84, GCJ-02 or BD-09)",
)
def locate_grid(request, params: Query[LocateIn]):
    return selectors.locate_point(lon=params.lon, lat=params.lat, crs=params.crs)
