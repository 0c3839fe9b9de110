"""Create the default working calendar and seed its holidays and 调休 make-up days.

Years: what chinese-calendar covers (official, with make-up days) plus this year and next from the
`holidays` CN rules (no make-up days: enter them in the admin). `manage.py seed_calendar` refreshes
them later; rows entered by hand are never overwritten.
"""

from django.conf import settings
from django.db import migrations


def seed_default_calendar(apps, schema_editor):
    from core.calendar_data import DEFAULT_CALENDAR_NAME, default_seed_years, official_year

    WorkCalendar = apps.get_model("core", "WorkCalendar")
    CalendarDay = apps.get_model("core", "CalendarDay")
    CalendarYear = apps.get_model("core", "CalendarYear")
    if WorkCalendar.objects.filter(is_default=True).exists():
        return
    calendar = WorkCalendar.objects.create(
        name=DEFAULT_CALENDAR_NAME, is_default=True, work_windows=settings.WORK_WINDOWS
    )
    for year in default_seed_years():
        official = official_year(year)
        if official is None:
            continue
        CalendarDay.objects.bulk_create(
            CalendarDay(
                calendar=calendar,
                date=day.date,
                is_workday=day.is_workday,
                name=day.name,
                source=official.source,
            )
            for day in official.days
        )
        CalendarYear.objects.create(
            calendar=calendar, year=year, source=official.source, note=official.note
        )


def remove_default_calendar(apps, schema_editor):
    from core.calendar_data import DEFAULT_CALENDAR_NAME

    apps.get_model("core", "WorkCalendar").objects.filter(name=DEFAULT_CALENDAR_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed_default_calendar, remove_default_calendar),
    ]
