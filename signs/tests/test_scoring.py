"""Roll-up with missing children and the insufficient-data rule, the short-board cap, colour
bands and their hysteresis (reference/signs.md §7.1, §7.3)."""

from __future__ import annotations

import pytest

from signs.scoring import (
    BLUE,
    GREEN,
    ORANGE,
    RED,
    YELLOW,
    Part,
    band_of,
    capped,
    roll_up,
    settle,
)


def test_the_parent_is_the_weighted_mean_of_its_children():
    rolled = roll_up([Part("a", 0.5, 80), Part("b", 0.25, 60), Part("c", 0.25, 100)])
    assert rolled.score == pytest.approx(80.0)
    assert (rolled.present, rolled.total) == (1.0, 1.0)


def test_weights_are_renormalised_over_the_children_with_data():
    rolled = roll_up([Part("a", 0.5, 80), Part("b", 0.25, None), Part("c", 0.25, 40)])
    assert rolled.score == pytest.approx((0.5 * 80 + 0.25 * 40) / 0.75)  # 66.67, not 50
    assert rolled.present == 0.75


def test_more_than_half_the_weight_missing_is_insufficient_data():
    assert roll_up([Part("a", 0.4, 90), Part("b", 0.6, None)]).insufficient
    exactly_half = roll_up([Part("a", 0.5, 90), Part("b", 0.5, None)])
    assert exactly_half.score == 90  # half missing is not more than half
    assert roll_up([Part("a", 1, None)]).insufficient
    assert roll_up([]).insufficient


def test_a_weight_zero_child_is_shown_but_not_counted():
    rolled = roll_up([Part("observed", 0, None), Part("a", 1, 70)])
    assert rolled.score == 70 and rolled.total == 1


def test_one_red_leaf_caps_its_goal():
    assert capped(85, cap=59, red_below=True) == 59
    assert capped(50, cap=59, red_below=True) == 50
    assert capped(85, cap=59, red_below=False) == 85
    assert capped(85, cap=None, red_below=True) == 85
    assert capped(None, cap=59, red_below=True) is None


@pytest.mark.parametrize(
    "score, band",
    [(100, BLUE), (90, BLUE), (89.99, GREEN), (75, GREEN), (74.9, YELLOW), (60, YELLOW),
     (59.9, ORANGE), (40, ORANGE), (39.9, RED), (0, RED), (None, None)],
)  # fmt: skip
def test_five_bands_on_the_score(score, band):
    assert band_of(score) == band


def test_configured_floors_move_the_bands():
    assert band_of(85, (85, 70, 55, 30)) == BLUE
    assert band_of(50, (85, 70, 55, 30)) == ORANGE


def test_a_colour_changes_only_after_two_computations_in_the_new_band():
    shown, pending = settle(None, None, GREEN)
    assert (shown, pending) == (GREEN, None)  # the first colour shows at once
    shown, pending = settle(shown, pending, YELLOW)
    assert (shown, pending) == (GREEN, YELLOW)  # once: waits
    shown, pending = settle(shown, pending, GREEN)
    assert (shown, pending) == (GREEN, None)  # back: the flicker never showed
    shown, pending = settle(shown, pending, YELLOW)
    shown, pending = settle(shown, pending, ORANGE)
    assert (shown, pending) == (GREEN, ORANGE)  # two different bands are not twice the same
    shown, pending = settle(shown, pending, ORANGE)
    assert (shown, pending) == (ORANGE, None)
    assert settle(ORANGE, None, None) == (None, None)  # no data: no colour at once
