"""Properties of the calendar arithmetic (hypothesis), on the in-memory built-in calendar.

The built-in calendar is settings.WORK_WINDOWS (08:00-12:00, 14:00-18:00) plus chinese-calendar's
official days, so these run without a database. Starts lie in 2020-2025 and amounts stay below
800 h, so every result falls inside years with official data.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import chinese_calendar
from hypothesis import given, settings
from hypothesis import strategies as st

from core.workcalendar import (
    NATURAL_DAY,
    URGENT_HOUR,
    WORK_DAY,
    WORK_HOUR,
    builtin_calendar,
    windows_us,
)

SH = ZoneInfo("Asia/Shanghai")
CAL = builtin_calendar()
WINDOWS = windows_us("08:00-12:00,14:00-18:00")
HOURS_PER_WORKDAY = 8

starts = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2025, 12, 31), timezones=st.just(UTC)
)
# Quarter hours, so sums are exact decimals: 0 .. 800 h.
hours = st.integers(min_value=0, max_value=3200).map(lambda q: Decimal(q) / 4)
positive_hours = st.integers(min_value=1, max_value=3200).map(lambda q: Decimal(q) / 4)
# Quarter working days: 0.25 .. 100 working days.
positive_days = st.integers(min_value=1, max_value=400).map(lambda q: Decimal(q) / 4)


def _local_offset_us(moment: datetime) -> tuple[date, int]:
    local = moment.astimezone(SH)
    t = local.time()
    return local.date(), ((t.hour * 60 + t.minute) * 60 + t.second) * 10**6 + t.microsecond


@given(start=starts, amount=hours)
def test_elapsed_undoes_add(start, amount):
    end = CAL.add(start, amount, WORK_HOUR)
    assert CAL.elapsed(start, end, WORK_HOUR) == timedelta(hours=float(amount))


@given(start=starts, a=hours, b=hours)
def test_add_is_monotonic_in_the_amount(start, a, b):
    low, high = sorted((a, b))
    assert CAL.add(start, low, WORK_HOUR) <= CAL.add(start, high, WORK_HOUR)


@given(s1=starts, s2=starts, amount=hours)
def test_add_is_monotonic_in_the_start(s1, s2, amount):
    early, late = sorted((s1, s2))
    assert CAL.add(early, amount, WORK_HOUR) <= CAL.add(late, amount, WORK_HOUR)


@given(start=starts, a=hours, b=hours)
def test_add_is_additive(start, a, b):
    assert CAL.add(CAL.add(start, a, WORK_HOUR), b, WORK_HOUR) == CAL.add(start, a + b, WORK_HOUR)


@given(start=starts, amount=positive_hours)
def test_result_lies_in_a_working_window(start, amount):
    day, offset = _local_offset_us(CAL.add(start, amount, WORK_HOUR))
    assert chinese_calendar.is_workday(day)
    # A window's close is a valid end (4 h from 08:00 ends 12:00); its opening is not.
    assert any(begin < offset <= end for begin, end in WINDOWS)


@given(start=starts, amount=positive_hours)
def test_result_is_not_before_start_plus_clock_time(start, amount):
    assert CAL.add(start, amount, WORK_HOUR) >= start + timedelta(hours=float(amount))


@given(start=starts, days=positive_days)
def test_working_days_equal_eight_working_hours_each(start, days):
    assert CAL.add(start, days, WORK_DAY) == CAL.add(start, days * HOURS_PER_WORKDAY, WORK_HOUR)


@given(a=starts, b=starts, c=starts)
def test_elapsed_adds_up_and_never_exceeds_clock_time(a, b, c):
    a, b, c = sorted((a, b, c))
    assert CAL.elapsed(a, b) + CAL.elapsed(b, c) == CAL.elapsed(a, c)
    assert timedelta(0) <= CAL.elapsed(a, c) <= c - a
    assert CAL.elapsed(c, a) == -CAL.elapsed(a, c)


@given(start=starts, amount=hours)
def test_clock_units_ignore_the_calendar(start, amount):
    assert CAL.add(start, amount, URGENT_HOUR) - start == timedelta(hours=float(amount))
    assert CAL.add(start, amount, NATURAL_DAY) - start == timedelta(days=float(amount))


@settings(max_examples=30)
@given(year=st.integers(min_value=2004, max_value=2026))
def test_workdays_agree_with_chinese_calendar_for_every_day_of_a_year(year):
    day = date(year, 1, 1)
    while day.year == year:
        assert CAL.is_workday(day) is chinese_calendar.is_workday(day), day
        day += timedelta(days=1)
