"""Figures pushed by other systems (POST /api/v1/signs/feeds/<code>) and read by feed leaves:
each bad input a clear 4xx with nothing stored, duplicates stored once, stale figures shown as
stale, and a city-wide figure holding for the areas below."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.contrib.auth.models import Permission

from cases.tests.conftest import local
from org.services import api_token_create
from signs import measures
from signs.models import Figure, SignNode, Status
from signs.tree import active_tree

pytestmark = pytest.mark.django_db
URL = "/api/v1/signs/feeds/aqi"


@pytest.fixture
def feeder(django_user_model, personas):
    user = django_user_model.objects.create_user("aqi-station", password="x-x-x-x-x-1")
    user.user_permissions.add(Permission.objects.get(codename="add_figure"))
    return api_token_create(user=user, name="AQI")[1]


def push(client, token, records, url=URL):
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return client.post(url, json.dumps({"records": records}), content_type="application/json",
                       **{f"HTTP_{k.upper()}": v for k, v in headers.items()})  # fmt: skip


def record(**kwargs):
    values = {"area": "330200", "at": "2026-11-24T10:00:00+08:00", "value": 42,
              "unit": "index", "source_id": "aqi-1"}  # fmt: skip
    return {**values, **kwargs}


def test_a_station_pushes_figures_and_a_repeat_is_stored_once(client, feeder, time_machine):
    time_machine.move_to(local(24, 12))
    first = push(client, feeder, [record(), record(source_id="aqi-2", area="330203", value=55)])
    assert first.status_code == 201 and first.json() == {"stored": 2, "duplicates": []}
    again = push(client, feeder, [record()])
    assert again.status_code == 200 and again.json() == {"stored": 0, "duplicates": ["aqi-1"]}
    assert Figure.objects.count() == 2
    figure = Figure.objects.get(source_id="aqi-1")
    assert (figure.value, figure.unit, figure.channel, figure.by.username) == (
        42,
        "index",
        "feed",
        "aqi-station",
    )


@pytest.mark.parametrize(
    "records, status, says",
    [
        ([record(unit="µg/m3")], 422, "the feed's unit is index, not µg/m3"),
        ([record(area="999999")], 422, "no area 999999"),
        ([record(at="2026-11-24T15:00:00+08:00")], 422, "is in the future"),
        ([record(at="2026-11-24T10:00:00")], 422, "must carry a time zone"),
        ([record(), record(value=43)], 422, "used twice in this push"),
        ([], 422, "No records"),
    ],
)
def test_bad_records_are_refused_and_nothing_is_stored(
    client, feeder, time_machine, records, status, says
):
    time_machine.move_to(local(24, 12))
    good = record(source_id="fine")
    answer = push(client, feeder, [good, *records] if records else [])
    assert answer.status_code == status
    assert says in answer.json()["message"]
    assert not Figure.objects.exists()  # not even the good one


def test_not_a_number_is_refused(client, feeder, time_machine):
    time_machine.move_to(local(24, 12))
    body = '{"records": [{"area": "330200", "at": "2026-11-24T10:00:00+08:00", "value": NaN,' \
           ' "unit": "index", "source_id": "x"}]}'  # fmt: skip
    answer = client.post(URL, body, content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {feeder}")  # fmt: skip
    assert answer.status_code == 422 and "finite" in answer.json()["message"]
    assert not Figure.objects.exists()


def test_an_unknown_feed_a_reused_source_id_and_no_permission(
    client, feeder, personas, time_machine
):
    time_machine.move_to(local(24, 12))
    unknown = push(client, feeder, [record()], url="/api/v1/signs/feeds/weather_on_mars")
    assert unknown.status_code == 404 and "weather_on_mars" in unknown.json()["message"]
    assert push(client, feeder, [record()]).status_code == 201
    changed = push(client, feeder, [record(value=99)])
    assert (
        changed.status_code == 409
        and "already stored with other values" in changed.json()["message"]
    )
    assert Figure.objects.get().value == 42
    assert push(client, None, [record(source_id="anon")]).status_code == 401
    leader = api_token_create(user=personas["city_leader"], name="t")[1]
    assert push(client, leader, [record(source_id="leader")]).status_code == 403


def _aqi_leaf() -> SignNode:
    return active_tree().nodes.get(code="C2.1")  # AQI, hourly: fresh for 2 hours


def _figure(area, at, value, source_id):
    from areas.models import AdminArea

    return Figure.objects.create(code="aqi", channel="feed", area=AdminArea.objects.get(code=area),
                                 at=at, value=value, unit="index", source_id=source_id)  # fmt: skip


def test_a_leaf_reads_the_latest_fresh_figure_of_its_area_or_the_one_above(personas):
    day = date(2026, 11, 24)
    _figure("330200", local(24, 23, 30), 80, "city")  # city-wide
    _figure("330203", local(24, 23, 0), 120, "east-late")
    _figure("330203", local(24, 22, 0), 40, "east-earlier")
    _figure("330203", local(25, 9), 10, "east-next-day")  # after the day: not used
    found = measures.measure_tier(
        _aqi_leaf(), "district", ["/330200/330203/", "/330200/330205/"], day
    )
    east, west = found["/330200/330203/"], found["/330200/330205/"]
    assert east.raw == 120 and east.rows["from_area"] == "/330200/330203/"
    assert west.raw == 80 and west.rows["from_area"] == "/330200/"  # the city's holds for West


def test_a_stale_figure_is_shown_as_stale_never_as_fresh(personas):
    _figure("330200", local(24, 20), 80, "evening")  # 4 h before the day's end: older than 2 h
    [city] = measures.measure_tier(_aqi_leaf(), "city", ["/330200/"], date(2026, 11, 24)).values()
    assert city.raw is None and city.note == "stale"
    assert city.note_params == {"at": "2026-11-24 20:00"}
    from signs import services

    services.compute_day(date(2026, 11, 24))
    from signs.models import SignValue

    value = SignValue.objects.get(node__code="C2.1", area_path="/330200/", day=date(2026, 11, 24))
    assert value.status == Status.NO_DATA and value.explanation["note"] == "stale"
    assert value.explanation["rows"]["at"].startswith("2026-11-24T12:00")  # the figure's (UTC)


def test_a_reused_source_id_is_a_conflict_in_chinese_too(client, feeder, time_machine):
    time_machine.move_to(local(24, 12))
    assert push(client, feeder, [record()]).status_code == 201
    answer = client.post(URL, json.dumps({"records": [record(value=99)]}),
                         content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {feeder}",
                         HTTP_ACCEPT_LANGUAGE="zh-hans")  # fmt: skip
    assert answer.status_code == 409 and "已以不同的值存储" in answer.json()["message"]


def test_a_file_of_figures_is_stored_or_refused_by_line(tmp_path, personas, time_machine):
    from django.core.management import CommandError, call_command

    time_machine.move_to(local(24, 12))
    good = tmp_path / "survey.csv"
    good.write_text(
        "区域编码,时间,数值,单位,来源编号\n"
        "330203,2026-10-01 09:00,88.5,%,sweep-east-q4\n"
        "330205,2026-10-01T09:00:00+08:00,91,%,sweep-west-q4\n",
        encoding="utf-8",
    )
    call_command("signs_import_figures", "sweeping_coverage", str(good))
    east = Figure.objects.get(source_id="sweep-east-q4")
    assert (east.value, east.channel, east.at) == (88.5, "manual", local(1, 9).replace(month=10))
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "area,at,value,unit,source_id\n"
        "330203,2026-11-01 09:00,70,%,ok-1\n"
        "330203,2026-11-01 09:00,lots,%,bad-number\n"
        "330203,yesterday,70,%,bad-time\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as refused:
        call_command("signs_import_figures", "sweeping_coverage", str(bad))
    assert "line 3: value: not a number ('lots')" in str(refused.value)
    assert "line 4: at: not a date and time ('yesterday')" in str(refused.value)
    units = tmp_path / "units.csv"
    units.write_text("area,at,value,unit,source_id\n330203,2026-11-01 09:00,0.7,ratio,u-1\n",
                     encoding="utf-8")  # fmt: skip
    with pytest.raises(CommandError, match="line 2: unit: the feed's unit is %, not ratio"):
        call_command("signs_import_figures", "sweeping_coverage", str(units))
    assert Figure.objects.count() == 2  # nothing of the refused files
    no_column = tmp_path / "short.csv"
    no_column.write_text("area,at,value\n330203,2026-11-01 09:00,1\n", encoding="utf-8")
    with pytest.raises(CommandError, match="no column unit"):
        call_command("signs_import_figures", "sweeping_coverage", str(no_column))


def test_a_feed_value_page_shows_the_figure_it_is(client, personas):
    """A feed value names the record behind it: its code, value, area, source id and time."""
    from signs import services
    from signs.models import SignValue

    _figure("330200", local(24, 23, 30), 80, "city-2330")
    services.compute_day(date(2026, 11, 24))
    value = SignValue.objects.get(node__code="C2.1", area_path="/330200/", day=date(2026, 11, 24))
    client.force_login(personas["city_leader"])
    page = client.get(f"/en/signs/values/{value.pk}/")
    behind = page.context["behind"]
    assert behind.total == 1 and "aqi = 80" in behind.rows[0]["what"]
    assert "city-2330" in page.content.decode()
