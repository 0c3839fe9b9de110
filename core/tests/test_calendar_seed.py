"""Seeding, editing and loading working calendars: manual edits win, missing years warn, no crash."""

from __future__ import annotations

import warnings
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import override_settings

from core.calendar_data import (
    DEFAULT_CALENDAR_NAME,
    SOURCE_CHINESE_CALENDAR,
    SOURCE_HOLIDAYS_RULES,
    SOURCE_MANUAL,
    official_year,
    seed_calendar_years,
)
from core.models import CalendarDay, CalendarYear, WorkCalendar
from core.workcalendar import (
    CalendarDataMissing,
    add_working_time,
    get_calendar,
    invalidate_cache,
    is_workday,
)

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    invalidate_cache()
    yield
    invalidate_cache()


@pytest.fixture
def default_calendar() -> WorkCalendar:
    return WorkCalendar.objects.get(is_default=True)


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SH)


class TestMigrationSeed:
    def test_default_calendar_holds_only_days_that_differ_from_weekdays(self, default_calendar):
        assert default_calendar.name == DEFAULT_CALENDAR_NAME
        assert default_calendar.work_windows == "08:00-12:00,14:00-18:00"
        days_2026 = {
            d.date: d
            for d in CalendarDay.objects.filter(calendar=default_calendar, date__year=2026)
        }
        assert days_2026[date(2026, 10, 1)].is_workday is False
        assert days_2026[date(2026, 10, 1)].name == "国庆节"
        assert days_2026[date(2026, 10, 10)].is_workday is True
        assert days_2026[date(2026, 10, 10)].name == "国庆节 调休上班"
        assert days_2026[date(2026, 10, 10)].source == SOURCE_CHINESE_CALENDAR
        assert date(2026, 10, 3) not in days_2026  # a holiday Saturday is off anyway
        assert date(2026, 3, 7) not in days_2026  # a plain Saturday
        assert all(d.is_workday == (d.date.weekday() >= 5) for d in days_2026.values())

    def test_every_chinese_calendar_year_is_covered(self, default_calendar):
        years = dict(
            CalendarYear.objects.filter(calendar=default_calendar).values_list("year", "source")
        )
        assert all(years[y] == SOURCE_CHINESE_CALENDAR for y in range(2004, 2027))


