"""Working-time calendar arithmetic (工作时/工作日). See DESIGN.md "Time" and standards.md §3.4.

Units (the values of ``core.models.TimeUnit``):

* ``urgent_hour`` 紧急工作时: continuous clock hours; nights, weekends and holidays count.
* ``work_hour`` 工作时: time inside the working windows of working days only. The result is the
  earliest instant at which that much working time has passed, so 4 工作时 from 08:00 ends at
  12:00 (not 14:00) and 4 工作时 from Friday 16:00 ends on Monday 10:00.
* ``work_day`` 工作日: one working day is the whole window time of a working day. The start is
  placed in its working day as a fraction of that day's window time (a start outside the windows
  counts from the next window opening) and the fraction moves N working days on: 1 工作日 from
  Tue 10:00 ends Wed 10:00, from Tue 08:00 or Mon 19:00 it ends Tue 18:00, 0.5 工作日 from Tue
  08:00 ends Tue 12:00. With equal days it equals 8 x N 工作时 (for 08:00-12:00,14:00-18:00).
* ``natural_day`` 自然日: N x 24 clock hours.

``elapsed_working_time`` counts window time on working days for work_hour / work_day, and plain
``end - start`` for urgent_hour / natural_day; it is negative when ``end`` is before ``start``.

All datetimes in and out are UTC-aware (naive ones raise ValueError); windows are local wall-clock
times in settings.TIME_ZONE. The calendar rows are loaded once into a ``WorkingCalendar`` held per
process, so no computation queries the database. A save or delete of a calendar row drops that copy
in the saving process; other processes notice within ``RECHECK_SECONDS`` through a cheap
fingerprint query. A year the calendar has no data for warns once (``CalendarDataMissing``) and
uses the Mon-Fri rule: a deadline in an unknown year is late by a holiday at worst, never a crash.
"""

from __future__ import annotations

import logging
import math
import sys
import threading
import time as clock
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

__all__ = [
    "NATURAL_DAY",
    "URGENT_HOUR",
    "WORK_DAY",
    "WORK_HOUR",
    "CalendarDataMissing",
    "WorkingCalendar",
    "WorkWindowError",
    "add_working_time",
    "builtin_calendar",
    "elapsed_working_time",
    "get_calendar",
    "invalidate_cache",
    "is_workday",
    "parse_windows",
]

logger = logging.getLogger(__name__)

# The values of core.models.TimeUnit (not imported: this module must load before the app registry,
# e.g. from cityops/checks.py).
URGENT_HOUR = "urgent_hour"
WORK_HOUR = "work_hour"
WORK_DAY = "work_day"
NATURAL_DAY = "natural_day"
UNITS = (URGENT_HOUR, WORK_HOUR, WORK_DAY, NATURAL_DAY)

US_PER_SECOND = 1_000_000
US_PER_HOUR = 3600 * US_PER_SECOND
US_PER_DAY = 24 * US_PER_HOUR
# A walk that finds no working time in this many days has a broken calendar; stop instead of
# spinning (weekday rules guarantee working days, so only absurd amounts get here).
MAX_SCAN_DAYS = 366 * 200
# How often a process checks whether another process changed the calendar rows.
RECHECK_SECONDS = 60.0
# Memoised per-date windows; far more dates than any real deadline walk touches.
MAX_MEMO_DATES = 100_000

Window = tuple[int, int]  # (start, end) in microseconds after local midnight


class WorkWindowError(ValueError):
    """A working-window specification cannot be parsed."""


class CalendarDataMissing(UserWarning):
    """A calendar has no holiday data for a year; the Mon-Fri rule is used for it."""


def parse_windows(spec: str) -> list[tuple[time, time]]:
    """Parse ``"08:00-12:00,14:00-18:00"`` into sorted, non-overlapping (start, end) pairs."""
    windows: list[tuple[time, time]] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        try:
            start_s, end_s = part.split("-")
            start, end = time.fromisoformat(start_s.strip()), time.fromisoformat(end_s.strip())
        except ValueError as exc:
            raise WorkWindowError(f"{part!r} is not HH:MM-HH:MM") from exc
        if start >= end:
            raise WorkWindowError(f"{part!r} ends before it starts")
        windows.append((start, end))
    if not windows:
        raise WorkWindowError("no working window given")
    windows.sort()
    for (_s1, e1), (s2, _e2) in zip(windows, windows[1:], strict=False):
        if s2 < e1:
            raise WorkWindowError("working windows overlap")
    return windows


def _time_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * US_PER_SECOND + t.microsecond


def windows_us(spec: str) -> tuple[Window, ...]:
    """Working windows as microsecond offsets from local midnight."""
    return tuple((_time_us(s), _time_us(e)) for s, e in parse_windows(spec))


@dataclass(frozen=True)
class DayRule:
    """An override of the weekday rule for one date (holiday or working weekend)."""

    is_workday: bool
    windows: tuple[Window, ...] | None = None  # None: the calendar's windows
    name: str = ""


