"""The index "now" (实时): values as each hour ends, over the 24 hours before it (issue 11: "per
hour and per day"). Over the small tree of test_compute (eight cases filed in street Alpha at
09:00 on Monday 23 Nov 2026)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cases.tests.conftest import local
from evaluation.tests.test_regions import ALPHA, region_week  # noqa: F401 - the fixture
from signs import scoring, services, tasks
from signs.models import SignValue
from signs.tests.test_compute import small_tree  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

MONDAY, TUESDAY = date(2026, 11, 23), date(2026, 11, 24)


def _hour(code, day, hour, path=ALPHA):
    return SignValue.objects.get(node__code=code, area_path=path, day=day, hour=hour)


def test_an_hour_counts_the_24_hours_before_its_end(small_tree):  # noqa: F811
    services.compute_hour(MONDAY, 8)  # Sun 09:00 - Mon 09:00: the 09:00 filings not yet
    services.compute_hour(MONDAY, 9)  # Sun 10:00 - Mon 10:00: all eight
    services.compute_hour(TUESDAY, 8)  # Mon 09:00 - Tue 09:00: still all eight
    services.compute_hour(TUESDAY, 9)  # Mon 10:00 - Tue 10:00: none
    raws = [
        _hour("FILED", d, h).raw for d, h in ((MONDAY, 8), (MONDAY, 9), (TUESDAY, 8), (TUESDAY, 9))
    ]
    assert raws == [0.0, 8.0, 8.0, 0.0]
    filed = _hour("FILED", MONDAY, 9)
    assert filed.explanation["rows"]["from"] == local(22, 10).isoformat()
    assert filed.explanation["rows"]["until"] == local(23, 10).isoformat()
    assert len(filed.explanation["rows"]["baseline_until"]) == 8
    assert str(filed).endswith("2026-11-23 10:00: 0.0")  # eight against nothing usual: 0
    # Day values are untouched by hours, and hours by days.
    assert not SignValue.objects.filter(day=MONDAY, hour=None).exists()


def test_the_last_hour_of_a_day_is_the_day(small_tree):  # noqa: F811
    """The 24 hours up to midnight are the day: every node of every area has the day's raw
    value and score (the filed count from the facts, the day's from the rollups)."""
    services.compute_day(MONDAY)
    services.compute_hour(MONDAY, 23)
    day = {(v.node_id, v.area_path): (v.raw, v.score) for v in SignValue.objects.filter(hour=None)}
    hour = {(v.node_id, v.area_path): (v.raw, v.score) for v in SignValue.objects.filter(hour=23)}
    assert day == hour and len(day) > 10
    assert day[(_hour("FILED", MONDAY, 23).node_id, ALPHA)] == (8.0, 0.0)


def test_colours_follow_the_hour_before_with_hysteresis(small_tree):  # noqa: F811
    for hour in (8, 9, 10):
        services.compute_hour(TUESDAY, hour)
    red, held, settled = (_hour("FILED", TUESDAY, h) for h in (8, 9, 10))
    assert (red.band, red.colour) == (scoring.RED, scoring.RED)
    assert held.band == scoring.BLUE and held.colour == scoring.RED  # once is not enough
    assert held.pending == scoring.BLUE
    assert settled.colour == scoring.BLUE


def test_the_hourly_task_computes_the_hour_just_ended_and_keeps_a_week(small_tree, time_machine):  # noqa: F811
    SignValue.objects.create(
        tree=small_tree, node=small_tree.nodes.get(code="INDEX"), area_path=ALPHA,
        tier="street", day=date(2026, 11, 10), hour=5, status="ok",
    )  # fmt: skip
    time_machine.move_to(local(24, 10, 5))
    assert tasks.compute_last_hour.call_local() > 0
    assert set(SignValue.objects.values_list("day", "hour")) == {(TUESDAY, 9)}
    assert _hour("FILED", TUESDAY, 9).raw == 0.0


def test_missing_hours_are_caught_up_oldest_first(small_tree, time_machine):  # noqa: F811
    time_machine.move_to(local(24, 10, 5))
    tasks.catch_up_hours.call_local()  # the 24 hours before the last (compute_last_hour's)
    assert set(SignValue.objects.values_list("day", "hour")) == {(MONDAY, 9), (MONDAY, 10),
                                                                (MONDAY, 11)}  # fmt: skip
    tasks.catch_up_hours.call_local()
    assert SignValue.objects.filter(day=MONDAY, hour=14).exists()


def test_the_api_gives_the_latest_hour_and_refuses_a_bad_hour(small_tree, client, staff):  # noqa: F811
    client.force_login(staff["city_leader"])
    assert client.get("/api/v1/signs/now").status_code == 404  # nothing computed yet
    services.compute_hour(MONDAY, 9)
    services.compute_hour(MONDAY, 10)
    services.compute_day(MONDAY)
    now = client.get("/api/v1/signs/now", {"area": "330203001"}).json()
    assert (now["day"], now["hour"]) == ("2026-11-23", 10)
    assert {v["code"]: v["raw"] for v in now["values"]}["FILED"] == 8.0
    by_hour = client.get("/api/v1/signs/values", {"area": "330203001", "day": "2026-11-23",
                                                  "hour": 9}).json()  # fmt: skip
    assert by_hour["hour"] == 9 and len(by_hour["values"]) == len(now["values"])
    day = client.get("/api/v1/signs/values", {"area": "330203001", "day": "2026-11-23"}).json()
    assert day["hour"] is None and len(day["values"]) == len(now["values"])
    bad = client.get("/api/v1/signs/values", {"area": "330203001", "hour": 24})
    assert bad.status_code == 422 and "0 to 23" in bad.json()["message"]
    [index] = [v for v in now["values"] if v["code"] == "INDEX"]
    explained = client.get(f"/api/v1/signs/values/{index['id']}").json()
    assert explained["hour"] == 10


def test_the_page_shows_the_index_now_beside_the_day(small_tree, client, staff):  # noqa: F811
    client.force_login(staff["city_leader"])
    services.compute_day(MONDAY)
    page = client.get("/signs/", {"area": "330203001", "day": "2026-11-23"})
    assert 'id="sign-now"' not in page.content.decode()  # no hour computed yet
    services.compute_hour(TUESDAY, 10)  # the hour after the latest day: "now"
    page = client.get("/signs/", {"area": "330203001", "day": "2026-11-23"})
    body = page.content.decode()
    assert 'id="sign-now"' in body and "11:00" in body
    now = _hour("INDEX", TUESDAY, 10)
    assert f"/signs/values/{now.pk}/" in body
    explained = client.get(f"/signs/values/{now.pk}/").content.decode()
    assert "11:00" in explained
    # every hourly value explains itself (a filed count: its 24 hours and its baseline)
    for value in SignValue.objects.filter(day=TUESDAY, hour=10):
        assert client.get(f"/signs/values/{value.pk}/").status_code == 200, value
    filed = client.get(f"/en/signs/values/{_hour('FILED', TUESDAY, 10).pk}/").content.decode()
    assert "in the 24 hours to 2026-11-24 11:00" in filed


def test_the_cockpit_shows_the_index_now_when_hours_are_computed(small_tree, staff):  # noqa: F811
    from web.cockpit import sign_index

    leader = staff["city_leader"]
    services.compute_day(MONDAY)
    assert sign_index(leader)["day"] == "2026-11-23"  # days only: the latest day
    services.compute_hour(TUESDAY, 10)
    shown = sign_index(leader)
    assert shown["day"] == "2026-11-24 11:00"
    assert shown["score"] == _hour("INDEX", TUESDAY, 10, path="/330200/").score


def test_the_command_computes_past_hours_that_have_ended(small_tree, time_machine):  # noqa: F811
    from io import StringIO

    from django.core.management import call_command

    time_machine.move_to(local(24, 10, 30))
    out = StringIO()
    call_command("signs_compute", "--from", "2026-11-23", "--to", "2026-11-24", "--hours",
                 stdout=out, verbosity=0)  # fmt: skip
    assert "for 2 day(s), 2026-11-23 to 2026-11-24, and 34 hour(s)." in out.getvalue()
    hours = set(SignValue.objects.filter(hour__isnull=False).values_list("day", "hour"))
    assert len(hours) == 34 and (TUESDAY, 9) in hours and (TUESDAY, 10) not in hours


def test_an_hour_computed_later_counts_its_day_only_up_to_the_hour(small_tree):  # noqa: F811
    """A rate of an hour computed after the day went on (a backfill, a catch-up): its window's
    whole days from the rollups, less what its last day counted after the hour's end. The
    Monday's three cases were closed at 16:00-16:05, the overdue one not at all."""
    services.compute_hour(MONDAY, 12)
    services.compute_hour(MONDAY, 16)
    noon = _hour("CLOSING", MONDAY, 12).explanation["rows"]
    four = _hour("CLOSING", MONDAY, 16).explanation["rows"]
    assert noon["counts"]["closed"] == 0 and noon["until"] == local(23, 13).isoformat()
    assert four["counts"]["closed"] == 3
    day = services.compute_day(MONDAY) and SignValue.objects.get(
        node__code="CLOSING", area_path=ALPHA, day=MONDAY, hour=None
    )
    assert (
        day.explanation["rows"]["counts"]["closed"] == 3 and "until" not in day.explanation["rows"]
    )


def test_the_page_and_cockpit_fall_back_to_the_day_when_hours_are_stale(small_tree, staff):  # noqa: F811
    from signs import selectors
    from web.cockpit import sign_index

    services.compute_hour(MONDAY, 10)
    services.compute_day(TUESDAY)  # the days went on; the hours stopped on Monday
    assert selectors.current_hour(small_tree) is None
    assert sign_index(staff["city_leader"])["day"] == "2026-11-24"
    services.compute_hour(MONDAY, 23)  # the last hour of an older day is no newer either
    assert selectors.current_hour(small_tree) is None
    services.compute_hour(TUESDAY, 23)  # the same 24 hours as Tuesday's day value
    assert selectors.current_hour(small_tree) is None
    services.compute_hour(TUESDAY + timedelta(days=1), 0)
    assert selectors.current_hour(small_tree) == (TUESDAY + timedelta(days=1), 0)


def test_an_hours_filed_count_lists_the_cases_of_its_24_hours(client, staff, small_tree):  # noqa: F811
    services.compute_hour(MONDAY, 12)  # the 24 hours to 13:00: the eight filed at 09:00
    value = SignValue.objects.get(node__code="FILED", area_path=ALPHA, day=MONDAY, hour=12)
    client.force_login(staff["city_leader"])
    behind = client.get(f"/en/signs/values/{value.pk}/").context["behind"]
    assert behind.total == value.raw == 8
    services.compute_hour(MONDAY, 7)  # to 08:00: none yet
    early = SignValue.objects.get(node__code="FILED", area_path=ALPHA, day=MONDAY, hour=7)
    assert client.get(f"/en/signs/values/{early.pk}/").context["behind"].total == 0
