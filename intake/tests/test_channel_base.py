"""The channel interface: an adapter only maps its message to receive_report arguments."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from cases.states import SourceChannel
from intake.channels.base import Channel
from intake.models import Outcome
from intake.tests.conftest import ALPHA_LAT, ALPHA_LON


@dataclass
class Row:
    ticket: str
    text: str
    quiet: bool = False


class Hotline(Channel[Row]):
    source = SourceChannel.HOTLINE_12345

    def to_report(self, row: Row) -> dict:
        return {
            "description": row.text,
            "lon": ALPHA_LON,
            "lat": ALPHA_LAT,
            "external_id": row.ticket,
        }

    def record_reason(self, row: Row) -> str | None:
        return "test_call" if row.quiet else None


def test_a_channel_is_a_source_and_a_mapping(small_city, t0):
    result = Hotline().receive(Row("T-1", "污水井盖坏了"), now=t0)
    assert result.created
    assert (result.case.source, result.case.source_ref) == ("hotline_12345", "T-1")


def test_a_channel_may_record_without_a_case(small_city, t0):
    result = Hotline().receive(Row("T-2", "Test call, ignore", quiet=True), now=t0)
    assert result.case is None
    assert (result.report.outcome, result.report.payload["reason"]) == (
        Outcome.RECORDED,
        "test_call",
    )
    assert (result.report.lon, result.report.external_id) == (ALPHA_LON, "T-2")


def test_an_adapter_returning_unknown_arguments_is_a_programming_error(small_city):
    class Broken(Hotline):
        def to_report(self, row):
            return {"description": row.text, "colour": "red"}

    with pytest.raises(TypeError, match="colour"):
        Broken().receive(Row("T-3", "x"))
