"""Admin for the working-time calendar: calendars, the years they cover, and per-date overrides."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.calendar_data import SOURCE_MANUAL, default_seed_years, seed_calendar_years
from core.models import CalendarDay, CalendarYear, WorkCalendar


class CalendarYearInline(admin.TabularInline):
    model = CalendarYear
    extra = 0
    fields = ("year", "source", "note")
    readonly_fields = ("source",)
    ordering = ("-year",)


@admin.register(WorkCalendar)
class WorkCalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "is_default", "area_class", "work_windows", "day_count", "days_link")
    list_filter = ("is_default", "area_class")
    search_fields = ("name", "notes", "work_windows")
    inlines = (CalendarYearInline,)
    actions = ("seed_official_days",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_day_count=Count("days"))

    @admin.display(description=_("override days"), ordering="_day_count")
    def day_count(self, obj: WorkCalendar) -> int:
        return obj._day_count

    @admin.display(description=_("days"))
    def days_link(self, obj: WorkCalendar) -> str:
        url = reverse("admin:core_calendarday_changelist") + f"?calendar__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Show days"))

    def save_model(self, request, obj: WorkCalendar, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            # A new calendar without holiday data would run on weekday rules only: seed it now.
            self._seed(request, obj)

    @admin.action(description=_("Seed official holidays and make-up days (manual days kept)"))
    def seed_official_days(self, request, queryset) -> None:
        for calendar in queryset:
            self._seed(request, calendar)

    def _seed(self, request, calendar: WorkCalendar) -> None:
        report = seed_calendar_years(calendar=calendar, years=default_seed_years())
        self.message_user(
            request,
            _(
                "%(calendar)s: holidays seeded for %(first)s-%(last)s: %(created)d days created, "
                "%(updated)d updated, %(kept)d manual days kept."
            )
            % {
                "calendar": calendar,
                "first": min(report.years, default=""),
                "last": max(report.years, default=""),
                "created": report.created,
                "updated": report.updated,
                "kept": report.kept_manual,
            },
            messages.SUCCESS,
        )
        if report.without_make_up_days:
            self.message_user(
                request,
                _(
                    "%(calendar)s: year(s) %(years)s were seeded from holiday rules without 调休 "
                    "make-up working days; enter those days by hand."
                )
                % {
                    "calendar": calendar,
                    "years": ", ".join(map(str, report.without_make_up_days)),
                },
                messages.WARNING,
            )


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "weekday", "calendar", "is_workday", "name", "work_windows", "source")
    list_filter = ("calendar", "is_workday", "source")
    search_fields = ("name", "date", "calendar__name")
    date_hierarchy = "date"
    list_select_related = ("calendar",)
    readonly_fields = ("source",)
    ordering = ("-date",)

    @admin.display(description=_("weekday"), ordering="date")
    def weekday(self, obj: CalendarDay) -> str:
        return obj.date.strftime("%a")

    def save_model(self, request, obj: CalendarDay, form, change: bool) -> None:
        # A person's edit must survive the next seed_calendar run, which skips manual rows only.
        obj.source = SOURCE_MANUAL
        super().save_model(request, obj, form, change)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "calendar", "source", "note")
    list_filter = ("calendar", "source")
    search_fields = ("year", "note", "calendar__name")
    list_select_related = ("calendar",)
    ordering = ("-year",)
