"""Alarm rule evaluation 规则判定: pure functions over one rule and its running state.

No Django, no database: ``step(spec, state, value=, ts=)`` takes the state left by the previous
reading and returns what happened plus the new state, so windows and hysteresis are testable in
isolation and the ingest batch can keep states in memory and save them in one query.

Semantics (ThingsBoard "duration" and "repeating" conditions, plus hysteresis, iot.md §2.1, §6):

* breach: ``value <operator> threshold``. The alarm is raised when the breach held for ``count``
  consecutive readings *and* for ``duration`` seconds (telemetry time, first breach -> now).
  A non-breaching reading restarts the window.
* clear: the value is back on the safe side of ``clear_threshold``, i.e.
  ``not (value <operator> clear_threshold)``, for ``clear_count`` readings and ``clear_duration``
  seconds (a "confirmed clear"). Between the two thresholds (the hysteresis band) an active
  alarm stays active and a quiet rule stays quiet: a value hovering at the threshold does not
  flap.
* readings at or before the last evaluated time are ignored (redelivered or late data must not
  raise or clear twice).
"""

from __future__ import annotations

import enum
import operator as op
from collections.abc import Callable
from dataclasses import dataclass, replace

COMPARE: dict[str, Callable[[float, float], bool]] = {
    "gt": op.gt,
    "gte": op.ge,
    "lt": op.lt,
    "lte": op.le,
    "eq": op.eq,
    "ne": op.ne,
}
# With these operators the clear threshold lies on the low side of the threshold, and so on.
_UPWARD = frozenset({"gt", "gte"})
_DOWNWARD = frozenset({"lt", "lte"})


class RuleSpecError(ValueError):
    pass


def hysteresis_problem(operator: str, threshold: float, clear_threshold: float | None) -> str:
    """Why a clear threshold makes no sense for the operator (empty when it is fine)."""
    if operator not in COMPARE:
        return f"unknown operator {operator!r}"
    if clear_threshold is None:
        return ""
    if operator in _UPWARD and clear_threshold > threshold:
        return "for > and >= the clear threshold must not be above the threshold"
    if operator in _DOWNWARD and clear_threshold < threshold:
        return "for < and <= the clear threshold must not be below the threshold"
    return ""


@dataclass(frozen=True, slots=True)
class RuleSpec:
    operator: str
    threshold: float
    clear_threshold: float | None = None
    count: int = 1
    duration: float = 0.0  # seconds
    clear_count: int = 1
    clear_duration: float = 0.0  # seconds

    def __post_init__(self) -> None:
        problem = hysteresis_problem(self.operator, self.threshold, self.clear_threshold)
        if problem:
            raise RuleSpecError(problem)
        if self.count < 1 or self.clear_count < 1:
            raise RuleSpecError("counts start at 1")
        if self.duration < 0 or self.clear_duration < 0:
            raise RuleSpecError("durations cannot be negative")

    def breaches(self, value: float) -> bool:
        return COMPARE[self.operator](value, self.threshold)

    def clears(self, value: float) -> bool:
        limit = self.threshold if self.clear_threshold is None else self.clear_threshold
        return not COMPARE[self.operator](value, limit)


@dataclass(frozen=True, slots=True)
class RuleState:
    """What a rule remembers between readings (stored as a dict in DeviceMetricState)."""

    active: bool = False
    breach_count: int = 0
    breach_since: float | None = None
    clear_count: int = 0
    clear_since: float | None = None
    last_ts: float | None = None

    def as_dict(self) -> dict:
        # Not dataclasses.asdict: it deep-copies, and this runs per reading and rule.
        return {
            "active": self.active,
            "breach_count": self.breach_count,
            "breach_since": self.breach_since,
            "clear_count": self.clear_count,
            "clear_since": self.clear_since,
            "last_ts": self.last_ts,
        }

    @classmethod
    def from_dict(cls, data: dict | None) -> RuleState:
        if not data:
            return cls()
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


class Outcome(enum.Enum):
    NONE = "none"  # nothing to do on the alarm
    RAISE = "raise"  # the window is complete: raise (or keep) the alarm
    UPDATE = "update"  # the alarm is active and this reading breaches again
    CLEAR = "clear"  # confirmed clear
    IGNORED = "ignored"  # at or before the last evaluated reading


@dataclass(frozen=True, slots=True)
class Step:
    outcome: Outcome
    state: RuleState
    started_at: float | None = None  # RAISE: telemetry time the breach began


def step(spec: RuleSpec, state: RuleState, *, value: float, ts: float) -> Step:
    """Evaluate one reading (``ts`` in Unix seconds) against ``spec`` from ``state``."""
    if state.last_ts is not None and ts <= state.last_ts:
        return Step(Outcome.IGNORED, state)
    if not state.active:
        if not spec.breaches(value):
            return Step(Outcome.NONE, RuleState(last_ts=ts))
        since = state.breach_since if state.breach_count else ts
        count = state.breach_count + 1
        if count >= spec.count and ts - since >= spec.duration:
            return Step(Outcome.RAISE, RuleState(active=True, last_ts=ts), started_at=since)
        return Step(Outcome.NONE, RuleState(breach_count=count, breach_since=since, last_ts=ts))
    if spec.clears(value):
        since = state.clear_since if state.clear_count else ts
        count = state.clear_count + 1
        if count >= spec.clear_count and ts - since >= spec.clear_duration:
            return Step(Outcome.CLEAR, RuleState(last_ts=ts))
        return Step(
            Outcome.NONE,
            replace(state, clear_count=count, clear_since=since, last_ts=ts),
        )
    # Still in breach, or in the hysteresis band: the clear window starts over.
    held = RuleState(active=True, last_ts=ts)
    return Step(Outcome.UPDATE if spec.breaches(value) else Outcome.NONE, held)
