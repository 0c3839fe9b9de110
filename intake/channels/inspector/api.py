"""``POST /api/v1/cases``: staff report a case (上报) from a terminal or a script.

The path belongs to the cases resource (``GET /cases`` lists them), and ninja serves one URL
pattern per path, so the operation is mounted on the cases router by the API's composition root
(``cityops.api``) rather than on an intake router of its own.
"""

from __future__ import annotations

from ninja import Field, Router, Schema, Status

from cases import api_selectors as sel
from cases.api.common import ERRORS, case_detail
from cases.api_schemas import (
    CODE_MAX,
    EMAIL_PATTERN,
    CaseDetailOut,
    CategoryRefIn,
    Crs,
    Text,
)
from cases.limits import DESCRIPTION_MAX
from cases.states import Priority, SourceChannel
from intake.channels.inspector import InspectorChannel, StaffReport

SUMMARY = "Report a case (上报)"
DESCRIPTION = (
    "Point in `crs` (wgs84, gcj02 or bd09; stored as WGS-84); its unit grid is found unless "
    "`grid` is given; 422 `outside_grids` when no grid contains it. A report without a location "
    "names its `area` (default: the city). Trusted sources (inspector, leader order, IoT, video "
    "AI) wait for filing; the others for on-site verification. Like every channel the report "
    "goes through intake: 201 opened a case; 200 attached it to an open case of the same problem "
    "(same category nearby, within the duplicate window), or `source_ref` repeated an earlier "
    "report of that source; the answer is that case. Add photos with "
    "`POST /cases/{number}/evidence` (kind `before`)."
)


class ReportIn(Schema):
    """A new case (上报). The grid is found from the point unless ``grid`` is given; a case
    without a location (e.g. a hotline call) names its ``area`` instead."""

    source: SourceChannel = Field(description="channel the report came through")
    description: Text = Field(min_length=1, max_length=DESCRIPTION_MAX)
    lon: float | None = Field(None, ge=-180, le=180, description="longitude in ``crs``")
    lat: float | None = Field(None, ge=-90, le=90, description="latitude in ``crs``")
    crs: Crs = Field(
        "wgs84", description="wgs84 (GPS), gcj02 (AMap/Tencent/WeChat) or bd09 (Baidu)"
    )
    grid: Text | None = Field(
        None, max_length=CODE_MAX, description="unit grid code; default: the grid of the point"
    )
    area: Text | None = Field(
        None, max_length=CODE_MAX, description="area code, only for a report without a location"
    )
    category: CategoryRefIn | None = None
    address: Text = Field("", max_length=200)
    priority: Priority = Priority.NORMAL
    source_ref: Text = Field("", max_length=100, description="id on the source channel")
    reporter_name: Text = Field("", max_length=60)
    reporter_phone: Text = Field("", max_length=30)
    reporter_email: Text = Field("", max_length=254, pattern=EMAIL_PATTERN)
    component: Text | None = Field(
        None,
        max_length=17,
        description="the registered component (部件) it is about: its 17-digit identifier "
        "(GET /components/nearby offers them); its category and place fill missing ones",
    )


def report_case(request, payload: ReportIn):
    category = (
        sel.find_category(kind=payload.category.kind, code=payload.category.code)
        if payload.category
        else None
    )
    message = StaffReport(
        source=payload.source,
        description=payload.description,
        lon=payload.lon,
        lat=payload.lat,
        crs=payload.crs,
        grid=payload.grid,
        area=payload.area,
        address=payload.address,
        category=category,
        priority=payload.priority,
        external_id=payload.source_ref,
        reporter_name=payload.reporter_name,
        reporter_phone=payload.reporter_phone,
        reporter_email=payload.reporter_email,
        component=payload.component,
    )
    result = InspectorChannel().receive(message, actor=request.user)
    return Status(201 if result.created else 200, case_detail(request, result.case))


def mount(router: Router) -> None:
    """Add ``POST /cases`` to the cases router (see the module docstring)."""
    router.add_api_operation(
        "/cases",
        ["POST"],
        report_case,
        response={200: CaseDetailOut, 201: CaseDetailOut, **ERRORS},
        summary=SUMMARY,
        description=DESCRIPTION,
    )
