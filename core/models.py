"""Shared kernel models: the TimeStamped base and the working-time calendar."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    """Abstract base: when a row was created and last changed (UTC-aware)."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class TimeUnit(models.TextChoices):
    """SLA units as real 立结案标准 use them (standards.md §3.4)."""

    URGENT_HOUR = "urgent_hour", _("Urgent working hours 紧急工作时")  # continuous, round the clock
    WORK_HOUR = "work_hour", _("Working hours 工作时")  # inside working windows only
    WORK_DAY = "work_day", _("Working days 工作日")
    NATURAL_DAY = "natural_day", _("Calendar days 自然日")


# --- Working-time calendar (DESIGN.md "Time") --------------------------------------------------
# Area classes mirror areas.models.AreaClass; they are repeated here because core is the shared
# kernel and must not import the areas app (which itself builds on core.models).
CALENDAR_AREA_CLASSES = [
    ("A", _("A core area 核心区")),
    ("B", _("B general area 一般区")),
    ("C", _("C outer area 外围区")),
]


def validate_work_windows(value: str) -> None:
    """Model-field validator: ``value`` must parse as working windows ("08:00-12:00,14:00-18:00")."""
    from core.workcalendar import WorkWindowError, parse_windows

    try:
        parse_windows(value)
    except WorkWindowError as exc:
        raise ValidationError(
            _("Working windows %(spec)r: %(reason)s. Write e.g. 08:00-12:00,14:00-18:00."),
            params={"spec": value, "reason": str(exc)},
            code="invalid_windows",
        ) from exc


def _default_work_windows() -> str:
    return settings.WORK_WINDOWS


class CalendarSource(models.TextChoices):
    """Where a calendar day or year came from; ``manual`` rows are never touched by re-seeding."""

    CHINESE_CALENDAR = "chinese_calendar", _("chinese-calendar (official, with make-up days)")
    HOLIDAYS_RULES = "holidays_rules", _("holidays rules (no make-up days)")
    MANUAL = "manual", _("Entered by hand")


class WorkCalendar(TimeStamped):
    """A working-time calendar 工作日历: daily working windows plus per-date overrides.

    The calendar used for a computation is the one of the area class (A/B/C) if one exists,
    else the default one (``is_default``), else the built-in one from settings.WORK_WINDOWS.
    """

    name = models.CharField(_("name"), max_length=60, unique=True)
    is_default = models.BooleanField(
        _("default"),
        default=False,
        help_text=_("Used for area classes without their own calendar."),
    )
    area_class = models.CharField(
        _("area class"),
        max_length=1,
        choices=CALENDAR_AREA_CLASSES,
        blank=True,
        default="",
        help_text=_("Leave blank unless this area class keeps its own working time."),
    )
    work_windows = models.CharField(
        _("working windows"),
        max_length=200,
        default=_default_work_windows,
        validators=[validate_work_windows],
        help_text=_("Local times (settings.TIME_ZONE), comma separated: 08:00-12:00,14:00-18:00"),
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-is_default", "area_class", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="core_workcalendar_one_default",
            ),
            models.UniqueConstraint(
                fields=["area_class"],
                condition=~models.Q(area_class=""),
                name="core_workcalendar_one_per_area_class",
            ),
        ]
        verbose_name = _("working calendar")
        verbose_name_plural = _("working calendars")

    def __str__(self) -> str:
        return self.name


class CalendarYear(TimeStamped):
    """A year for which a calendar holds holiday data; years without a row use weekday rules."""

    calendar = models.ForeignKey(
        WorkCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="years"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    source = models.CharField(
        _("source"), max_length=20, choices=CalendarSource.choices, default=CalendarSource.MANUAL
    )
    # E.g. "holidays rules list no 调休 make-up working days: enter them by hand".
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["calendar", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "year"], name="core_calendaryear_unique"),
        ]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self) -> str:
        return f"{self.calendar} {self.year}"


class CalendarDay(TimeStamped):
    """A date that differs from the weekday rule: a holiday on a weekday or a 调休 working weekend.

    ``work_windows`` may narrow a working day (e.g. a half day); blank uses the calendar's.
    """

    calendar = models.ForeignKey(
        WorkCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"))
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(
        _("name"), max_length=60, blank=True, help_text=_("e.g. 国庆节, 调休上班")
    )
    work_windows = models.CharField(
        _("working windows"),
        max_length=200,
        blank=True,
        validators=[validate_work_windows],
        help_text=_("Only for a working day with other hours; blank = the calendar's windows."),
    )
    source = models.CharField(
        _("source"), max_length=20, choices=CalendarSource.choices, default=CalendarSource.MANUAL
    )

    class Meta:
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="core_calendarday_unique"),
        ]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        kind = _("working day") if self.is_workday else _("day off")
        return f"{self.date.isoformat()} {kind} {self.name}".strip()

    def clean(self) -> None:
        if self.work_windows and not self.is_workday:
            raise ValidationError(
                {
                    "work_windows": _(
                        "A day off has no working windows; clear them or tick 'working day'."
                    )
                }
            )


@receiver(post_save, sender=WorkCalendar)
@receiver(post_delete, sender=WorkCalendar)
@receiver(post_save, sender=CalendarYear)
@receiver(post_delete, sender=CalendarYear)
@receiver(post_save, sender=CalendarDay)
@receiver(post_delete, sender=CalendarDay)
def _calendar_changed(sender, **kwargs) -> None:
    # The arithmetic runs on an in-process copy of the calendar; drop it so the next call reloads.
    from core.workcalendar import invalidate_cache

    invalidate_cache()


class Heartbeat(models.Model):
    """When a periodic job last finished (the SLA scanner 时限扫描 every minute): ``/readyz`` and
    the metrics tell from it how late the job is, across processes (the worker writes, the web
    reads)."""

    name = models.CharField(_("job"), max_length=64, primary_key=True)
    at = models.DateTimeField(_("last finished at"))
    seconds = models.FloatField(_("duration (s)"), default=0.0)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.at:%Y-%m-%d %H:%M:%S}"
