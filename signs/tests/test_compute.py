"""Computing a day (signs.services): a small tree over the evaluation tests' week (street Alpha
of district East: eight cases filed on Monday 23 Nov 2026, see evaluation.tests.test_regions),
with the expected numbers written out; every stored score recomputes from its explanation."""

from __future__ import annotations

from datetime import date

import pytest

from evaluation.tests.test_regions import ALPHA, EAST, region_week  # noqa: F401 - the fixture
from signs import scoring, services
from signs import tree as trees
from signs.models import SignValue, Status

pytestmark = pytest.mark.django_db


def _leaf(code, measure, normaliser, *, source="platform", unit="%"):
    return {
        "code": code, "name": code, "unit": unit, "source": source,
        "direction": "higher_better", "frequency": "day",
        "tiers": ["city", "district", "street"], "measure": measure, "normaliser": normaliser,
    }  # fmt: skip


@pytest.fixture
def small_tree(region_week):  # noqa: F811
    category = region_week["overdue"].category.code
    data = {
        "version": "small",
        "name": "small",
        "goals": [
            {"code": "G", "name": "满意", "red_leaf_cap": 59, "groups": [
                {"code": "G1", "name": "诉求办理", "leaves": [
                    _leaf("CLOSING", {"kind": "region_rate", "indicator": "closing_rate",
                                      "window_days": 7}, {"kind": "piecewise",
                                                          "points": [[0, 0], [100, 100]]}),
                    _leaf("FILED", {"kind": "filed", "categories": [category]},
                          {"kind": "baseline_ratio"}, unit="cases/d"),
                    _leaf("AQI", {"kind": "feed", "code": "aqi"},
                          {"kind": "band_table", "bands": [[50, 100], [500, 0]]}, source="feed"),
                ]},
            ]},
        ],
    }  # fmt: skip
    return trees.load(data, activate=True)


def _value(code, path, day):
    return SignValue.objects.get(node__code=code, area_path=path, day=day)


def test_a_day_of_the_small_tree_with_the_numbers_written_out(small_tree):
    services.compute_day(date(2026, 11, 29))
    closing = _value("CLOSING", ALPHA, date(2026, 11, 29))
    # 23-29 Nov, looked at after the 29th: 3 closed; the open overdue case and the one due
    # Tuesday 16:00 are overdue by then (the one disposed on time waits for its check): 3 / 5.
    assert closing.raw == 60.0 and closing.score == 60.0
    assert closing.explanation["rows"]["counts"] == {"closed": 3, "due": 5}
    filed = _value("FILED", ALPHA, date(2026, 11, 29))
    assert (filed.raw, filed.baseline, filed.score) == (0.0, 0.0, 95.0)  # a quiet Sunday
    aqi = _value("AQI", ALPHA, date(2026, 11, 29))
    assert (aqi.status, aqi.score) == (Status.NO_DATA, None)
    assert aqi.explanation["note"] == "no_figure"  # no station has pushed an AQI yet
    group = _value("G1", ALPHA, date(2026, 11, 29))
    # AQI missing: the weights re-normalise over the two with a score (1/3 missing < 1/2).
    assert group.score == pytest.approx((60 + 95) / 2)
    assert group.colour == scoring.GREEN  # 77.5
    index = _value("INDEX", ALPHA, date(2026, 11, 29))
    assert index.score == pytest.approx(77.5) and index.colour == scoring.GREEN


def test_a_monday_of_eight_cases_against_eight_quiet_mondays(small_tree):
    services.compute_day(date(2026, 11, 23))
    filed = _value("FILED", ALPHA, date(2026, 11, 23))
    assert (filed.raw, filed.baseline) == (8.0, 0.0)
    assert filed.score == 0.0 and filed.colour == scoring.RED  # nothing usual, 8 now
    goal = _value("G", ALPHA, date(2026, 11, 23))
    assert goal.explanation["cap"] == 59 and goal.score <= 59  # the short-board cap
    district = _value("FILED", EAST, date(2026, 11, 23))
    assert district.raw == 8.0  # Alpha's cases are East's


