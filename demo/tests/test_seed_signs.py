"""The demo city's sign-index inputs: a month of feed figures and manual entries, the same for
the same seed, and the index of the last days computed at the seed with a colour to show."""

from __future__ import annotations

from datetime import date

import pytest

from demo import seed_signs
from demo.tests.conftest import NOW, WORLD_SEED
from signs.models import Figure, SignValue, Status
from signs.tasks import catch_up

pytestmark = pytest.mark.django_db


def test_a_month_of_figures_feeds_the_index_of_the_last_days(seeded_world):
    assert "Sign index:" in seeded_world.output
    codes = set(Figure.objects.values_list("code", flat=True))
    assert {"aqi", "tpi", "weather_warning", "police_110_crime", "hotline_answer_15s",
            "sweeping_coverage", "satisfaction_survey"} <= codes  # fmt: skip
    assert Figure.objects.filter(code="aqi").count() > 24 * 30 * 4  # hourly, city + districts
    yesterday = date(2026, 11, 22)
    city = SignValue.objects.get(node__code="INDEX", area_path="/330200/", day=yesterday)
    assert city.status == Status.OK and city.colour  # enough data for a colour
    aqi = SignValue.objects.get(node__code="C2.1", area_path="/330200/", day=yesterday)
    assert aqi.status == Status.OK and aqi.explanation["rows"]["from_area"] == "/330200/"
    warning = SignValue.objects.get(node__code="S1.1", area_path="/330200/", day=yesterday)
    assert warning.status == Status.OK  # hourly, so fresh at the day's end
    survey = SignValue.objects.get(node__code="M2.3", area_path="/330200/", day=yesterday)
    assert survey.raw is not None  # the yearly survey, entered by hand


def test_the_figures_are_the_same_for_the_same_seed(seeded_world):
    first = [(f.code, f.source_id, f.value) for f in seed_signs.figures(seed=WORLD_SEED, now=NOW)]
    again = [(f.code, f.source_id, f.value) for f in seed_signs.figures(seed=WORLD_SEED, now=NOW)]
    other = [(f.code, f.source_id, f.value) for f in seed_signs.figures(seed=2, now=NOW)]
    assert first == again and first != other


def test_the_worker_fills_in_the_rest_of_the_month(seeded_world, time_machine):
    time_machine.move_to(NOW)
    before = set(SignValue.objects.values_list("day", flat=True))
    assert catch_up.call_local() > 0
    after = set(SignValue.objects.values_list("day", flat=True))
    assert len(after - before) == 5  # five days a run, newest first
    assert max(after - before) < min(before)
