"""/api/v1/map/...: the layers of the one map (一张图) for a viewport, scoped to the caller.

Every layer takes ``bbox`` (west,south,east,north as Leaflet writes it), ``zoom`` and ``crs``
(``wgs84`` default, ``gcj02`` or ``bd09`` for Chinese tiles: the box is read and every
coordinate written in it). Zoomed out or crowded, points come back aggregated per cell
(``mode: "cells"``); zoomed in, as points (``mode: "points"``). See web.map_layers.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from ninja import Router, Schema

from areas.api import ErrorOut, FeatureCollectionOut
from web import cockpit
from web import map_layers as layers

router = Router(tags=["map"])

_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class LayerOut(Schema):
    mode: str
    cell: float | None
    cells: list[dict[str, Any]]
    points: list[dict[str, Any]]


class HeatOut(Schema):
    cell: float
    cells: list[dict[str, Any]]
    max: int


class TrackersOut(Schema):
    points: list[dict[str, Any]]
    online_minutes: int


class TrailOut(Schema):
    device: int
    minutes: int
    line: list[list[float]]


class DayCollectionOut(Schema):
    """A FeatureCollection of one day (the sign index's, the sweeping coverage's); the sign
    index's areas may be of an hour of that day instead (``hour`` 0-23, ``until`` its end)."""

    type: str = "FeatureCollection"
    features: list[dict[str, Any]]
    day: str | None
    hour: int | None = None
    until: str | None = None


def _view(bbox: str, zoom: int, crs: str) -> tuple[layers.Box, int, str]:
    crs = layers.parse_crs(crs)
    return layers.Box.parse(bbox, crs=crs), layers.parse_zoom(zoom), crs


@router.get(
    "/map/cases",
    response={200: LayerOut, **_ERRORS},
    summary="Open cases in a viewport by light (未结案件, aggregated when zoomed out)",
)
def cases(
    request,
    bbox: str,
    zoom: int,
    range: str = "all",  # noqa: A002 (the slider's name on the page and in the URL)
    category: str = "",
    kind: str | None = None,
    crs: str = "wgs84",
):
    """``range``: today, 7d, 30d (reported since) or all; ``category``: a 2-digit major
    class or 5-digit subclass code of GB/T 47678.5, with ``kind`` (component / event)."""
    box, zoom, crs = _view(bbox, zoom, crs)
    now = timezone.now()
    return layers.cases_layer(
        request.user,
        box,
        zoom,
        since=layers.since_of(range, now),
        category=category.strip(),
        kind=kind or None,
        crs=crs,
        now=now,
    )


@router.get(
    "/map/heat",
    response={200: HeatOut, **_ERRORS},
    summary="Cases reported in a time range, counted per cell (热力图)",
)
def heat(
    request,
    bbox: str,
    zoom: int,
    range: str = "7d",  # noqa: A002
    category: str = "",
    kind: str | None = None,
    crs: str = "wgs84",
):
    box, zoom, crs = _view(bbox, zoom, crs)
    if range == "all":
        range = "30d"  # noqa: A001 (a heat map of every year ever is not a view anyone reads)
    since = layers.since_of(range, timezone.now())
    return layers.heat_layer(
        request.user, box, zoom, since=since, category=category.strip(), kind=kind or None, crs=crs
    )


@router.get(
    "/map/devices",
    response={200: LayerOut, **_ERRORS},
    summary="Sensors in a viewport with their state (感知设备: alarm, offline, online)",
)
def devices(request, bbox: str, zoom: int, crs: str = "wgs84"):
    box, zoom, crs = _view(bbox, zoom, crs)
    return layers.devices_layer(request.user, box, zoom, crs=crs)


@router.get(
    "/map/components",
    response={200: LayerOut, **_ERRORS},
    summary="Registered components in a viewport, faulty or intact (部件)",
)
def components(request, bbox: str, zoom: int, category: str = "", crs: str = "wgs84"):
    box, zoom, crs = _view(bbox, zoom, crs)
    return layers.components_layer(request.user, box, zoom, category=category, crs=crs)


@router.get(
    "/map/trackers",
    response={200: TrackersOut, **_ERRORS},
    summary="Vehicles and worker badges at their last position (车辆与工牌)",
)
def trackers(request, bbox: str, crs: str = "wgs84"):
    crs = layers.parse_crs(crs)
    return layers.trackers_layer(request.user, layers.Box.parse(bbox, crs=crs), crs=crs)


@router.get(
    "/map/trackers/{device_id}/trail",
    response={200: TrailOut, **_ERRORS},
    summary="The last half hour of a vehicle's or badge's positions (轨迹)",
)
def trail(request, device_id: int, crs: str = "wgs84"):
    return layers.trail(request.user, device_id, crs=layers.parse_crs(crs))


@router.get(
    "/map/areas",
    response={200: DayCollectionOut, **_ERRORS},
    summary="Area outlines of one tier with their sign index colour now (体征指数着色)",
)
def areas(request, level: str = "district", crs: str = "wgs84"):
    return layers.areas_layer(request.user, level, crs=layers.parse_crs(crs))


@router.get(
    "/cockpit",
    response={200: dict[str, Any], 304: None, 401: ErrorOut},
    summary="The cockpit's tiles (决策舱), with an ETag: poll with If-None-Match",
)
def cockpit_tiles(request):
    """Every tile of the cockpit for the caller's scope. Send the last ETag back in
    If-None-Match: while nothing changed the answer is 304 without a body."""
    text, etag = cockpit.body(request.user)
    quoted = f'"{etag}"'
    if quoted in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(text, content_type="application/json")
    response["ETag"] = quoted
    response["Cache-Control"] = "private, no-cache"
    return response


@router.get(
    "/map/fences",
    response={200: FeatureCollectionOut, **_ERRORS},
    summary="Active geofences (电子围栏)",
)
def fences(request, crs: str = "wgs84"):
    return layers.fences_layer(request.user, crs=layers.parse_crs(crs))


@router.get(
    "/map/coverage",
    response={200: DayCollectionOut, **_ERRORS},
    summary="Road segments with the share swept on a day (清扫覆盖率; default the latest)",
)
def coverage(request, day: date | None = None, crs: str = "wgs84"):
    return layers.coverage_layer(request.user, day=day, crs=layers.parse_crs(crs))
