"""Working-time arithmetic on the seeded default calendar (standards.md §3.4, DESIGN.md "Time").

Times are written in Asia/Shanghai; 2026 holidays come from chinese-calendar: National Day
Oct 1-7 off with Sun Sep 20 and Sat Oct 10 working, Spring Festival Feb 15-23 off with Sat Feb 14
working. Windows are 08:00-12:00 and 14:00-18:00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.models import TimeUnit
from core.workcalendar import (
    NATURAL_DAY,
    URGENT_HOUR,
    WORK_DAY,
    WORK_HOUR,
    add_working_time,
    elapsed_working_time,
    invalidate_cache,
    is_workday,
)

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    # The calendar lives in a per-process cache; rows rolled back by other tests must not leak.
    invalidate_cache()
    yield
    invalidate_cache()


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SH)


def local(moment: datetime) -> datetime:
    return moment.astimezone(SH)


def test_unit_constants_are_the_time_unit_values():
    assert [u.value for u in TimeUnit] == [URGENT_HOUR, WORK_HOUR, WORK_DAY, NATURAL_DAY]


class TestWorkHour:
    def test_friday_afternoon_rolls_over_the_weekend_to_monday(self):
        # Fri 16:00: 2 h left on Friday, 2 h on Monday morning.
        assert local(add_working_time(at(2026, 3, 6, 16), 4, TimeUnit.WORK_HOUR)) == at(
            2026, 3, 9, 10
        )

    def test_lunch_break_does_not_count(self):
        assert local(add_working_time(at(2026, 3, 10, 11), 2, "work_hour")) == at(2026, 3, 10, 15)

    def test_start_inside_lunch_break_counts_from_14_00(self):
        assert local(add_working_time(at(2026, 3, 10, 12, 30), 1, "work_hour")) == at(
            2026, 3, 10, 15
        )

    @pytest.mark.parametrize(
        ("start", "expected"),
        [
            (at(2026, 3, 10, 7), at(2026, 3, 10, 9)),  # before opening
            (at(2026, 3, 10, 19), at(2026, 3, 11, 9)),  # after closing
            (at(2026, 3, 7, 10), at(2026, 3, 9, 9)),  # Saturday
        ],
    )
    def test_start_outside_windows_counts_from_next_opening(self, start, expected):
        assert local(add_working_time(start, 1, "work_hour")) == expected

    def test_ends_at_window_close_not_at_next_opening(self):
        assert local(add_working_time(at(2026, 3, 10, 8), 4, "work_hour")) == at(2026, 3, 10, 12)
        assert local(add_working_time(at(2026, 3, 10, 8), 8, "work_hour")) == at(2026, 3, 10, 18)

    def test_fractional_hours(self):
        assert local(add_working_time(at(2026, 3, 10, 11), 1.5, "work_hour")) == at(
            2026, 3, 10, 14, 30
        )
        assert local(add_working_time(at(2026, 3, 10, 11), Decimal("0.25"), "work_hour")) == at(
            2026, 3, 10, 11, 15
        )

    def test_zero_amount_returns_start_even_outside_windows(self):
        start = at(2026, 3, 7, 3)  # Saturday night
        assert add_working_time(start, 0, "work_hour") == start

    def test_national_day_holiday_is_skipped(self):
        # Wed Sep 30 16:00: 2 h left, Oct 1-7 off, resumes Thu Oct 8.
        assert local(add_working_time(at(2026, 9, 30, 16), 4, "work_hour")) == at(2026, 10, 8, 10)

    def test_make_up_saturday_after_national_day_is_worked(self):
        # Fri Oct 9 16:00: 2 h Friday, 2 h on the 调休 Saturday Oct 10.
        assert local(add_working_time(at(2026, 10, 9, 16), 4, "work_hour")) == at(2026, 10, 10, 10)
        # 12 h: 2 h Fri + 8 h Sat Oct 10 + Sunday off + 2 h Mon Oct 12.
        assert local(add_working_time(at(2026, 10, 9, 16), 12, "work_hour")) == at(2026, 10, 12, 10)

    def test_spring_festival_2026(self):
        # Fri Feb 13 16:00 -> the 调休 Saturday Feb 14; from there over Feb 15-23 to Tue Feb 24.
        assert local(add_working_time(at(2026, 2, 13, 16), 4, "work_hour")) == at(2026, 2, 14, 10)
        assert local(add_working_time(at(2026, 2, 14, 16), 4, "work_hour")) == at(2026, 2, 24, 10)

    def test_result_is_utc(self):
        result = add_working_time(at(2026, 3, 10, 9), 1, "work_hour")
        assert result.tzinfo is UTC
        assert result == datetime(2026, 3, 10, 2, tzinfo=UTC)  # 10:00 in Shanghai

    def test_twenty_working_days_of_hours_span_the_holiday(self):
        # 160 h from Sep 28 08:00: Sep 28-30 (3), Oct 8-10 (3), then 14 more working days.
        assert local(add_working_time(at(2026, 9, 28, 8), 160, "work_hour")) == at(2026, 10, 29, 18)


class TestWorkDay:
    def test_one_working_day_keeps_the_time_of_day(self):
        assert local(add_working_time(at(2026, 3, 10, 10), 1, "work_day")) == at(2026, 3, 11, 10)

    def test_from_opening_ends_at_close_of_the_same_day(self):
        assert local(add_working_time(at(2026, 3, 10, 8), 1, "work_day")) == at(2026, 3, 10, 18)

    def test_from_evening_counts_the_next_working_day(self):
        assert local(add_working_time(at(2026, 3, 9, 19), 1, "work_day")) == at(2026, 3, 10, 18)

    def test_half_a_working_day(self):
        assert local(add_working_time(at(2026, 3, 10, 8), Decimal("0.5"), "work_day")) == at(
            2026, 3, 10, 12
        )
        assert local(add_working_time(at(2026, 3, 10, 10), 0.5, "work_day")) == at(2026, 3, 10, 16)

    def test_across_national_day_and_make_up_saturday(self):
        start = at(2026, 9, 30, 10)
        assert local(add_working_time(start, 1, "work_day")) == at(2026, 10, 8, 10)
        assert local(add_working_time(start, 3, "work_day")) == at(2026, 10, 10, 10)
        assert local(add_working_time(start, 4, "work_day")) == at(2026, 10, 12, 10)

    def test_twenty_working_days(self):
        assert local(add_working_time(at(2026, 9, 28, 8), 20, "work_day")) == at(2026, 10, 29, 18)


class TestClockUnits:
    def test_urgent_hours_run_through_nights_and_holidays(self):
        start = at(2026, 10, 1, 23)
        assert local(add_working_time(start, 2, "urgent_hour")) == at(2026, 10, 2, 1)

    def test_natural_days_are_24_hours(self):
        start = at(2026, 9, 30, 16)
        assert add_working_time(start, 2, "natural_day") == start + timedelta(days=2)
        assert add_working_time(start, 0.5, "natural_day") == start + timedelta(hours=12)

    def test_elapsed_in_clock_units_is_end_minus_start(self):
        start, end = at(2026, 10, 1, 9), at(2026, 10, 3, 9)
        assert elapsed_working_time(start, end, "urgent_hour") == timedelta(days=2)
        assert elapsed_working_time(start, end, "natural_day") == timedelta(days=2)


class TestElapsed:
    def test_counts_only_window_time_on_working_days(self):
        # Sep 30 16-18 (2) + Oct 8, 9, 10 (24) + Mon Oct 12 08-09 (1).
        elapsed = elapsed_working_time(at(2026, 9, 30, 16), at(2026, 10, 12, 9))
        assert elapsed == timedelta(hours=27)
        assert elapsed_working_time(at(2026, 9, 30, 16), at(2026, 10, 12, 9), "work_day") == (
            timedelta(hours=27)
        )

    def test_nothing_elapses_over_a_holiday(self):
        assert elapsed_working_time(at(2026, 10, 1, 8), at(2026, 10, 7, 18)) == timedelta(0)

    def test_end_before_start_is_negative(self):
        assert elapsed_working_time(at(2026, 3, 10, 11), at(2026, 3, 10, 9)) == -timedelta(hours=2)


class TestIsWorkday:
    @pytest.mark.parametrize(
        ("day", "works"),
        [
            (date(2026, 10, 7), False),  # National Day week
            (date(2026, 10, 8), True),
            (date(2026, 10, 10), True),  # 调休 Saturday
            (date(2026, 10, 11), False),
            (date(2026, 9, 20), True),  # 调休 Sunday
            (date(2026, 2, 14), True),  # 调休 Saturday before Spring Festival
            (date(2026, 2, 23), False),  # Monday inside Spring Festival
            (date(2026, 3, 7), False),  # plain Saturday
            (date(2026, 3, 9), True),  # plain Monday
        ],
    )
    def test_2026(self, day, works):
        assert is_workday(day) is works

    def test_datetime_is_refused(self):
        with pytest.raises(ValueError, match="takes a date"):
            is_workday(at(2026, 3, 9, 10))


class TestBadInput:
    def test_naive_datetime_is_refused(self):
        with pytest.raises(ValueError, match="naive"):
            add_working_time(datetime(2026, 3, 10, 9), 1, "work_hour")
        with pytest.raises(ValueError, match="naive"):
            elapsed_working_time(at(2026, 3, 10, 9), datetime(2026, 3, 10, 10))

    def test_a_time_zone_without_an_offset_is_naive_too(self):
        from datetime import tzinfo

        class Floating(tzinfo):  # a tzinfo that does not know its offset (Python's definition)
            def utcoffset(self, dt):
                return None

            def dst(self, dt):
                return None

        with pytest.raises(ValueError, match="naive"):
            add_working_time(datetime(2026, 3, 10, 9, tzinfo=Floating()), 1, "work_hour")

    def test_unknown_unit_is_named(self):
        with pytest.raises(ValueError, match="unknown time unit 'fortnight'"):
            add_working_time(at(2026, 3, 10, 9), 1, "fortnight")

    @pytest.mark.parametrize("amount", [-1, float("nan"), Decimal("Infinity"), "4", True])
    def test_bad_amounts_are_refused(self, amount):
        with pytest.raises(ValueError, match="time amount"):
            add_working_time(at(2026, 3, 10, 9), amount, "work_hour")


def test_the_per_date_memo_keeps_what_it_computed_and_stays_bounded(monkeypatch):
    from core import workcalendar

    # A bound beyond the small integers Python shares, as the real one (100 000) is.
    monkeypatch.setattr(workcalendar, "MAX_MEMO_DATES", 300)
    calendar = workcalendar.get_calendar()
    calendar._memo.clear()
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(320)]
    for day in days[:300]:  # up to the bound: all kept
        calendar.windows_on(day)
    assert len(calendar._memo) == 300
    for day in days[300:]:  # more: never more than the bound held
        calendar.windows_on(day)
        assert len(calendar._memo) <= 300
    assert calendar.windows_on(date(2026, 3, 14)) == ()  # a Saturday, from the memo or not


def test_windows_may_touch_but_not_overlap():
    from core.workcalendar import WorkWindowError, parse_windows

    assert len(parse_windows("08:00-12:00,12:00-18:00")) == 2  # a shift change, no gap
    with pytest.raises(WorkWindowError, match="overlap"):
        parse_windows("08:00-12:01,12:00-18:00")


def test_a_window_from_midnight_counts_from_midnight_on_later_days():
    """A 24-hour service's calendar: a window starting at 00:00 counts whole on every day the
    span reaches, to the microsecond."""
    from core.models import WorkCalendar

    WorkCalendar.objects.create(name="Night shift", area_class="N", work_windows="00:00-12:00")
    invalidate_cache()
    from core.workcalendar import CalendarDataMissing

    with pytest.warns(CalendarDataMissing):  # a new calendar: weekday rules, no holidays
        # Tue 11:00 -> Wed 01:00: 1 h on Tuesday, 1 h on Wednesday from midnight.
        spent = elapsed_working_time(at(2026, 3, 10, 11), at(2026, 3, 11, 1), WORK_HOUR, "N")
    assert spent == timedelta(hours=2)


def test_a_limit_longer_than_a_year_of_working_hours_still_computes():
    """The scan bound is generous (200 years), not a year and a half: 3,600 working hours
    (450 working days) from a Monday morning end after about 640 calendar days."""
    end = add_working_time(at(2026, 3, 2, 8), 3600, WORK_HOUR)
    assert elapsed_working_time(at(2026, 3, 2, 8), end, WORK_HOUR) == timedelta(hours=3600)
    assert end - at(2026, 3, 2, 8) > timedelta(days=600)