class TestSeedCommand:
    def test_reseeding_is_idempotent(self, default_calendar):
        out = StringIO()
        call_command("seed_calendar", "--years", "2025", "2026", stdout=out)
        assert "0 days created, 0 updated, 0 removed" in out.getvalue()

    def test_manual_override_beats_reseeding(self, default_calendar):
        # A typhoon closes offices on the first working day after National Day.
        CalendarDay.objects.filter(calendar=default_calendar, date=date(2026, 10, 8)).delete()
        CalendarDay.objects.create(
            calendar=default_calendar,
            date=date(2026, 10, 8),
            is_workday=False,
            name="台风停工",
            source=SOURCE_MANUAL,
        )
        # ...and a seeded holiday is turned into a working day by hand.
        CalendarDay.objects.filter(calendar=default_calendar, date=date(2026, 10, 7)).update(
            is_workday=True, name="加班", source=SOURCE_MANUAL
        )
        report = seed_calendar_years(calendar=default_calendar, years=[2026])
        assert report.kept_manual == 1  # Oct 7 is in the official list; Oct 8 is not
        oct7 = CalendarDay.objects.get(calendar=default_calendar, date=date(2026, 10, 7))
        oct8 = CalendarDay.objects.get(calendar=default_calendar, date=date(2026, 10, 8))
        assert (oct7.is_workday, oct7.source) == (True, SOURCE_MANUAL)
        assert (oct8.is_workday, oct8.source) == (False, SOURCE_MANUAL)
        assert is_workday(date(2026, 10, 7)) is True
        assert is_workday(date(2026, 10, 8)) is False
        assert add_working_time(at(2026, 9, 30, 16), 4, "work_hour") == at(2026, 10, 7, 10)

    def test_stale_seeded_rows_are_removed_but_manual_ones_kept(self, default_calendar):
        CalendarDay.objects.create(
            calendar=default_calendar,
            date=date(2026, 3, 10),
            is_workday=False,
            source=SOURCE_CHINESE_CALENDAR,
        )
        CalendarDay.objects.create(
            calendar=default_calendar, date=date(2026, 3, 11), is_workday=False, source="manual"
        )
        report = seed_calendar_years(calendar=default_calendar, years=[2026])
        assert report.deleted == 1
        kept = CalendarDay.objects.filter(calendar=default_calendar, date__month=3, date__year=2026)
        assert list(kept.values_list("date", flat=True)) == [date(2026, 3, 11)]

    def test_later_years_come_from_holidays_rules_with_a_make_up_day_warning(self):
        calendar = WorkCalendar.objects.create(name="Class A", area_class="A")
        out, err = StringIO(), StringIO()
        call_command(
            "seed_calendar", "--years", "2028", "--calendar", "Class A", stdout=out, stderr=err
        )
        assert "no 调休 make-up working days" in err.getvalue()
        year = CalendarYear.objects.get(calendar=calendar, year=2028)
        assert year.source == SOURCE_HOLIDAYS_RULES
        assert "by hand" in year.note
        new_year = CalendarDay.objects.get(calendar=calendar, date=date(2028, 1, 3))
        assert new_year.is_workday is False  # Sat Jan 1 2028 is given back on Monday (补假)
        assert official_year(2028).has_make_up_days is False

    @time_machine.travel(datetime(2026, 6, 1, 12, tzinfo=SH), tick=False)
    def test_default_years_are_known_years_plus_this_and_next(self):
        calendar = WorkCalendar.objects.create(name="Class B", area_class="B")
        call_command("seed_calendar", "--calendar", "Class B", stdout=StringIO(), stderr=StringIO())
        years = set(CalendarYear.objects.filter(calendar=calendar).values_list("year", flat=True))
        assert years == set(range(2004, 2028))

    def test_without_any_calendar_the_default_one_is_created(self):
        WorkCalendar.objects.all().delete()
        call_command("seed_calendar", "--years", "2026", stdout=StringIO())
        calendar = WorkCalendar.objects.get()
        assert calendar.is_default and calendar.days.filter(date=date(2026, 10, 10)).exists()

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--years", "3000"], "between 1950 and 2100"),
            (["--calendar", "Nope"], "'Nope' does not exist"),
        ],
    )
    def test_bad_arguments_are_named(self, args, message):
        with pytest.raises(CommandError, match=message):
            call_command("seed_calendar", *args, stdout=StringIO())


class TestMissingYear:
    def test_year_without_data_warns_once_and_uses_weekday_rules(self):
        # A class-A calendar nobody seeded: 2027 has no data for it.
        WorkCalendar.objects.create(name="Class A", area_class="A")
        with pytest.warns(CalendarDataMissing, match="no holiday data for 2027") as caught:
            # Fri Jan 1 2027 (New Year's Day) counts as a working day under weekday rules.
            assert add_working_time(at(2027, 1, 1, 16), 4, "work_hour", "A") == at(2027, 1, 4, 10)
            assert is_workday(date(2027, 1, 5), "A") is True
        [warning] = [w for w in caught if w.category is CalendarDataMissing]
        assert warning.filename == __file__  # it points at the caller's line, not the calendar's

    def test_default_calendar_far_future_year_warns_and_does_not_crash(self):
        with pytest.warns(CalendarDataMissing, match="2099"):
            assert add_working_time(at(2099, 1, 2, 16), 4, "work_hour") == at(2099, 1, 5, 10)
        with pytest.warns(CalendarDataMissing, match="2098") as caught:
            assert is_workday(date(2098, 1, 2)) is True  # a Thursday under weekday rules
        assert caught[0].filename == __file__  # from is_workday too: the caller's line

    def test_seeded_year_does_not_warn(self):
        with warnings.catch_warnings():
            warnings.simplefilter("error", CalendarDataMissing)
            add_working_time(at(2026, 12, 31, 16), 4, "work_hour")  # into seeded 2027


