"""Figures by file and by hand (/signs/figures/): every line checked before any is stored, the
report naming each refused line, a dry run that stores nothing, a repeat stored once, figures
entered by hand kept with who entered them, and areas outside the scope refused."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from signs.models import Figure

pytestmark = pytest.mark.django_db
PAGE = "/en/signs/figures/"


def csv_file(text: str, name: str = "aqi.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")


GOOD = "区域代码,时间,数值,单位\n330200,2026-11-24 10:00,42,index\n330203,2026-11-24 10:00,55,\n"


@pytest.fixture
def admin(staff, client):
    client.force_login(staff["admin"])
    return client


def test_a_file_is_stored_once_and_a_dry_run_stores_nothing(admin, time_machine):
    from cases.tests.conftest import local

    time_machine.move_to(local(24, 12))
    dry = admin.post(PAGE, {"feed": "aqi", "file": csv_file(GOOD), "dry_run": "1"})
    assert dry.status_code == 200 and dry.context["report"]["dry_run"] is True
    assert Figure.objects.count() == 0
    stored = admin.post(PAGE, {"feed": "aqi", "file": csv_file(GOOD)})
    assert stored.context["report"]["stored"] == 2
    figure = Figure.objects.get(area__code="330203")
    assert (figure.value, figure.unit, figure.by.username) == (55, "index", "admin")
    again = admin.post(PAGE, {"feed": "aqi", "file": csv_file(GOOD)})
    assert again.context["report"]["stored"] == 0
    assert len(again.context["report"]["duplicates"]) == 2 and Figure.objects.count() == 2


def test_every_bad_line_is_named_and_nothing_is_stored(admin, time_machine):
    from cases.tests.conftest import local

    time_machine.move_to(local(24, 12))
    bad = (
        "区域代码,时间,数值,单位\n"
        "330200,2026-11-24 10:00,42,index\n"  # fine, but not stored: line 4 is bad
        "330203,yesterday,55,index\n"  # line 3: not a time
        "999999,2026-11-24 10:00,x,index\n"  # line 4: not a number
        "330203,2026-11-24 11:00,60,ppm\n"  # line 5: wrong unit
    )
    page = admin.post(PAGE, {"feed": "aqi", "file": csv_file(bad)})
    problems = page.context["report"]["problems"]
    assert any(p.startswith("line 3:") and "yesterday" in p for p in problems)
    assert any(p.startswith("line 4:") and "'x'" in p for p in problems)
    assert Figure.objects.count() == 0
    unit = admin.post(
        PAGE,
        {
            "feed": "aqi",
            "file": csv_file(bad.replace("yesterday", "2026-11-24").replace(",x,", ",1,")),
        },
    )
    problems = unit.context["report"]["problems"]
    assert any(p.startswith("line 5: unit:") for p in problems)
    assert any(p.startswith("line 4: area:") for p in problems)  # no area 999999
    assert Figure.objects.count() == 0
    headless = admin.post(PAGE, {"feed": "aqi", "file": csv_file("a,b\n1,2\n")})
    assert "区域代码" in headless.context["report"]["problems"][0]


def test_a_figure_entered_by_hand_keeps_who_and_when(admin, staff, time_machine):
    from cases.tests.conftest import local

    time_machine.move_to(local(24, 12))
    page = admin.post(
        PAGE,
        {
            "action": "enter",
            "feed": "sweeping_coverage",
            "area": "330203",
            "at": "2026-11-01",
            "value": "96.5",
        },
    )
    assert page.status_code == 302
    figure = Figure.objects.get()
    assert (figure.code, figure.value, figure.channel, figure.by) == (
        "sweeping_coverage", 96.5, "manual", staff["admin"]
    )  # fmt: skip
    listed = admin.get(PAGE)
    assert listed.context["latest"][0] == figure
    wrong = admin.post(
        PAGE,
        {
            "action": "enter",
            "feed": "sweeping_coverage",
            "area": "330203",
            "at": "",
            "value": "lots",
        },
    )
    assert len(wrong.context["report"]["problems"]) == 2


def test_only_those_who_may_add_figures_and_only_in_their_scope(
    client, staff, small_city, time_machine
):
    from django.contrib.auth.models import Permission

    from cases.tests.conftest import local

    time_machine.move_to(local(24, 12))
    client.force_login(staff["roads_disposer"])
    assert client.get(PAGE).status_code == 302  # sent to their own page
    dispatcher = staff["west_dispatcher"]  # scope: district West (330205)
    dispatcher.user_permissions.add(Permission.objects.get(codename="add_figure"))
    client.force_login(dispatcher)
    page = client.post(PAGE, {"feed": "aqi", "file": csv_file(GOOD)})
    problems = page.context["report"]["problems"]
    assert any("line 2" in p and "330200" in p for p in problems)  # the city: above the scope
    assert Figure.objects.count() == 0


def test_an_impossible_date_is_a_refused_line_and_a_pushed_feed_is_not_entered_by_hand(
    admin, time_machine
):
    from cases.tests.conftest import local

    time_machine.move_to(local(24, 12))
    page = admin.post(
        PAGE, {"feed": "aqi", "file": csv_file("区域代码,时间,数值\n330200,2026-02-30 10:00,42\n")}
    )
    assert page.status_code == 200
    assert any(p.startswith("line 2:") for p in page.context["report"]["problems"])
    entered = admin.post(
        PAGE, {"action": "enter", "feed": "aqi", "area": "330203", "at": "2026-11-01", "value": "1"}
    )
    assert "manual" in entered.context["report"]["problems"][0] and Figure.objects.count() == 0