def test_a_case_placed_above_a_tier_counts_above_it_only(small_tree):
    """Every tier is summed from one read per area path: a case placed at the district only
    (no street known) counts for the district and the city, in no street."""
    from evaluation import rollups
    from evaluation.models import CaseFact

    monday, city = date(2026, 11, 23), "/330200/"
    services.compute_day(monday)
    before = {path: _value("FILED", path, monday).raw for path in (ALPHA, EAST, city)}
    moved = CaseFact.objects.filter(filed_at__date=monday, area_path__startswith=ALPHA).first()
    CaseFact.objects.filter(pk=moved.pk).update(area_path=EAST)
    assert rollups.check(fix=True)  # the rollups follow the fact
    services.compute_day(monday)
    assert _value("FILED", ALPHA, monday).raw == before[ALPHA] - 1 == 7.0
    assert _value("FILED", EAST, monday).raw == before[EAST] == 8.0
    assert _value("FILED", city, monday).raw == before[city]
    closing = {v.area_path: v.explanation["rows"]["counts"]
               for v in SignValue.objects.filter(node__code="CLOSING", day=monday)}  # fmt: skip
    assert closing[EAST]["due"] >= closing[ALPHA]["due"]


def test_every_stored_score_recomputes_from_its_explanation(small_tree):
    for day in (date(2026, 11, 23), date(2026, 11, 29)):
        assert services.compute_day(day) > 0
    for value in SignValue.objects.all():
        assert services.recompute(value.explanation) == value.score, value


def test_colours_follow_the_day_before_with_hysteresis_and_a_rerun_changes_nothing(small_tree):
    services.compute_day(date(2026, 11, 23))  # FILED red
    services.compute_day(date(2026, 11, 24))  # a quiet Tuesday: blue once
    tuesday = _value("FILED", ALPHA, date(2026, 11, 24))
    assert (tuesday.band, tuesday.colour, tuesday.pending) == ("blue", "red", "blue")
    services.compute_day(date(2026, 11, 25))
    wednesday = _value("FILED", ALPHA, date(2026, 11, 25))
    assert (wednesday.colour, wednesday.pending) == ("blue", "")
    count = SignValue.objects.count()
    services.compute_day(date(2026, 11, 25))
    assert SignValue.objects.count() == count
    assert _value("FILED", ALPHA, date(2026, 11, 25)).colour == "blue"


def test_the_built_in_tree_computes_and_says_what_is_missing(region_week):  # noqa: F811
    written = services.compute_day(date(2026, 11, 29))
    assert written > 0
    city = SignValue.objects.get(node__code="B", area_path="/330200/", day=date(2026, 11, 29))
    # 便捷 is mostly feeds no system has pushed yet: too much of its weight is missing.
    assert city.status == Status.INSUFFICIENT and city.colour == "" and city.score is None
    aqi = SignValue.objects.get(node__code="C2.1", area_path="/330200/", day=date(2026, 11, 29))
    assert aqi.status == Status.NO_DATA and aqi.explanation["note"]
    # A street has no city-wide feeds (AQI, 110 ...): its index rolls up the leaves that apply.
    assert not SignValue.objects.filter(node__code="C2.1", area_path=ALPHA).exists()
    closing = SignValue.objects.get(node__code="M1.2", area_path=ALPHA, day=date(2026, 11, 29))
    assert closing.status == Status.OK and closing.raw is not None


def test_the_command_computes_days_and_refuses_bad_ones(small_tree, capsys):
    from django.core.management import CommandError, call_command

    call_command("signs_compute", "--from", "2026-11-23", "--to", "2026-11-25", verbosity=0)
    assert "for 3 day(s), 2026-11-23 to 2026-11-25" in capsys.readouterr().out
    assert SignValue.objects.filter(day=date(2026, 11, 25), node__code="INDEX").exists()
    with pytest.raises(CommandError, match="is not a date"):
        call_command("signs_compute", "--day", "25.11.2026")
    with pytest.raises(CommandError, match="is after"):
        call_command("signs_compute", "--from", "2026-11-25", "--to", "2026-11-23")


