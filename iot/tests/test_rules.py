"""Rule evaluation (iot.rules): thresholds, count and duration windows, hysteresis, late data."""

from __future__ import annotations

import pytest

from iot.rules import Outcome, RuleSpec, RuleSpecError, RuleState, step


def run(spec: RuleSpec, readings: list[tuple[float, float]], state: RuleState | None = None):
    """Feed (ts, value) pairs; return the outcomes and the final state."""
    state = state or RuleState()
    outcomes = []
    for ts, value in readings:
        result = step(spec, state, value=value, ts=ts)
        outcomes.append(result.outcome)
        state = result.state
    return outcomes, state


N, R, U, C, SKIP = Outcome.NONE, Outcome.RAISE, Outcome.UPDATE, Outcome.CLEAR, Outcome.IGNORED


def test_a_simple_threshold_raises_at_once_updates_while_in_breach_and_clears_below():
    spec = RuleSpec(operator="gt", threshold=15)
    outcomes, state = run(spec, [(1, 10), (2, 16), (3, 20), (4, 15), (5, 16)])
    # 15 is not > 15: that clears (no hysteresis band without a clear threshold).
    assert outcomes == [N, R, U, C, R]
    assert state.active


def test_hysteresis_keeps_the_alarm_while_the_value_hovers_at_the_threshold():
    spec = RuleSpec(operator="gt", threshold=80, clear_threshold=70)
    outcomes, _ = run(spec, [(1, 81), (2, 79), (3, 81), (4, 75), (5, 70), (6, 75), (7, 79)])
    # In the band (70, 80]: an active alarm stays active and is not updated; at <= 70 it clears;
    # back in the band it stays quiet (79 does not breach 80).
    assert outcomes == [R, N, U, N, C, N, N]


def test_hysteresis_works_downwards_too():
    spec = RuleSpec(operator="lt", threshold=0.3, clear_threshold=0.5)
    outcomes, _ = run(spec, [(1, 0.2), (2, 0.4), (3, 0.25), (4, 0.5), (5, 0.45)])
    assert outcomes == [R, N, U, C, N]


def test_a_count_window_needs_consecutive_breaches():
    spec = RuleSpec(operator="gt", threshold=15, count=3)
    outcomes, _ = run(spec, [(1, 20), (2, 20), (3, 10), (4, 20), (5, 20), (6, 20), (7, 20)])
    assert outcomes == [N, N, N, N, N, R, U]


def test_a_duration_window_counts_telemetry_time_from_the_first_breach():
    spec = RuleSpec(operator="gt", threshold=70, duration=600)
    outcomes, _ = run(spec, [(0, 75), (300, 75), (599, 75), (600, 75), (660, 75)])
    assert outcomes == [N, N, N, R, U]


def test_a_raise_reports_when_the_breach_started():
    spec = RuleSpec(operator="gt", threshold=70, duration=600)
    state = RuleState()
    for ts in (100, 400):
        state = step(spec, state, value=75, ts=ts).state
    result = step(spec, state, value=80, ts=700)
    assert result.outcome is R and result.started_at == 100


def test_a_drop_inside_the_duration_window_restarts_it():
    spec = RuleSpec(operator="gt", threshold=70, duration=600)
    outcomes, _ = run(spec, [(0, 75), (500, 60), (600, 75), (1100, 75), (1200, 75)])
    assert outcomes == [N, N, N, N, R]


def test_count_and_duration_must_both_hold():
    spec = RuleSpec(operator="gt", threshold=1, count=3, duration=100)
    assert run(spec, [(0, 2), (10, 2), (20, 2), (100, 2)])[0] == [N, N, N, R]
    assert run(spec, [(0, 2), (150, 2), (160, 2)])[0] == [N, N, R]


def test_a_confirmed_clear_needs_its_own_count_and_duration():
    spec = RuleSpec(
        operator="gt", threshold=0.9, clear_threshold=0.5, clear_count=2, clear_duration=60
    )
    outcomes, _ = run(spec, [(0, 0.95), (10, 0.2), (20, 0.95), (30, 0.2), (60, 0.2), (90, 0.2)])
    # 10: first clear reading; 20 breaches again (clear window restarts); 30 starts again;
    # 60: two readings but only 30 s; 90: two readings over 60 s -> clear.
    assert outcomes == [R, N, U, N, N, C]


def test_readings_at_or_before_the_last_one_are_ignored():
    spec = RuleSpec(operator="gt", threshold=15)
    outcomes, state = run(spec, [(10, 20), (10, 20), (5, 30), (11, 10)])
    assert outcomes == [R, SKIP, SKIP, C]
    assert state.last_ts == 11


def test_equality_rules_for_boolean_readings():
    spec = RuleSpec(operator="eq", threshold=1)  # e.g. vb "displaced": true -> 1.0
    assert run(spec, [(1, 0), (2, 1), (3, 1), (4, 0)])[0] == [N, R, U, C]


def test_state_round_trips_through_a_dict():
    state = RuleState(active=True, breach_count=2, breach_since=3.0, last_ts=9.0)
    assert RuleState.from_dict(state.as_dict()) == state
    assert RuleState.from_dict(None) == RuleState()
    assert RuleState.from_dict({"active": True, "unknown": 1}) == RuleState(active=True)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"operator": "gt", "threshold": 10, "clear_threshold": 12},
        {"operator": "lt", "threshold": 10, "clear_threshold": 8},
        {"operator": "between", "threshold": 1},
        {"operator": "gt", "threshold": 1, "count": 0},
        {"operator": "gt", "threshold": 1, "duration": -1},
    ],
)
def test_nonsense_specs_are_refused(kwargs):
    with pytest.raises(RuleSpecError):
        RuleSpec(**kwargs)