def _as_fraction(amount: Decimal | float | int | Fraction) -> Fraction:
    if isinstance(amount, bool) or not isinstance(amount, int | float | Decimal | Fraction):
        raise ValueError(f"time amount must be a number, got {amount!r}")
    if isinstance(amount, float | Decimal) and not math.isfinite(amount):
        raise ValueError(f"time amount must be finite, got {amount!r}")
    # str() keeps the decimal a person meant: 0.1 -> 1/10, not the binary float's expansion.
    value = Fraction(str(amount)) if isinstance(amount, float) else Fraction(amount)
    if value < 0:
        raise ValueError(f"time amount must not be negative, got {amount!r}")
    return value


def _unit(unit: str) -> str:
    value = str(getattr(unit, "value", unit))
    if value not in UNITS:
        raise ValueError(f"unknown time unit {unit!r}; use one of {', '.join(UNITS)}")
    return value


def _check_aware(moment: datetime, what: str) -> None:
    if not isinstance(moment, datetime):
        raise ValueError(f"{what} must be a datetime, got {moment!r}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} {moment.isoformat()} is naive; pass a timezone-aware datetime")


class WorkingCalendar:
    """One calendar in memory: windows, per-date overrides and the years it has data for."""

    def __init__(
        self,
        *,
        name: str,
        windows: tuple[Window, ...],
        days: Mapping[date, DayRule],
        years: Iterable[int],
        tz: ZoneInfo,
    ) -> None:
        if not windows:
            raise WorkWindowError("no working window given")
        self.name = name
        self.windows = windows
        self.days = dict(days)
        self.years = frozenset(years)
        self.tz = tz
        self._memo: dict[date, tuple[Window, ...]] = {}
        self._warned: set[int] = set()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<WorkingCalendar {self.name!r} {len(self.days)} days>"

    # --- days ---------------------------------------------------------------------------------
    def windows_on(self, day: date) -> tuple[Window, ...]:
        """The working windows of a local date; empty on a day off."""
        found = self._memo.get(day)
        if found is not None:
            return found
        rule = self.days.get(day)
        if rule is not None:
            found = (rule.windows or self.windows) if rule.is_workday else ()
        else:
            if day.year not in self.years:
                self._warn_missing(day.year)
            found = self.windows if day.weekday() < 5 else ()
        if len(self._memo) >= MAX_MEMO_DATES:
            self._memo.clear()
        self._memo[day] = found
        return found

    def is_workday(self, day: date) -> bool:
        return bool(self.windows_on(day))

    def _warn_missing(self, year: int) -> None:
        with self._lock:
            if year in self._warned:
                return
            self._warned.add(year)
        message = (
            f"Working calendar {self.name!r} has no holiday data for {year}; using weekday rules "
            f"(Mon-Fri). Run `manage.py seed_calendar --years {year}` or enter the days in the admin."
        )
        logger.warning(message)
        # Point the warning at the first caller outside this module (whichever public function
        # led here), so whoever reads it sees their own line.
        frame, level = sys._getframe(0), 1
        while frame.f_back is not None and frame.f_code.co_filename == __file__:
            frame, level = frame.f_back, level + 1
        warnings.warn(message, CalendarDataMissing, stacklevel=level)

    def _next_workday(self, day: date) -> date:
        for _ in range(MAX_SCAN_DAYS):
            day += timedelta(days=1)
            if self.windows_on(day):
                return day
        raise ValueError(f"calendar {self.name!r} has no working day after {day}")

    # --- local time ---------------------------------------------------------------------------
    def _local(self, moment: datetime) -> tuple[date, int]:
        local = moment.astimezone(self.tz)
        return local.date(), _time_us(local.timetz())

    def _instant(self, day: date, offset_us: int) -> datetime:
        midnight = datetime(day.year, day.month, day.day, tzinfo=self.tz)
        return (midnight + timedelta(microseconds=offset_us)).astimezone(UTC)

    # --- arithmetic ---------------------------------------------------------------------------
    def add(self, start: datetime, amount: Decimal | float | int, unit: str) -> datetime:
        """``start`` plus ``amount`` of ``unit``; see the module docstring for each unit."""
        _check_aware(start, "start")
        unit, value = _unit(unit), _as_fraction(amount)
        if unit == URGENT_HOUR:
            return (start + timedelta(microseconds=round(value * US_PER_HOUR))).astimezone(UTC)
        if unit == NATURAL_DAY:
            return (start + timedelta(microseconds=round(value * US_PER_DAY))).astimezone(UTC)
        if value == 0:
            return start.astimezone(UTC)
        day, offset = self._local(start)
        if unit == WORK_HOUR:
            day, offset = self._add_work_us(day, offset, round(value * US_PER_HOUR))
        else:
            day, offset = self._add_work_days(day, offset, value)
        return self._instant(day, offset)

    def _add_work_us(self, day: date, offset: int, remaining: int) -> tuple[date, int]:
        for _ in range(MAX_SCAN_DAYS):
            for win_start, win_end in self.windows_on(day):
                if win_end <= offset:
                    continue
                begin = max(win_start, offset)
                available = win_end - begin
                if remaining <= available:
                    return day, begin + remaining
                remaining -= available
            day, offset = day + timedelta(days=1), 0
        raise ValueError(f"amount too large for calendar {self.name!r}")

    def _add_work_days(self, day: date, offset: int, amount: Fraction) -> tuple[date, int]:
        windows = self.windows_on(day)
        if windows and offset < windows[-1][1]:
            worked = sum(min(end, offset) - start for start, end in windows if offset > start)
        else:  # a day off, or after the last window: count from the next opening
            day, worked = self._next_workday(day), 0
        position = Fraction(worked, _length(self.windows_on(day))) + amount
        whole = math.floor(position)
        part = position - whole
        if part == 0:  # ends exactly at a day boundary: the end of the previous working day
            whole, part = whole - 1, Fraction(1)
        for _ in range(whole):
            day = self._next_workday(day)
        windows = self.windows_on(day)
        return day, _offset_after(windows, round(part * _length(windows)))

    def elapsed(self, start: datetime, end: datetime, unit: str = WORK_HOUR) -> timedelta:
        """Time from ``start`` to ``end`` counted in ``unit`` (window time for work units)."""
        _check_aware(start, "start")
        _check_aware(end, "end")
        unit = _unit(unit)
        if unit in (URGENT_HOUR, NATURAL_DAY):
            return end - start
        if end < start:
            return -self.elapsed(end, start, unit)
        first, first_offset = self._local(start)
        last, last_offset = self._local(end)
        total, day = 0, first
        while day <= last:
            low = first_offset if day == first else 0
            high = last_offset if day == last else US_PER_DAY
            for win_start, win_end in self.windows_on(day):
                total += max(0, min(win_end, high) - max(win_start, low))
            day += timedelta(days=1)
        return timedelta(microseconds=total)


