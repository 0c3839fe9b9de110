"""/api/v1/signs: figures pushed by other systems (mounted by cityops/api.py).

- ``POST /signs/feeds/{code}`` ``{"records": [{"area": "330203", "at": "...", "value": 42,
  "unit": "index", "source_id": "aqi-330203-2026120610"}]}``: store figures of a feed the sign
  tree in use reads (AQI, traffic index, 12345 answer rate, 110 counts, weather warnings ...),
  idempotent by source id; 201 when something new was stored, 200 when all were duplicates.
  Every record is checked before any is stored (signs.feeds). Needs the ``signs.add_figure``
  permission (a system's API token belongs to a user who has it).
"""

from __future__ import annotations

import math
from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from areas.api import ErrorOut
from core.errors import PermissionDenied
from signs import feeds

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
