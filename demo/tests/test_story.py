"""How demo cases behave: shares of twists, office hours, showcase holds. Pure: no database."""

from __future__ import annotations

import random
from datetime import datetime

import pytest

from demo import story
from demo.story import LOCAL

DRAWS = 20_000


def test_twists_come_in_the_documented_shares():
    rng = random.Random(1)
    drawn = [story.temperament(rng, trusted=False) for _ in range(DRAWS)]

    def share(pred) -> float:
        return sum(1 for t in drawn if pred(t)) / DRAWS

    assert share(lambda t: t.void) == pytest.approx(story.P_VOID, abs=0.01)
    assert share(lambda t: t.returned) == pytest.approx(story.P_RETURN, abs=0.01)
    assert share(lambda t: t.rework) == pytest.approx(story.P_REWORK, abs=0.01)
    assert share(lambda t: bool(t.extension)) == pytest.approx(story.P_EXTENSION, abs=0.01)
    assert share(lambda t: t.simple) > 0.7  # most cases go straight through
    trusted = [story.temperament(rng, trusted=True) for _ in range(1000)]
    assert not any(t.void for t in trusted)  # nothing to find false without an on-site check


def test_staff_move_cases_in_working_hours():
    rng = random.Random(1)
    morning = datetime(2026, 11, 23, 10, 0, tzinfo=LOCAL)
    assert story.office(morning, rng) == morning
    night = story.office(datetime(2026, 11, 23, 22, 30, tzinfo=LOCAL), rng).astimezone(LOCAL)
    assert (night.day, night.hour) == (24, 8)
    early = story.office(datetime(2026, 11, 23, 5, 0, tzinfo=LOCAL), rng).astimezone(LOCAL)
    assert (early.day, early.hour) == (23, 8)


def test_showcase_holds_are_checked():
    assert story.showcase("returned").returned and story.showcase("voided").void
    assert story.showcase("extension_requested").extension == "approve"
    assert story.showcase("").fast and not story.showcase("").hold
    with pytest.raises(ValueError, match="unknown hold"):
        story.showcase("teleported")
