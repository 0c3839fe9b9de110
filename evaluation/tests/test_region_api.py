"""/api/v1/evaluation/regions: the region page's numbers, scoped, and robust to bad input."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import time_machine

from cases.tests.api_client import as_user, error, ok
from evaluation.tests.test_regions import NOW, region_week  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
WEEK = urlencode({"from": "2026-11-23", "to": "2026-11-29"})


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_region_ranking_has_the_same_numbers_as_the_page(staff, region_week):  # noqa: F811
    body = ok(as_user(staff["city_leader"]).get("/evaluation/regions?tier=street&" + WEEK))
    assert body["tier"] == "street"
    assert [(r["rank"], r["code"]) for r in body["rows"]] == [(1, "330205001"), (2, "330203001")]
    alpha = body["rows"][1]
    assert alpha["counts"]["due"] == 4 and alpha["counts"]["filed"] == 8
    assert str(alpha["values"]["on_time_closing_rate"]) == "50.00"
    assert alpha["top_categories"] == [{"name": region_week["overdue"].category.name, "filed": 8}]


def test_the_region_drill_down_lists_the_cases_of_one_count(staff, region_week):  # noqa: F811
    api = as_user(staff["city_leader"])
    body = ok(api.get("/evaluation/regions/330203001/cases?count=overdue_open&" + WEEK))
    assert body["count"] == 1 and [c["case"] for c in body["items"]] == [
        region_week["overdue"].number
    ]
    rated = ok(api.get("/evaluation/regions/330203001001001/cases?count=rated&" + WEEK))
    assert sorted(c["rating"] for c in rated["items"]) == [2, 5]


def test_region_scope_role_and_bad_input(staff, region_week):  # noqa: F811
    west = as_user(staff["west_dispatcher"])
    assert ok(west.get("/evaluation/regions?" + WEEK))["tier"] == "street"
    error(west.get("/evaluation/regions/330203/cases?count=filed"), 404)
    error(as_user(staff["roads_disposer"]).get("/evaluation/regions"), 403, "role_required")
    leader = as_user(staff["city_leader"])
    error(leader.get("/evaluation/regions?tier=planet"), 422)
    error(leader.get("/evaluation/regions/330203/cases?count=nonsense"), 422)
    error(leader.get("/evaluation/regions/999999/cases?count=filed"), 404)
    error(leader.get("/evaluation/regions?from=2026-11-29&to=2026-11-23"), 422)


def test_the_headline_of_the_callers_scope(staff, region_week):  # noqa: F811
    body = ok(as_user(staff["city_leader"]).get("/evaluation/headline?" + WEEK))
    [city] = body["areas"]
    assert city["code"] == "330200" and city["counts"]["filed"] == 9
    assert city["filed_by_source"] == {"inspector": 8, "hotline_12345": 1}
    assert str(city["values"]["closing_rate"]) == "80.00"  # 4 closed / 5 due
    [west] = ok(as_user(staff["west_dispatcher"]).get("/evaluation/headline?" + WEEK))["areas"]
    assert (west["code"], west["counts"]["filed"]) == ("330205", 1)


def test_the_rankings_carry_the_schemes_score_and_grade(staff, region_week):  # noqa: F811
    body = ok(as_user(staff["city_leader"]).get("/evaluation/regions?tier=district&" + WEEK))
    assert body["scheme"]["name"]
    assert [(r["name"], str(r["score"]), r["grade"]) for r in body["rows"]] == [
        ("West", "100.00", "A"),
        ("East", "60.00", "C"),
    ]
