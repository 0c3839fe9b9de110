"""Sign warnings (预警) on raw values: the level a value reaches, and an episode raised once,
its level changed as the value moves, ended when it falls below every level."""

from __future__ import annotations

from datetime import date

import pytest

from signs import early_warning as ew
from signs.models import SignWarning
from signs.tree import active_tree

pytestmark = pytest.mark.django_db
FLOOD = {"IV": 1, "III": 3, "II": 5, "I": 10}  # 积水 points over their alert depth
RATE = {"IV": 95, "III": 90, "I": 80}  # a rate: lower is worse


@pytest.mark.parametrize(
    "raw, rule, level",
    [(0, FLOOD, 0), (1, FLOOD, 4), (2.9, FLOOD, 4), (3, FLOOD, 3), (7, FLOOD, 2), (10, FLOOD, 1),
     (99, RATE, 0), (95, RATE, 4), (85, RATE, 3), (80, RATE, 1), (None, FLOOD, 0), (5, {}, 0)],
)  # fmt: skip
def test_the_level_a_raw_value_reaches(raw, rule, level):
    assert ew.level_of(raw, rule) == level


def _day(day: int, raw: float | None, path: str = "/330200/") -> list:
    leaf = active_tree().nodes.get(code="S1.2")  # the built-in 积水 leaf has the FLOOD rule
    values = {path: {"S1.2": {"raw": raw}}}
    return [(e.kind, e.warning.level) for e in ew.follow(date(2026, 11, day), [leaf], values)]


def test_an_episode_is_raised_once_escalates_and_ends():
    assert _day(23, 0) == []
    assert _day(24, 2) == [("raised", 4)]
    assert _day(24, 2) == []  # the same day again: nothing twice
    assert _day(25, 2.5) == []  # still level IV
    assert _day(26, 6) == [("changed", 2)]  # escalated to II
    assert _day(27, None) == []  # no value: nothing changes
    assert _day(28, 3) == [("changed", 3)]
    warning = SignWarning.objects.get()
    assert (warning.level, warning.highest, warning.ended_on) == (3, 2, None)
    assert ew.active("/330200/") == [warning]
    assert _day(29, 0) == [("ended", 3)]
    warning.refresh_from_db()
    assert warning.ended_on == date(2026, 11, 29) and ew.active("/330200/") == []
    assert [h["level"] for h in warning.history] == [4, 2, 3, 0]
    assert _day(30, 1) == [("raised", 4)]  # a new episode
    assert SignWarning.objects.count() == 2


def test_areas_have_their_own_episodes():
    assert _day(24, 1, "/330200/330203/") == [("raised", 4)]
    assert _day(24, 12, "/330200/330205/") == [("raised", 1)]
    assert [w.level for w in ew.active("/330200/")] == [1, 4]  # most severe first
    assert [w.area_path for w in ew.active("/330200/330203/")] == ["/330200/330203/"]
