"""``POST /intake/reports``: an operator enters a leader order, media or online report."""

from __future__ import annotations

from typing import Literal

from ninja import Router, Schema, Status
from pydantic import AwareDatetime, Field

from cases import api_selectors as sel
from cases.api.common import ERRORS
from cases.api_schemas import EMAIL_PATTERN, CategoryRefIn, Crs, Text
from cases.limits import DESCRIPTION_MAX
from cases.states import Priority
from intake.channels.operator import (
    LINK_MAX,
    ORIGIN_MAX,
    OperatorChannel,
    OperatorReport,
)
from intake.schemas import IntakeOut, intake_data, intake_status

router = Router(tags=["intake"])

OperatorSource = Literal["leader_order", "media", "online_sentiment"]


class OperatorReportIn(Schema):
    source: OperatorSource = Field(
        description="leader_order (领导交办), media (媒体曝光), online_sentiment (网络舆情)"
    )
    description: Text = Field(min_length=1, max_length=DESCRIPTION_MAX)
    lon: float | None = Field(None, ge=-180, le=180, description="longitude in `crs`")
    lat: float | None = Field(None, ge=-90, le=90, description="latitude in `crs`")
    crs: Crs = "wgs84"
    address: Text = Field("", max_length=200)
    area: Text | None = Field(
        None,
        max_length=32,
        description="area code, for a report without a location (default: the city)",
    )
    category: CategoryRefIn | None = Field(None, description="default: suggested from the text")
    priority: Priority | None = Field(
        None, description="default by source: leader order and media urgent, online normal"
    )
    origin: Text = Field("", max_length=ORIGIN_MAX, description="who ordered it / which outlet")
    link: Text = Field("", max_length=LINK_MAX, description="article or post address")
    reporter_name: Text = Field("", max_length=60)
    reporter_phone: Text = Field("", max_length=30)
    reporter_email: Text = Field("", max_length=254, pattern=EMAIL_PATTERN)
    external_id: Text = Field("", max_length=100, description="id in the source (order no., URL)")
    due_at: AwareDatetime | None = Field(
        None, description="leader orders only: 交办时限, when it must be done (in the future)"
    )


@router.post(
    "/intake/reports",
    response={200: IntakeOut, 201: IntakeOut, **ERRORS},
    summary="Enter a leader order, media or online report (领导交办/媒体曝光/网络舆情)",
    description=(
        "For desk roles. 201 opened a case; 200 attached to an open case of the same problem "
        "(same category within the duplicate distance and time) or a repeat of `external_id`."
    ),
)
def operator_report(request, payload: OperatorReportIn):
    category = (
        sel.find_category(kind=payload.category.kind, code=payload.category.code)
        if payload.category
        else None
    )
    message = OperatorReport(**payload.model_dump(exclude={"category"}), category=category)
    result = OperatorChannel().receive(message, actor=request.user)
    return Status(intake_status(result), intake_data(result))