def test_the_worker_computes_yesterday(small_tree, time_machine):
    from signs.tasks import compute_yesterday

    time_machine.move_to("2026-11-24 00:40 +08:00")
    assert compute_yesterday.call_local() > 0
    assert _value("FILED", ALPHA, date(2026, 11, 23)).raw == 8.0


def test_overdue_per_thousand_open_and_the_dissatisfied_share(region_week):  # noqa: F811
    from signs import measures
    from signs.tree import active_tree

    nodes = active_tree().nodes
    day = date(2026, 11, 29)
    overdue = measures.measure_tier(nodes.get(code="M3.3"), "street", [ALPHA], day)[ALPHA]
    # At the 29th's end: 8 filed, 3 closed, 1 voided -> 4 open, of which 2 overdue (the open
    # overdue case and the one due Tuesday 16:00): 500 per 1,000.
    assert (overdue.rows["overdue_open"], overdue.rows["open"], overdue.raw) == (2, 4, 500.0)
    unhappy = measures.measure_tier(nodes.get(code="M2.2"), "street", [ALPHA], day)[ALPHA]
    assert (unhappy.rows["rated"], unhappy.rows["dissatisfied"]) == (2, 1)
    assert unhappy.raw == 50.0


def test_a_density_leaf_divides_by_the_registered_components(region_week):  # noqa: F811
    """井盖异常 per 10 k covers: the exposure is the register's count of the leaf's categories
    in the area (removed ones not counted); an area without any says so and has no score."""
    from components import identifiers
    from components.models import Component, ComponentState
    from components.tests.test_register import _feature, _load

    code = "01003"
    _load([_feature(identifiers.make("330203", code, n)) for n in range(1, 5)])
    Component.objects.filter(code=identifiers.make("330203", code, 4)).update(
        state=ComponentState.REMOVED
    )
    data = {
        "version": "density", "name": "density",
        "goals": [{"code": "S", "name": "安全", "groups": [{"code": "S2", "name": "设施", "leaves": [
            _leaf("COVERS", {"kind": "filed", "categories": [code], "per": "covers"},
                  {"kind": "density", "per": 10000, "points": [[0, 100], [5000, 0]]},
                  unit="cases/10k"),
        ]}]}],
    }  # fmt: skip
    trees.load(data, activate=True)
    services.compute_day(date(2026, 11, 29))
    covers = _value("COVERS", ALPHA, date(2026, 11, 29))
    assert covers.baseline == 3.0  # three standing covers registered in Alpha
    assert covers.explanation["rows"]["exposure"] == {"per": "covers", "registered": 3}
    assert covers.score == 100.0  # no cover case that Sunday: 0 per 10 k
    beta = SignValue.objects.get(
        node__code="COVERS", area_path=f"{EAST}330203002/", day=date(2026, 11, 29)
    )
    assert beta.score is None and beta.explanation["note"] == "no_exposure"


def test_a_rate_with_nothing_due_is_explained_without_a_number():
    """An area with cases but none due in the window: 结案率 has counts and no value; its
    explanation says "—" (found by bench/signs: the page answered 500)."""
    from signs.models import SignValue
    from signs.templatetags.signs_tags import sign_formula

    value = SignValue(raw=None, explanation={
        "rows": {"indicator": "closing_rate", "area": "/330200/", "from": "2026-11-23",
                 "to": "2026-11-29", "counts": {"closed": 0, "due": 0}},
        "normaliser": {"kind": "piecewise", "points": [[0, 0], [100, 100]]},
    })  # fmt: skip
    (counted, text), *_rest = sign_formula(value)
    assert text.endswith("= — (2026-11-23 – 2026-11-29)") and " 0 / " in text