def _length(windows: tuple[Window, ...]) -> int:
    return sum(end - start for start, end in windows)


def _offset_after(windows: tuple[Window, ...], work_us: int) -> int:
    """The local offset at which ``work_us`` (at most the day's window time) has passed."""
    *earlier, (last_start, _last_end) = windows
    for start, end in earlier:
        if work_us <= end - start:
            return start + work_us
        work_us -= end - start
    return last_start + work_us


# --- The per-process copy of the calendar rows ------------------------------------------------


@dataclass(frozen=True)
class _Registry:
    default: WorkingCalendar
    by_class: dict[str, WorkingCalendar]
    fingerprint: tuple | None


class _Cache:
    def __init__(self) -> None:
        self.registry: _Registry | None = None
        self.checked_at = 0.0
        self.lock = threading.Lock()


_cache = _Cache()


def invalidate_cache() -> None:
    """Forget the loaded calendars; the next computation reloads them (one query per table)."""
    _cache.registry = None


def builtin_calendar() -> WorkingCalendar:
    """settings.WORK_WINDOWS plus chinese-calendar's years: used when no WorkCalendar row exists."""
    from core.calendar_data import builtin_calendar as build

    return build()


def _registry() -> _Registry:
    registry, now = _cache.registry, clock.monotonic()
    if registry is not None and now - _cache.checked_at < RECHECK_SECONDS:
        return registry
    from django.db import DatabaseError

    from core.calendar_data import calendar_fingerprint, load_calendars

    with _cache.lock:
        registry = _cache.registry
        try:
            fingerprint = calendar_fingerprint()
            if registry is None or registry.fingerprint != fingerprint:
                default, by_class = load_calendars()
                registry = _Registry(default, by_class, fingerprint)
        except DatabaseError as exc:  # tables not migrated yet: the built-in calendar still works
            logger.warning("Working calendar tables unavailable (%s); using the built-in one.", exc)
            registry = _Registry(builtin_calendar(), {}, None)
        _cache.registry, _cache.checked_at = registry, now
    return registry


# --- Public API ---------------------------------------------------------------------------------


def get_calendar(area_class: str | None = None) -> WorkingCalendar:
    """The calendar of an area class (A/B/C), else the default one; loaded once per process."""
    registry = _registry()
    if area_class:
        return registry.by_class.get(str(area_class), registry.default)
    return registry.default


def add_working_time(
    start: datetime,
    amount: Decimal | float | int,
    unit: str,
    area_class: str | None = None,
) -> datetime:
    """The UTC deadline ``amount`` ``unit`` (a TimeUnit) after ``start``, e.g. 4 工作时 later."""
    return get_calendar(area_class).add(start, amount, unit)


def elapsed_working_time(
    start: datetime,
    end: datetime,
    unit: str = WORK_HOUR,
    area_class: str | None = None,
) -> timedelta:
    """Working time between two instants as the SLA counts it (see the module docstring)."""
    return get_calendar(area_class).elapsed(start, end, unit)


def is_workday(day: date, area_class: str | None = None) -> bool:
    """Whether a local date is a working day (holidays off, 调休 weekends on)."""
    if isinstance(day, datetime):
        raise ValueError("is_workday takes a date; convert the datetime to a local date first")
    return get_calendar(area_class).is_workday(day)