class TestCalendarChoice:
    def test_area_class_calendar_has_its_own_windows(self):
        calendar = WorkCalendar.objects.create(
            name="Class A", area_class="A", work_windows="07:00-19:00"
        )
        seed_calendar_years(calendar=calendar, years=[2026])
        assert add_working_time(at(2026, 3, 10, 17), 4, "work_hour", "A") == at(2026, 3, 11, 9)
        # Class B has no calendar of its own: the default one applies.
        assert add_working_time(at(2026, 3, 10, 17), 4, "work_hour", "B") == at(2026, 3, 11, 11)

    def test_a_day_can_have_shorter_windows(self, default_calendar):
        CalendarDay.objects.create(
            calendar=default_calendar,
            date=date(2026, 3, 10),
            is_workday=True,
            work_windows="08:00-12:00",
            name="半天",
        )
        assert add_working_time(at(2026, 3, 10, 11), 2, "work_hour") == at(2026, 3, 11, 9)

    @override_settings(WORK_WINDOWS="09:00-17:00")
    def test_without_rows_the_built_in_calendar_uses_settings(self):
        WorkCalendar.objects.all().delete()
        invalidate_cache()
        assert add_working_time(at(2026, 9, 30, 16), 2, "work_hour") == at(2026, 10, 8, 10)

    def test_invalid_windows_are_refused_by_validation(self):
        calendar = WorkCalendar(name="Bad", work_windows="8-12,11:00-13:00")
        with pytest.raises(ValidationError) as exc:
            calendar.full_clean()
        assert "work_windows" in exc.value.message_dict
        day = CalendarDay(
            calendar=WorkCalendar.objects.get(is_default=True),
            date=date(2026, 3, 8),
            is_workday=False,
            work_windows="08:00-12:00",
        )
        with pytest.raises(ValidationError, match="day off has no working windows"):
            day.full_clean()


class TestCache:
    def test_no_query_per_computation(self, django_assert_num_queries):
        get_calendar()  # load once
        with django_assert_num_queries(0):
            for hour in range(100):
                add_working_time(at(2026, 9, 1, hour % 24), 20, "work_day")

    def test_saving_a_day_refreshes_the_loaded_calendar(self, default_calendar):
        assert is_workday(date(2026, 3, 10)) is True
        CalendarDay.objects.create(
            calendar=default_calendar, date=date(2026, 3, 10), is_workday=False
        )
        assert is_workday(date(2026, 3, 10)) is False
        CalendarDay.objects.filter(date=date(2026, 3, 10)).get().delete()
        assert is_workday(date(2026, 3, 10)) is True

    def test_change_in_another_process_is_seen_after_the_recheck_interval(
        self, default_calendar, monkeypatch
    ):
        import core.workcalendar as wc

        assert is_workday(date(2026, 3, 10)) is True
        # bulk_create sends no signal, like a write made by another process.
        CalendarDay.objects.bulk_create(
            [CalendarDay(calendar=default_calendar, date=date(2026, 3, 10), is_workday=False)]
        )
        assert is_workday(date(2026, 3, 10)) is True  # still the cached copy
        monkeypatch.setattr(wc, "RECHECK_SECONDS", 0.0)
        assert is_workday(date(2026, 3, 10)) is False


class TestChangesByAnotherProcess:
    """A change made by another server process (no signal here) is seen within
    RECHECK_SECONDS, through the calendar tables' fingerprint."""

    def test_a_removed_holiday_is_seen_after_the_recheck(self, default_calendar, monkeypatch):
        from django.db import connection

        from core import workcalendar

        CalendarDay.objects.create(
            calendar=default_calendar, date=date(2026, 3, 10), is_workday=False, source="manual"
        )
        assert is_workday(date(2026, 3, 10)) is False
        with connection.cursor() as cursor:  # as another process would: no signal here
            cursor.execute(
                f"DELETE FROM {CalendarDay._meta.db_table} WHERE date = %s", [date(2026, 3, 10)]
            )
        assert is_workday(date(2026, 3, 10)) is False  # still cached
        later = workcalendar.clock.monotonic() + workcalendar.RECHECK_SECONDS + 1
        monkeypatch.setattr(workcalendar.clock, "monotonic", lambda: later)
        assert is_workday(date(2026, 3, 10)) is True  # fewer rows: a new fingerprint


def test_without_the_calendar_tables_the_built_in_calendar_still_works(monkeypatch, caplog):
    """Before the first migrate (or with the tables unreadable) deadlines still compute, on
    the built-in calendar, and the log says why."""
    from django.db import DatabaseError

    from core import calendar_data, workcalendar

    def unavailable():
        raise DatabaseError("no such table: core_workcalendar")

    monkeypatch.setattr(calendar_data, "calendar_fingerprint", unavailable)
    workcalendar.invalidate_cache()
    with caplog.at_level("WARNING", logger="core.workcalendar"):
        assert add_working_time(at(2026, 9, 30, 16), 4, "work_hour") == at(2026, 10, 8, 10)
    assert "Working calendar tables unavailable" in caplog.text
