"""The cockpit (决策舱): its tiles for the user's scope, the rows behind each number, and the
ETag that makes an unchanged poll a 304."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from cases.factories import CaseFactory, TaskFactory
from cases.states import CaseStatus, SourceChannel, TaskStatus
from core.models import TimeUnit
from org.factories import DepartmentFactory
from web import cockpit

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    cache.clear()  # the cockpit caches its body per scope; tests start from nothing
    yield
    cache.clear()


def _grid(small_city, community="alpha1"):
    from areas.models import UnitGrid

    return UnitGrid.objects.filter(community=small_city.communities[community]).order_by("code")[0]


def _tiles(client, user, **headers):
    client.force_login(user)
    return client.get("/api/v1/cockpit", headers=headers)


def _overdue(grid, dept, hours_late, **kw):
    case = CaseFactory(grid=grid, status=CaseStatus.DISPATCHED, dispatch_round=1, **kw)
    TaskFactory(
        case=case,
        department=dept,
        status=TaskStatus.ACCEPTED,
        time_unit=TimeUnit.URGENT_HOUR,
        started_at=NOW - timedelta(hours=hours_late + 4),
        deadline_at=NOW - timedelta(hours=hours_late),
    )
    return case


def test_anonymous_gets_401_and_the_page_asks_to_log_in(client, small_city):
    assert client.get("/api/v1/cockpit").status_code == 401
    response = client.get("/en/cockpit/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_tiles_count_todays_intake_lights_and_the_red_list(client, personas, small_city):
    dept = DepartmentFactory(area=small_city.city, name="Roads")
    grid = _grid(small_city)
    CaseFactory(grid=grid, source=SourceChannel.HOTLINE_12345)
    CaseFactory(grid=grid, source=SourceChannel.HOTLINE_12345)
    CaseFactory(grid=grid, source=SourceChannel.CITIZEN, status=CaseStatus.FILED)
    yesterday = CaseFactory(grid=grid, reported_at=NOW - timedelta(days=1))
    worse = _overdue(grid, dept, 30, reported_at=NOW - timedelta(days=3))
    bad = _overdue(grid, dept, 2, reported_at=NOW - timedelta(days=2))
    CaseFactory(grid=grid, status=CaseStatus.CLOSED, reported_at=NOW - timedelta(days=2),
                closed_at=NOW - timedelta(hours=1))  # fmt: skip
    CaseFactory(grid=grid, status=CaseStatus.DISPOSED, reported_at=NOW - timedelta(days=2))
    body = _tiles(client, personas["city_leader"]).json()

    intake = body["intake"]
    assert intake["total"] == 3
    by_source = {s["source"]: s["n"] for s in intake["sources"]}
    assert by_source["hotline_12345"] == 2 and by_source["citizen"] == 1
    assert by_source["video_ai"] == 0  # every channel is listed, even a quiet one

    lights = body["lights"]
    assert (lights["red"], lights["yellow"], lights["green"]) == (2, 0, 0)
    # reported and filed wait for dispatch; the disposed one is past it (no clock, not waiting)
    assert lights["total"] == 7 and lights["waiting"] == 4

    red = body["red_cases"]
    assert [r["number"] for r in red] == [worse.number, bad.number]  # longest overdue first
    assert red[0]["overdue_hours"] == 30.0 and red[0]["departments"] == ["Roads"]
    new = [r["number"] for r in body["new_cases"]]
    assert yesterday.number not in new and len(new) == 3

    trend = body["trend"]
    assert len(trend["days"]) == 30 and trend["days"][-1] == "11-18"
    assert trend["reported"][-1] == 3 and trend["reported"][-2] == 1
    assert trend["closed"][-1] == 1
    assert body["fleet"] == {**body["fleet"], "vehicles": 0, "badges": 0}


def test_each_number_links_to_the_rows_behind_it(client, personas, small_city):
    grid = _grid(small_city)
    today = CaseFactory(grid=grid, source=SourceChannel.HOTLINE_12345)
    old = CaseFactory(grid=grid, source=SourceChannel.HOTLINE_12345,
                      reported_at=NOW - timedelta(days=2))  # fmt: skip
    body = _tiles(client, personas["city_leader"]).json()
    (source,) = [s for s in body["intake"]["sources"] if s["source"] == "hotline_12345"]
    page = client.get(source["url"])
    assert page.status_code == 200
    html = page.content.decode()
    assert today.number in html and old.number not in html
    for url in (body["lights"]["urls"]["red"], body["alarms"]["url"], body["fleet"]["url"]):
        assert client.get(url).status_code == 200, url


def test_the_red_number_opens_the_overdue_queue(client, personas, small_city):
    dept = DepartmentFactory(area=small_city.city)
    late = _overdue(_grid(small_city), dept, 5)
    fine = CaseFactory(grid=_grid(small_city), status=CaseStatus.FILED)
    body = _tiles(client, personas["city_leader"]).json()
    assert body["lights"]["red"] == 1
    html = client.get(body["lights"]["urls"]["red"]).content.decode()
    assert late.number in html and fine.number not in html


def test_each_user_sees_their_own_slice(client, personas, small_city):
    CaseFactory(grid=_grid(small_city, "alpha1"))
    beta = CaseFactory(grid=_grid(small_city, "beta1"))
    body = _tiles(client, personas["beta_operator"]).json()
    assert body["intake"]["total"] == 1
    assert [r["number"] for r in body["new_cases"]] == [beta.number]
    assert cockpit.scope_key(personas["beta_operator"]) != cockpit.scope_key(
        personas["city_leader"]
    )


def test_users_who_see_different_rows_never_share_the_cached_body(small_city):
    """Same areas, different departments (their ranking tile differs; disposers see by
    department), different roles, no role: each its own key."""
    from org.models import Role
    from org.services import staff_create

    d1 = DepartmentFactory(area=small_city.city)
    d2 = DepartmentFactory(area=small_city.city)
    made = {}
    for name, role, dept in (("i1", Role.INSPECTOR, d1), ("i2", Role.INSPECTOR, d2),
                             ("p1", Role.DISPOSER, d1), ("p2", Role.DISPOSER, d2),
                             ("l1", Role.LEADER, None)):  # fmt: skip
        made[name] = staff_create(
            username=name, password="x-long-password", role=role, department=dept,
            areas=[small_city.alpha],
        ).user  # fmt: skip
    from django.contrib.auth import get_user_model

    made["nobody"] = get_user_model().objects.create_user("nobody", password="x-long-password")
    keys = {name: cockpit.scope_key(user) for name, user in made.items()}
    assert len(set(keys.values())) == len(keys), keys


def test_an_unchanged_poll_is_a_304_and_a_new_case_changes_the_etag(client, personas, small_city):
    grid = _grid(small_city)
    CaseFactory(grid=grid)
    user = personas["city_leader"]
    first = _tiles(client, user)
    etag = first["ETag"]
    assert first.status_code == 200 and etag
    again = _tiles(client, user, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    cache.clear()  # the live cache lasts a second; a later poll recomputes
    assert _tiles(client, user, **{"If-None-Match": etag}).status_code == 304  # same numbers
    CaseFactory(grid=grid)
    cache.delete(f"cockpit:{cockpit.scope_key(user)}:en")  # the live part only
    changed = _tiles(client, user, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    body = changed.json()
    assert body["intake"]["total"] == 2
    assert body["trend"]["reported"][-1] == 2  # today's point is live, not the cached trend


def test_the_cockpit_page_renders_in_chinese(client, personas, small_city):
    from django.test import Client

    zh = Client()
    zh.force_login(personas["city_leader"])
    html = zh.get("/cockpit/").content.decode()
    assert "决策舱" in html and "Testcity" in html
