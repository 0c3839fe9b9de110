"""/api/v1/signs: the sign index and the figures other systems push (mounted by cityops/api.py).

- ``GET /signs/tree``: the tree in use, as its file.
- ``GET /signs/values?area=&day=&hour=``: an area's index and every node for a day, or as an
  hour of it ended (``hour`` 0-23: the 24 hours before; in your scope).
- ``GET /signs/now?area=``: the same for the latest computed hour (the index "now", 实时).
- ``GET /signs/values/{id}``: how one value was computed (its explanation).

- ``POST /signs/feeds/{code}`` ``{"records": [{"area": "330203", "at": "...", "value": 42,
  "unit": "index", "source_id": "aqi-330203-2026120610"}]}``: store figures of a feed the sign
  tree in use reads (AQI, traffic index, 12345 answer rate, 110 counts, weather warnings ...),
  idempotent by source id; 201 when something new was stored, 200 when all were duplicates.
  Every record is checked before any is stored (signs.feeds). Needs the ``signs.add_figure``
  permission (a system's API token belongs to a user who has it).
"""

from __future__ import annotations

import math
from datetime import date, datetime

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from areas.api import ErrorOut
from areas.models import AdminArea
from core.errors import NotFound, PermissionDenied, ValidationFailed
from signs import feeds, selectors
from signs import tree as trees
from signs.models import SignValue

router = Router(tags=["signs"])


class RecordIn(Schema):
    area: str = Field(..., max_length=20, description="the area's code (city, district ...)")
    at: datetime = Field(..., description="when the value was measured (ISO 8601 with zone)")
    value: float
    unit: str = Field(..., max_length=40, description="must be the feed's unit")
    source_id: str = Field(..., min_length=1, max_length=100, description="the sender's id")


class PushIn(Schema):
    records: list[RecordIn] = Field(..., max_length=feeds.MAX_RECORDS)


class PushOut(Schema):
    stored: int
    duplicates: list[str]


@router.post(
    "/signs/feeds/{code}",
    response={200: PushOut, 201: PushOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut,
              409: ErrorOut, 422: ErrorOut},
    summary="Push figures of a feed (体征数据接入)",
)  # fmt: skip
def push(request, code: str, body: PushIn):
    if not request.user.has_perm("signs.add_figure"):
        raise PermissionDenied(_("Pushing figures needs the permission to add figures."))
    records = [
        feeds.Record(r.area, r.at, r.value if math.isfinite(r.value) else math.nan, r.unit,
                     r.source_id)
        for r in body.records
    ]  # fmt: skip
    result = feeds.store(code, records, user=request.user)
    return Status(201 if result["stored"] else 200, result)


# --- Reading the index ---------------------------------------------------------------------------


class ValueOut(Schema):
    id: int
    code: str
    name: str
    level: str
    parent: str | None
    weight: float
    score: float | None
    colour: str = Field(..., description="blue/green/yellow/orange/red, or '' for none")
    status: str
    raw: float | None
    unit: str


class ValuesOut(Schema):
    area: str
    area_name: str
    day: date | None
    hour: int | None = Field(
        None, description="0-23: values as that local hour ended (its 24 hours); empty: the day"
    )
    tree: str
    values: list[ValueOut]


class ExplanationOut(Schema):
    id: int
    code: str
    area: str
    day: date
    hour: int | None = None
    score: float | None
    colour: str
    status: str
    explanation: dict


def _scoped_area(request, code: str | None):
    if not request.user.is_authenticated:
        raise PermissionDenied(_("Log in first."))
    area = selectors.area_in_scope(request.user, code)
    if area is None:
        raise NotFound(_("No such area in your scope."))
    return area


@router.get("/signs/tree", response={200: dict, 404: ErrorOut}, summary="The sign tree in use")
def tree(request):
    """The tree in use as its file (signs/data/tree.schema.json)."""
    current = trees.active_tree()
    if current is None:
        raise NotFound(_("No sign tree is in use."))
    return trees.export(current)


@router.get(
    "/signs/values",
    response={200: ValuesOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="An area's index and every node of it for a day (体征值)",
)
def values(request, area: str | None = None, day: date | None = None, hour: int | None = None):
    """``area``: an area code in your scope (default: the top of your scope); ``day``: default
    the latest computed; ``hour`` (0-23): the values as that hour of the day ended."""
    place = _scoped_area(request, area)
    current = trees.active_tree()
    if current is None:
        raise NotFound(_("No sign tree is in use."))
    if hour is not None and not 0 <= hour <= 23:
        raise ValidationFailed(_("The hour must be from 0 to 23."))
    day = day or selectors.latest_day(current)
    return _values_of(current, place, day, hour)


@router.get(
    "/signs/now",
    response={200: ValuesOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="An area's index now: the latest hour's values (实时体征)",
)
def now(request, area: str | None = None):
    """The values as the latest computed hour ended (each over the 24 hours before it)."""
    place = _scoped_area(request, area)
    current = trees.active_tree()
    if current is None:
        raise NotFound(_("No sign tree is in use."))
    latest = selectors.latest_hour(current)
    if latest is None:
        raise NotFound(_("No hourly values have been computed yet."))
    return _values_of(current, place, *latest)


def _values_of(current, place, day, hour) -> dict:
    rows = (
        SignValue.objects.filter(tree=current, area_path=place.path, day=day, hour=hour)
        .select_related("node", "node__parent")
        .order_by("node__level", "node__code")
    )
    return {
        "area": place.code,
        "area_name": place.name,
        "day": day,
        "hour": hour,
        "tree": current.version,
        "values": [
            {"id": v.pk, "code": v.node.code, "name": v.node.name, "level": v.node.level,
             "parent": v.node.parent.code if v.node.parent_id else None,
             "weight": float(v.node.weight), "score": v.score, "colour": v.colour,
             "status": v.status, "raw": v.raw, "unit": v.node.unit}
            for v in rows
        ],
    }  # fmt: skip


@router.get(
    "/signs/values/{value_id}",
    response={200: ExplanationOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="How one value was computed (explanation)",
)
def explanation(request, value_id: int):
    if not request.user.is_authenticated:
        raise PermissionDenied(_("Log in first."))
    found = SignValue.objects.select_related("node").filter(pk=value_id).first()
    roots = selectors.scope_roots(request.user)
    if found is None or not any(found.area_path.startswith(r.path) for r in roots):
        raise NotFound(_("Not found, or not visible to you."))
    area = AdminArea.objects.filter(path=found.area_path).values_list("code", flat=True).first()
    return {
        "id": found.pk, "code": found.node.code, "area": area or found.area_path,
        "day": found.day, "hour": found.hour, "score": found.score, "colour": found.colour,
        "status": found.status, "explanation": found.explanation,
    }  # fmt: skip
