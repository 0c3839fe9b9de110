"""Case numbers: prefix + local date + 5-digit daily sequence (NB2026112300001)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from cases.numbering import format_case_number, next_case_number
from cases.tests.conftest import local


def test_first_number_of_a_day(db):
    assert next_case_number(local(23, 9)) == "NB2026112300001"
    assert next_case_number(local(23, 10)) == "NB2026112300002"


def test_the_local_day_decides_not_utc(db):
    # 2026-11-23 23:30 UTC is already 24 November in Ningbo.
    assert next_case_number(datetime(2026, 11, 23, 23, 30, tzinfo=UTC)) == "NB2026112400001"


def test_each_day_starts_again(db):
    next_case_number(local(23, 9))
    assert next_case_number(local(24, 9)) == "NB2026112400001"


def test_prefix_from_settings(db, settings):
    settings.CASE_NUMBER_PREFIX = "HZ"
    assert next_case_number(local(23, 9)).startswith("HZ20261123")


def test_sequence_grows_past_five_digits_instead_of_wrapping():
    assert format_case_number(date(2026, 11, 23), 123456, "NB") == "NB20261123123456"
