"""Evaluation schemes (评价方案): score rules with the numbers written out, the composite and
grade, a scheme change seen before and after on the scheme page, saved with its history."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import time_machine

from evaluation import definitions, schemes, selectors
from evaluation.models import ObjectType, RuleKind, Scheme, SchemeItem
from evaluation.tests.test_regions import NOW, WEEK, region_week  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
D = Decimal


def item(indicator, rule=RuleKind.LINEAR, weight=1, **params):
    return SchemeItem(indicator=indicator, rule=rule, weight=D(weight), params=params)


def pts(it, value, counts=None, object_type=ObjectType.DEPARTMENT):
    known = schemes.indicators_of(object_type)
    return schemes.points(it, value, counts or {}, known[it.indicator])


def test_linear_bands_and_deductions_give_the_points_written_out():
    assert pts(item("on_time_rate"), D("96.10")) == D("96.10")
    assert pts(item("rework_rate"), D("2.00")) == D("98.00")  # lower is better: 100 - 2
    ramp = item("on_time_rate", zero=80, full=100)  # 0 points at 80 %, 100 at 100 %
    assert pts(ramp, D("90")) == D(50) and pts(ramp, D("70")) == 0 and pts(ramp, D(100)) == 100
    bands = item("on_time_rate", RuleKind.BANDS, at_least=[[95, 100], [90, 80], [80, 60]])
    assert [pts(bands, D(v)) for v in (99, 95, 92, 85, 50)] == [100, 100, 80, 60, 0]
    filed = item("filed", RuleKind.BANDS, at_most=[[50, 100], [100, 90], [200, 75]])
    assert [pts(filed, D(v), object_type=ObjectType.REGION) for v in (0, 50, 51, 200, 201)] == [
        100,
        100,
        90,
        75,
        0,
    ]
    deduct = item("rework_rate", RuleKind.DEDUCT, per="0.2", count="reworked")
    assert pts(deduct, None, {"reworked": 7}) == D("98.6")  # 0.2 off per case that failed
    assert pts(item("due", RuleKind.DEDUCT, per=30), None, {"due": 5}) == 0  # never below 0
    assert pts(item("on_time_rate"), None) is None  # no value, no points


def test_the_composite_is_the_weighted_mean_of_the_indicators_with_a_value():
    scheme = Scheme(object_type=ObjectType.DEPARTMENT)
    items = [item("disposal_rate", weight=30), item("on_time_rate", weight=20)]
    items.append(item("rework_rate", weight=50))
    values = {"disposal_rate": D(90), "on_time_rate": D(80), "rework_rate": None}
    score, parts = schemes.composite(scheme, items, {}, values)
    assert score == D("86.00")  # (90 x 30 + 80 x 20) / 50: the rate without a value drops out
    assert [p for _i, p in parts] == [D(90), D(80), None]
    assert schemes.composite(scheme, items, {}, {})[0] is None
    assert [schemes.grade(scheme, D(v)) for v in ("90", "89.99", "75", "60", "40", "39.99")] == [
        "A",
        "B",
        "B",
        "C",
        "D",
        "E",
    ]
    assert schemes.grade(scheme, None) == ""


def test_items_a_scheme_cannot_compute_are_refused():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Unknown indicator"):
        schemes.check_item(ObjectType.DEPARTMENT, "closing_rate", RuleKind.LINEAR, {})
    for rule, params in (
        (RuleKind.BANDS, {}),
        (RuleKind.BANDS, {"at_least": [[1, 2, 3]]}),
        (RuleKind.DEDUCT, {"count": "nonsense"}),
        (RuleKind.LINEAR, {"zero": 5, "full": 5}),
        (RuleKind.LINEAR, {"zero": 5}),
    ):
        with pytest.raises(ValidationError, match="do not fit"):
            schemes.check_item(ObjectType.DEPARTMENT, "on_time_rate", rule, params)


def _districts():
    return selectors.region_ranking("district", *WEEK, now=NOW)


def test_the_default_region_scheme_on_the_week(region_week):  # noqa: F811
    scheme = Scheme.objects.get(object_type=ObjectType.REGION, is_active=True)
    rows = schemes.score_rows(_districts(), scheme)
    assert [(r["name"], r["score"], r["grade"]) for r in rows] == [
        ("West", D("100.00"), "A"),  # all closed on time, no rating: satisfaction drops out
        # 75 x 30 + 50 x 40 + (100 - 33.33) x 15 + 50 x 15 = 6000.05 over 100
        ("East", D("60.00"), "C"),
    ]


@pytest.fixture
def _at_now():
    with time_machine.travel(NOW, tick=False):
        yield


def _page(scheme):
    return f"/en/evaluation/schemes/{scheme.pk}/?from=2026-11-23&to=2026-11-29"


def _form(scheme, **changes):
    data = {f"grade_{g}": getattr(scheme, f"grade_{g}") for g in "abcd"}
    for it in scheme.items.all():
        weight, rule, params = changes.get(it.indicator, (it.weight, it.rule, it.params))
        data[f"item-{it.pk}-weight"] = weight
        data[f"item-{it.pk}-rule"] = rule
        data[f"item-{it.pk}-params"] = json.dumps(params)
    return data


def test_a_scheme_change_is_seen_before_and_after_then_saved(
    client,
    staff,
    region_week,  # noqa: F811
    _at_now,
):
    from django.contrib.admin.models import LogEntry

    scheme = Scheme.objects.get(object_type=ObjectType.REGION, is_active=True)
    client.force_login(staff["admin"])
    page = client.get(_page(scheme))
    assert [r["name"] for r in page.context["rows"]] == ["West", "East"]
    # Only the rework rate counts, 50 points off per reworked case: East drops to 50.
    change = {
        "closing_rate": ("0", RuleKind.LINEAR, {}),
        "on_time_closing_rate": ("0", RuleKind.LINEAR, {}),
        "rework_rate": ("10", RuleKind.DEDUCT, {"per": 50, "count": "reworked"}),
        "satisfaction_rate": ("0", RuleKind.LINEAR, {}),
    }
    tried = client.post(_page(scheme), {**_form(scheme, **change), "action": "preview"})
    compared = {c["name"]: c for c in tried.context["compared"]}
    assert (compared["West"]["after"]["rank"], compared["West"]["moved"]) == (1, 0)
    assert compared["East"]["after"]["score"] == D("50.00")  # 100 - 50 x 1 reworked
    assert compared["East"]["before"]["score"] == D("60.00")
    assert SchemeItem.objects.get(scheme=scheme, indicator="closing_rate").weight == 30  # unsaved
    # A perverse rule (a rework rate of at least 30 % earns 100 points) flips the order.
    change["rework_rate"] = ("10", RuleKind.BANDS, {"at_least": [[30, 100]]})
    flipped = client.post(_page(scheme), {**_form(scheme, **change), "action": "preview"})
    assert [(c["name"], c["moved"]) for c in flipped.context["compared"]] == [
        ("East", 1),
        ("West", -1),
    ]
    assert 'data-moved="1"' in flipped.content.decode()
    saved = client.post(_page(scheme), {**_form(scheme, **change), "action": "save"})
    assert saved.status_code == 302
    rework = SchemeItem.objects.get(scheme=scheme, indicator="rework_rate")
    assert (rework.rule, rework.params) == (RuleKind.BANDS, {"at_least": [[30, 100]]})
    entry = LogEntry.objects.get(object_id=str(scheme.pk))
    assert "rework_rate x10" in entry.get_change_message()


def test_a_bad_change_is_refused_with_its_reason_and_not_saved(
    client,
    staff,
    region_week,  # noqa: F811
    _at_now,
):
    scheme = Scheme.objects.get(object_type=ObjectType.REGION, is_active=True)
    client.force_login(staff["admin"])
    bad = _form(scheme, rework_rate=("-3", RuleKind.BANDS, {"at_least": "x"}))
    bad["grade_b"] = "95"  # above A
    response = client.post(_page(scheme), {**bad, "action": "save"})
    problems = " ".join(response.context["problems"])
    assert "weight is a number" in problems and "do not fit" in problems
    assert "Grades go down" in problems
    assert SchemeItem.objects.get(scheme=scheme, indicator="rework_rate").weight == 15


def test_leaders_see_schemes_only_administrators_change_them(
    client,
    staff,
    region_week,  # noqa: F811
    _at_now,
):
    scheme = Scheme.objects.get(object_type=ObjectType.DEPARTMENT, is_active=True)
    client.force_login(staff["city_leader"])
    page = client.get(_page(scheme))
    assert page.status_code == 200 and not page.context["may_edit"]
    assert client.post(_page(scheme), {**_form(scheme), "action": "save"}).status_code == 403
    client.force_login(staff["roads_disposer"])
    assert client.get(_page(scheme)).status_code == 302
    assert client.get("/en/evaluation/schemes/999/").status_code in (302, 404)


def test_the_ranking_pages_score_and_grade_with_the_scheme(client, staff, region_week, _at_now):  # noqa: F811
    client.force_login(staff["city_leader"])
    page = client.get("/en/evaluation/regions/", {"from": "2026-11-23", "to": "2026-11-29"})
    assert [(r["name"], r["grade"]) for r in page.context["rows"]] == [("West", "A"), ("East", "C")]
    html = page.content.decode()
    assert 'class="grade grade-C"' in html and 'id="scheme-link"' in html
    csv_text = client.get(
        "/en/evaluation/regions/",
        {"from": "2026-11-23", "to": "2026-11-29", "format": "csv"},
    ).content.decode("utf-8-sig")
    assert "Composite score" in csv_text.splitlines()[0] and ",60.00,C," in csv_text
    assert definitions.REGION_BY_KEY  # the scheme's indicators are the region ones
