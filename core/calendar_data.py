"""Data of the working-time calendar 工作日历: official holidays, seeding, loading into memory.

Two sources (standards.md §7):

* ``chinese-calendar`` (2004-2026 in 1.11): the State Council's published holidays **and** 调休
  make-up working days. Preferred whenever it covers the year.
* ``holidays`` CN rules for later years: holidays are computed from rules, but the make-up working
  weekends are announced each year and are not in the rules, so they must be entered by hand.

Only the days that differ from the plain weekday rule (Mon-Fri working) are stored: holidays that
fall on a weekday and working weekends. That is about 25 rows a year.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar
import holidays as holidays_lib

from core.workcalendar import DayRule, Window, WorkingCalendar, WorkWindowError, windows_us

logger = logging.getLogger(__name__)

SOURCE_CHINESE_CALENDAR = "chinese_calendar"
SOURCE_HOLIDAYS_RULES = "holidays_rules"
SOURCE_MANUAL = "manual"
DEFAULT_CALENDAR_NAME = "Default 默认"
MAKE_UP_DAY_NAME = "调休上班"
NO_MAKE_UP_DAYS_NOTE = (
    "holidays rules list no 调休 make-up working days for this year: enter them by hand"
)
_CN_NAMES = {h.value: h.chinese for h in chinese_calendar.Holiday}


def chinese_calendar_years() -> range:
    """The years the installed ``chinese-calendar`` covers (2004-2026 for 1.11)."""
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


@dataclass(frozen=True)
class OfficialDay:
    date: date
    is_workday: bool
    name: str


@dataclass(frozen=True)
class OfficialYear:
    year: int
    source: str
    days: tuple[OfficialDay, ...]
    # False when the source cannot know the 调休 make-up working days (holidays rules).
    has_make_up_days: bool = True
    note: str = field(default="")


def _dates_of(year: int) -> Iterable[date]:
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


def _from_chinese_calendar(year: int) -> OfficialYear:
    days = []
    for day in _dates_of(year):
        works = chinese_calendar.is_workday(day)
        if works == (day.weekday() < 5):
            continue
        _on_holiday, english = chinese_calendar.get_holiday_detail(day)
        name = _CN_NAMES.get(english, english or "")
        if works:
            name = f"{name} {MAKE_UP_DAY_NAME}".strip()
        days.append(OfficialDay(day, works, name))
    return OfficialYear(year, SOURCE_CHINESE_CALENDAR, tuple(days))


def _from_holidays_rules(year: int) -> OfficialYear | None:
    rules = holidays_lib.country_holidays("CN", years=year, language="zh_CN")
    if not rules:
        return None
    days = [
        OfficialDay(day, False, name)
        for day, name in sorted(rules.items())
        if day.year == year and day.weekday() < 5
    ]
    make_up = sorted(d for d in getattr(rules, "weekend_workdays", ()) if d.year == year)
    days += [OfficialDay(day, True, MAKE_UP_DAY_NAME) for day in make_up]
    days.sort(key=lambda d: d.date)
    return OfficialYear(
        year,
        SOURCE_HOLIDAYS_RULES,
        tuple(days),
        has_make_up_days=bool(make_up),
        note="" if make_up else NO_MAKE_UP_DAYS_NOTE,
    )


@lru_cache(maxsize=256)
def official_year(year: int) -> OfficialYear | None:
    """The official days off / working weekends of ``year``, or None when no source knows it."""
    if year in chinese_calendar_years():
        return _from_chinese_calendar(year)
    return _from_holidays_rules(year)


# --- Seeding the database ------------------------------------------------------------------------


@dataclass
class SeedReport:
    """What one ``seed_calendar_years`` run did, per calendar."""

    created: int = 0
    updated: int = 0
    deleted: int = 0
    kept_manual: int = 0
    years: dict[int, str] = field(default_factory=dict)  # year -> source
    without_make_up_days: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)


def default_seed_years(today: date | None = None) -> list[int]:
    """chinese-calendar's first year through next year, without gaps (rules where it lacks them)."""
    today = today or date.today()
    known = chinese_calendar_years()
    return list(range(known.start, max(known.stop, today.year + 2)))


def ensure_default_calendar():
    """The default WorkCalendar, created with settings.WORK_WINDOWS if there is none."""
    from core.models import WorkCalendar

    calendar = WorkCalendar.objects.filter(is_default=True).first()
    if calendar is None:
        calendar, _created = WorkCalendar.objects.get_or_create(
            name=DEFAULT_CALENDAR_NAME, defaults={"is_default": True}
        )
    return calendar


def seed_calendar_years(*, calendar, years: Iterable[int]) -> SeedReport:
    """Write the official days of ``years`` into ``calendar``; rows entered by hand always win.

    Re-running is safe: rows from an earlier seed that the source no longer lists are removed,
    rows with source ``manual`` are never created over, changed or removed.
    """
    from django.db import transaction

    from core.models import CalendarDay, CalendarYear
    from core.workcalendar import invalidate_cache

    report = SeedReport()
    with transaction.atomic():
        for year in sorted(set(years)):
            official = official_year(year)
            if official is None:
                report.missing.append(year)
                continue
            _seed_one_year(calendar, official, report, CalendarDay)
            CalendarYear.objects.update_or_create(
                calendar=calendar,
                year=year,
                defaults={"source": official.source, "note": official.note},
            )
            report.years[year] = official.source
            if not official.has_make_up_days:
                report.without_make_up_days.append(year)
    # bulk writes send no post_save signal: drop the in-process copy explicitly.
    invalidate_cache()
    if report.without_make_up_days:
        logger.warning(
            "Calendar %s: %s seeded from holidays rules without 调休 make-up working days; "
            "enter them by hand in the admin.",
            calendar,
            ", ".join(map(str, report.without_make_up_days)),
        )
    return report


