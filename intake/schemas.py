"""Ninja schemas of the intake API, shared by the channel endpoints."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from cases.api_schemas import REASON_MAX, RowId, Text
from intake.services import IntakeResult

MAX_SPLIT_REPORTS = 100


class IntakeOut(Schema):
    """What became of a report."""

    report: int = Field(description="IntakeReport id")
    outcome: str = Field(description="created | duplicate | recorded")
    case: str | None = Field(None, description="number of the case the report counts toward")
    created: bool = Field(description="a new case was opened")
    duplicate_of: str | None = Field(None, description="set when attached to an open case")
    repeat: bool = Field(False, description="the same (source, external_id) was received before")
    reason: str = Field("", description="why a recorded report opened no case")


def intake_data(result: IntakeResult) -> dict:
    return {
        "report": result.report.pk,
        "outcome": result.report.outcome,
        "case": result.case.number if result.case else None,
        "created": result.created,
        "duplicate_of": result.duplicate_of.number if result.duplicate_of else None,
        "repeat": result.repeat,
        "reason": result.report.payload.get("reason", ""),
    }


def intake_status(result: IntakeResult) -> int:
    """201 a case was opened, 200 counted toward an existing one, 202 recorded only."""
    if result.case is None:
        return 202
    return 201 if result.created else 200


class MergeIn(Schema):
    into: Text = Field(min_length=1, max_length=32, description="number of the case to keep")
    reason: Text = Field("", max_length=REASON_MAX)


class SplitIn(Schema):
    reports: list[RowId] = Field(
        min_length=1, max_length=MAX_SPLIT_REPORTS, description="IntakeReport ids to split off"
    )
    reason: Text = Field("", max_length=REASON_MAX)


class MergeOut(Schema):
    kind: str
    case: str = Field(description="merge: the voided case; split: the case split from")
    other: str = Field(description="merge: the case kept; split: the new case")
    reports: list[int]
    reason: str
    at: datetime


class ReportOut(Schema):
    id: int
    source: str
    external_id: str
    outcome: str
    primary: bool = Field(description="this report opened the case")
    description: str
    lon: float | None
    lat: float | None
    address: str
    reporter_name: str
    received_at: datetime


class SourceCountOut(Schema):
    source: str
    label: str
    total: int
    open: int
