"""Intake API (mounted at /api/v1/ by cityops/api.py).

- ``POST /intake/video-ai``: video AI detections, signed webhook (intake.channels.video_ai).
- ``POST /intake/reports``: leader orders, media and online reports entered by an operator.
- ``GET /cases/{number}/reports``: the reports counting toward a case (ids for a split).
- ``POST /cases/{number}/merge`` ``{"into": number, "reason"}``: merge this case into another.
- ``POST /cases/{number}/split`` ``{"reports": [ids], "reason"}``: split reports off into a
  new case.
- ``GET /intake/sources/counts``: cases per source channel in the caller's scope.

Errors are ``{"code", "message"}``: 404 for a case the caller may not see, 403 for a role that
may not merge or split, 409 when the case's state does not allow it, 422 for bad input.
"""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Status

from cases import api_selectors as sel
from cases.api.common import ERRORS, READ_ERRORS, CaseNumber
from intake import selectors, services
from intake.channels.operator.api import router as operator_router
from intake.channels.video_ai.api import router as video_ai_router
from intake.models import MergeRecord
from intake.schemas import MergeIn, MergeOut, ReportOut, SourceCountOut, SplitIn

router = Router(tags=["intake"])
router.add_router("", video_ai_router)
router.add_router("", operator_router)


def _merge_data(record: MergeRecord) -> dict:
    return {
        "kind": record.kind,
        "case": record.case.number,
        "other": record.other.number,
        "reports": record.reports,
        "reason": record.reason,
        "at": record.at,
    }


@router.get(
    "/cases/{number}/reports",
    response={200: list[ReportOut], **READ_ERRORS},
    summary="Reports counting toward a case (受理记录)",
)
def case_reports(request, number: CaseNumber):
    case = sel.get_case(user=request.user, number=number)
    return [
        {
            **{f: getattr(r, f) for f in ReportOut.model_fields if hasattr(r, f)},
            "primary": r.duplicate_of_id is None,
        }
        for r in selectors.case_reports(case)
    ]


@router.post(
    "/cases/{number}/merge",
    response={200: MergeOut, **ERRORS},
    summary="Merge this case into another (合并)",
    description="The case is voided (reason: merged into ...) and its reports move to `into`.",
)
def merge(request, number: CaseNumber, payload: MergeIn):
    case = sel.get_case(user=request.user, number=number)
    into = sel.get_case(user=request.user, number=payload.into)
    record = services.case_merge(case=case, into=into, actor=request.user, reason=payload.reason)
    return _merge_data(record)


@router.post(
    "/cases/{number}/split",
    response={201: MergeOut, **ERRORS},
    summary="Split reports off into a new case (拆分)",
    description="The earliest chosen report opens the new case; the others are its duplicates.",
)
def split(request, number: CaseNumber, payload: SplitIn):
    case = sel.get_case(user=request.user, number=number)
    _new_case, record = services.case_split(
        case=case, reports=payload.reports, actor=request.user, reason=payload.reason
    )
    return Status(201, _merge_data(record))


@router.get(
    "/intake/sources/counts",
    response={200: list[SourceCountOut], **READ_ERRORS},
    summary="Cases per source channel in the caller's scope",
    description="Every channel, zeros included; `since`/`until` bound `reported_at`.",
)
def source_counts(request, since: datetime | None = None, until: datetime | None = None):
    return selectors.counts_by_source(request.user, since=since, until=until)