def _seed_one_year(calendar, official: OfficialYear, report: SeedReport, day_model) -> None:
    from django.utils import timezone

    existing = {
        row.date: row
        for row in day_model.objects.filter(
            calendar=calendar,
            date__gte=date(official.year, 1, 1),
            date__lte=date(official.year, 12, 31),
        )
    }
    wanted = {day.date: day for day in official.days}
    to_create, to_update = [], []
    for day in official.days:
        row = existing.get(day.date)
        if row is None:
            to_create.append(
                day_model(
                    calendar=calendar,
                    date=day.date,
                    is_workday=day.is_workday,
                    name=day.name,
                    source=official.source,
                )
            )
        elif row.source == SOURCE_MANUAL:
            report.kept_manual += 1
        elif (row.is_workday, row.name, row.source) != (day.is_workday, day.name, official.source):
            row.is_workday, row.name, row.source = day.is_workday, day.name, official.source
            row.updated_at = timezone.now()  # bulk_update skips auto_now
            to_update.append(row)
    stale = [
        row.pk for d, row in existing.items() if d not in wanted and row.source != SOURCE_MANUAL
    ]
    day_model.objects.bulk_create(to_create)
    day_model.objects.bulk_update(to_update, ["is_workday", "name", "source", "updated_at"])
    day_model.objects.filter(pk__in=stale).delete()
    report.created += len(to_create)
    report.updated += len(to_update)
    report.deleted += len(stale)


# --- Loading calendars into memory (core.workcalendar keeps the result per process) -------------


def builtin_calendar() -> WorkingCalendar:
    """settings.WORK_WINDOWS plus chinese-calendar's years: used when no WorkCalendar row exists."""
    from django.conf import settings

    return _builtin(settings.WORK_WINDOWS, settings.TIME_ZONE)


@lru_cache(maxsize=4)
def _builtin(spec: str, tz_name: str) -> WorkingCalendar:
    days: dict[date, DayRule] = {}
    years = list(chinese_calendar_years())
    for year in years:
        official = official_year(year)
        for day in official.days if official else ():
            days[day.date] = DayRule(day.is_workday, None, day.name)
    return WorkingCalendar(
        name="built-in", windows=windows_us(spec), days=days, years=years, tz=ZoneInfo(tz_name)
    )


def calendar_fingerprint() -> tuple:
    """Changes whenever a calendar row is added, changed or removed (3 small aggregate queries)."""
    from django.db.models import Count, Max

    from core.models import CalendarDay, CalendarYear, WorkCalendar

    return tuple(
        tuple(model.objects.aggregate(n=Count("pk"), at=Max("updated_at")).values())
        for model in (WorkCalendar, CalendarYear, CalendarDay)
    )


def _safe_windows(spec: str, owner: str) -> tuple[Window, ...]:
    from django.conf import settings

    try:
        return windows_us(spec)
    except WorkWindowError as exc:
        # Rows written around the form validation (shell, bulk import) must not stop deadlines.
        logger.error("Working windows of %s are invalid (%s); using WORK_WINDOWS.", owner, exc)
        return windows_us(settings.WORK_WINDOWS)


def load_calendars() -> tuple[WorkingCalendar, dict[str, WorkingCalendar]]:
    """(default calendar, {area class: calendar}) from the database, in three queries."""
    from django.conf import settings

    from core.models import CalendarDay, CalendarYear, WorkCalendar

    rows = list(WorkCalendar.objects.order_by("-is_default", "pk"))
    if not rows:
        return builtin_calendar(), {}
    tz = ZoneInfo(settings.TIME_ZONE)
    days: dict[int, dict[date, DayRule]] = {row.pk: {} for row in rows}
    years: dict[int, list[int]] = {row.pk: [] for row in rows}
    for cal_id, day, works, spec, name in CalendarDay.objects.values_list(
        "calendar_id", "date", "is_workday", "work_windows", "name"
    ):
        windows = _safe_windows(spec, f"calendar day {day}") if spec and works else None
        days[cal_id][day] = DayRule(works, windows, name)
    for cal_id, year in CalendarYear.objects.values_list("calendar_id", "year"):
        years[cal_id].append(year)
    built = {
        row.pk: WorkingCalendar(
            name=row.name,
            windows=_safe_windows(row.work_windows, f"calendar {row.name}"),
            days=days[row.pk],
            years=years[row.pk],
            tz=tz,
        )
        for row in rows
    }
    # The default is the marked one, else the first without an area class, else the oldest.
    default = next((built[r.pk] for r in rows if r.is_default), None)
    if default is None:
        default = next((built[r.pk] for r in rows if not r.area_class), built[rows[0].pk])
    by_class = {row.area_class: built[row.pk] for row in rows if row.area_class}
    return default, by_class
