"""Each normaliser (reference/signs.md §7.2): exact on its breakpoints, monotone in the direction
its parameters give, clipped to 0-100, and None in gives None out."""

from __future__ import annotations

import pytest

from signs import normalisers as n

FALLING = [[0, 100], [1, 75], [3, 60], [5, 40], [10, 0]]  # S1.2 积水 points
RISING = [[80, 40], [90, 60], [95, 75], [98, 90], [100, 100]]  # M1.1 按期结案率
GRID = [x / 4 for x in range(-20, 480)]  # -5 ... 119.75


def _monotone(f, *, falling: bool) -> None:
    scores = [f(x) for x in GRID]
    assert all(0 <= s <= 100 for s in scores)
    pairs = list(zip(scores, scores[1:], strict=False))
    assert all(b <= a for a, b in pairs) if falling else all(b >= a for a, b in pairs)


@pytest.mark.parametrize("points, falling", [(FALLING, True), (RISING, False)])
def test_piecewise_is_exact_on_its_points_monotone_and_flat_beyond(points, falling):
    for x, score in points:
        assert n.piecewise(x, points) == score
    assert n.piecewise(2, FALLING) == 67.5  # halfway between (1, 75) and (3, 60)
    assert n.piecewise(points[0][0] - 100, points) == points[0][1]
    assert n.piecewise(points[-1][0] + 100, points) == points[-1][1]
    _monotone(lambda x: n.piecewise(x, points), falling=falling)
    assert n.piecewise(None, points) is None


def test_deduct_takes_points_per_started_step_below_the_reference():
    # 评价细则: ref 95 %, step 5 %, k 20.
    assert [n.deduct(x, ref=95, step=5, k=20) for x in (100, 95, 94.9, 90, 89.9, 75, 10)] == [
        100, 100, 80, 80, 60, 20, 0,
    ]  # fmt: skip
    _monotone(lambda x: n.deduct(x, ref=95, step=5, k=20), falling=False)
    assert n.deduct(None, ref=95, step=5, k=20) is None


def test_band_table_gives_the_score_of_the_first_band_not_exceeded():
    aqi = [[50, 100], [100, 80], [150, 65], [200, 50], [300, 25], [500, 0]]
    assert [n.band_table(x, aqi) for x in (0, 50, 51, 100, 150.5, 300, 480, 900)] == [
        100, 100, 80, 80, 50, 25, 0, 0,
    ]  # fmt: skip
    _monotone(lambda x: n.band_table(x * 5, aqi), falling=True)


def test_baseline_ratio_scores_a_count_against_its_usual_level():
    assert n.baseline_ratio(8, 10) == 95  # r 0.8
    assert n.baseline_ratio(10, 10) == 80
    assert n.baseline_ratio(20, 10) == 20
    assert n.baseline_ratio(35, 10) == 0
    assert n.baseline_ratio(0, 0) == 95  # nothing usual, nothing now
    assert n.baseline_ratio(1, 0) == 0  # nothing usual, something now
    assert n.baseline_ratio(5, None) is None  # no baseline yet: no score, not 0 or 100
    _monotone(lambda x: n.baseline_ratio(x, 10), falling=True)


def test_density_divides_by_the_exposure():
    points = [[0, 100], [1, 75], [3, 60], [5, 40], [10, 0]]
    assert n.density(2, 20_000, per=10_000, points=points) == 75  # 1 per 10 k covers
    assert n.density(6, 20_000, per=10_000, points=points) == 60  # 3 per 10 k
    assert n.density(3, 20_000, per=10_000, points=points) == 71.25  # 1.5: between the points
    assert n.density(3, 0, per=10_000, points=points) is None  # no exposure known
    assert n.density(None, 100, per=100, points=points) is None


def test_warning_level_scores_the_highest_active_warning():
    assert [n.warning_level(level) for level in (0, 4, 3, 2, 1)] == [100, 74, 60, 45, 20]
    assert n.warning_level(None) is None
    with pytest.raises(n.BadParameters):
        n.warning_level(7)


def test_target_band_is_best_inside_and_falls_outside():
    f = n.compile_spec(
        {"kind": "target_band", "low": 10, "high": 30, "floor_low": 0, "floor_high": 60}
    )
    assert [f(x) for x in (0, 5, 10, 20, 30, 45, 60, 90)] == [40, 70, 100, 100, 100, 70, 40, 40]


def test_survey_uses_its_scale():
    assert [n.survey(x) for x in (50, 60, 85, 100)] == [40, 40, 75, 100]


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"kind": "piecewise", "points": [[0, 100]]}, "at least two"),
        ({"kind": "piecewise", "points": [[1, 100], [1, 50]]}, "rise strictly"),
        ({"kind": "piecewise", "points": [[0, 100], [1, 150]]}, "between 0 and 100"),
        ({"kind": "piecewise", "points": "0-100"}, "pairs"),
        ({"kind": "deduct", "ref": 95, "step": 0, "k": 20}, "step must be a positive"),
        ({"kind": "deduct", "ref": "x", "step": 5, "k": 20}, "ref must be a number"),
        ({"kind": "band_table", "bands": [[100, 80], [50, 100]]}, "rise strictly"),
        ({"kind": "density", "points": [[0, 100], [1, 0]]}, "per must be a number"),
        ({"kind": "warning_level", "scores": {"0": 100}}, "levels 0"),
        (
            {"kind": "target_band", "low": 30, "high": 10, "floor_low": 0, "floor_high": 60},
            "floor_low <",
        ),
        ({"kind": "cubic"}, "unknown normaliser kind 'cubic'"),
        ({}, "unknown normaliser kind None"),
    ],
)
def test_parameters_a_normaliser_cannot_use_are_refused_in_words(spec, message):
    with pytest.raises(n.BadParameters, match=message):
        n.check(spec)


def test_an_observed_leaf_is_never_scored():
    assert n.compile_spec({"kind": "observe"})(123) is None
