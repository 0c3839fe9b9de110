"""Seed working calendars with official holidays and 调休 make-up days.

    manage.py seed_calendar                      # chinese-calendar's years + this year and next
    manage.py seed_calendar --years 2026 2027    # just these years
    manage.py seed_calendar --calendar "Class A"  # one calendar (default: every calendar)

Rows entered by hand (source "manual") are never overwritten. Years beyond chinese-calendar come
from the `holidays` CN rules, which know no make-up working days: the command says so loudly.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from core.calendar_data import (
    default_seed_years,
    ensure_default_calendar,
    seed_calendar_years,
)
from core.models import WorkCalendar

MIN_YEAR, MAX_YEAR = 1950, 2100  # what the holiday sources can compute at all


class Command(BaseCommand):
    help = "Seed working calendars with official holidays and 调休 make-up working days."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--years", nargs="+", type=int, help="years to seed (default: all known)"
        )
        parser.add_argument("--calendar", help="name of one calendar (default: every calendar)")

    def handle(self, *args, years: list[int] | None, calendar: str | None, **options) -> None:
        years = years or default_seed_years()
        bad = [y for y in years if not MIN_YEAR <= y <= MAX_YEAR]
        if bad:
            raise CommandError(f"--years {bad}: a year must be between {MIN_YEAR} and {MAX_YEAR}.")
        if calendar:
            calendars = list(WorkCalendar.objects.filter(name=calendar))
            if not calendars:
                names = ", ".join(WorkCalendar.objects.values_list("name", flat=True)) or "none"
                raise CommandError(f"--calendar {calendar!r} does not exist (calendars: {names}).")
        else:
            calendars = list(WorkCalendar.objects.all()) or [ensure_default_calendar()]
        for cal in calendars:
            report = seed_calendar_years(calendar=cal, years=years)
            self.stdout.write(
                f"{cal}: {len(report.years)} years seeded, {report.created} days created, "
                f"{report.updated} updated, {report.deleted} removed, "
                f"{report.kept_manual} manual days kept"
            )
            if report.without_make_up_days:
                listed = ", ".join(map(str, report.without_make_up_days))
                self.stderr.write(
                    self.style.WARNING(
                        f"{cal}: year(s) {listed} were seeded from holidays rules, which have no 调休 make-up "
                        "working days. Enter those Saturdays/Sundays by hand in the admin "
                        "(Calendar days, working day ticked) once the State Council publishes them."
                    )
                )
            if report.missing:
                listed = ", ".join(map(str, report.missing))
                self.stderr.write(
                    self.style.WARNING(
                        f"{cal}: no holiday data for {listed}; those years use weekday rules."
                    )
                )
