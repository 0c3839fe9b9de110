"""The working calendar is editable in the Django admin, with search and filters."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from core.calendar_data import SOURCE_CHINESE_CALENDAR, SOURCE_MANUAL
from core.models import CalendarDay, CalendarYear, WorkCalendar
from core.workcalendar import invalidate_cache, is_workday

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    invalidate_cache()
    yield
    invalidate_cache()


@pytest.fixture
def default_calendar() -> WorkCalendar:
    return WorkCalendar.objects.get(is_default=True)


@pytest.mark.parametrize(
    ("model", "query"),
    [
        ("workcalendar", {"q": "Default", "is_default__exact": "1"}),
        ("workcalendar", {"area_class__exact": "A"}),
        (
            "calendarday",
            {"q": "国庆", "is_workday__exact": "0", "source__exact": "chinese_calendar"},
        ),
        ("calendarday", {"date__year": "2026", "date__month": "10"}),
        ("calendaryear", {"q": "2026", "source__exact": "chinese_calendar"}),
    ],
)
def test_changelists_search_and_filter(admin_client, model, query):
    response = admin_client.get(reverse(f"admin:core_{model}_changelist"), query)
    assert response.status_code == 200
    assert response.context["cl"].result_count >= (0 if "area_class__exact" in query else 1)


def test_day_search_finds_national_day(admin_client):
    response = admin_client.get(
        reverse("admin:core_calendarday_changelist"), {"q": "国庆", "date__year": "2026"}
    )
    dates = {day.date for day in response.context["cl"].result_list}
    assert date(2026, 10, 1) in dates and date(2026, 10, 10) in dates


def test_calendar_change_page_shows_its_years(admin_client, default_calendar):
    response = admin_client.get(
        reverse("admin:core_workcalendar_change", args=[default_calendar.pk])
    )
    assert response.status_code == 200
    assert "2026" in response.content.decode()


def test_editing_a_seeded_day_makes_it_manual_so_reseeding_keeps_it(admin_client, default_calendar):
    day = CalendarDay.objects.get(calendar=default_calendar, date=date(2026, 10, 10))
    assert day.source == SOURCE_CHINESE_CALENDAR
    response = admin_client.post(
        reverse("admin:core_calendarday_change", args=[day.pk]),
        {
            "calendar": default_calendar.pk,
            "date": "2026-10-10",
            "is_workday": "",  # the city decides not to work that Saturday
            "name": "不调休",
            "work_windows": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    day.refresh_from_db()
    assert (day.is_workday, day.source) == (False, SOURCE_MANUAL)
    assert is_workday(date(2026, 10, 10)) is False


def test_adding_a_day_with_bad_windows_shows_the_reason(admin_client, default_calendar):
    response = admin_client.post(
        reverse("admin:core_calendarday_add"),
        {
            "calendar": default_calendar.pk,
            "date": "2026-03-10",
            "is_workday": "on",
            "name": "",
            "work_windows": "08:00-12:00,11:00-13:00",
        },
    )
    assert response.status_code == 200
    assert "working windows overlap" in response.content.decode()
    assert not CalendarDay.objects.filter(date=date(2026, 3, 10)).exists()


def test_adding_a_calendar_seeds_its_holidays(admin_client):
    response = admin_client.post(
        reverse("admin:core_workcalendar_add"),
        {
            "name": "Class A",
            "area_class": "A",
            "work_windows": "07:30-11:30,13:30-17:30",
            "notes": "",
            "years-TOTAL_FORMS": "0",
            "years-INITIAL_FORMS": "0",
            "years-MIN_NUM_FORMS": "0",
            "years-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    calendar = WorkCalendar.objects.get(name="Class A")
    assert CalendarYear.objects.filter(calendar=calendar, year=2026).exists()
    assert is_workday(date(2026, 10, 10), "A") is True


def test_seed_action(admin_client, default_calendar):
    CalendarDay.objects.filter(calendar=default_calendar, date=date(2026, 10, 1)).delete()
    response = admin_client.post(
        reverse("admin:core_workcalendar_changelist"),
        {"action": "seed_official_days", "_selected_action": [default_calendar.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert CalendarDay.objects.filter(calendar=default_calendar, date=date(2026, 10, 1)).exists()
