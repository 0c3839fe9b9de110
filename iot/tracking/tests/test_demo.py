"""The demo tracking data over the small city: rows, yesterday's tracks through the pipeline
(with the planted violations raising alarms), coverage, and idempotence."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from iot.models import Alarm, RuleKind
from iot.tracking.demo import seed_tracking
from iot.tracking.models import CoverageDay, Geofence, RoadSegment, TrackPoint, Vehicle, WorkerBadge

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # Tuesday noon: yesterday was a working Monday


def test_seed_tracking_lays_out_vehicles_and_plays_yesterday(small_city):
    report = seed_tracking(seed=7, now=NOW)
    assert report.vehicles == Vehicle.objects.count() == 9  # 3 streets x (2 sweepers + 1 muck)
    assert report.badges == WorkerBadge.objects.count() == 6
    assert report.segments == RoadSegment.objects.count() > 0
    assert Geofence.objects.count() == 4
    assert TrackPoint.objects.count() == report.positions > 1000
    kinds = set(Alarm.objects.values_list("rule__kind", flat=True))
    assert {RuleKind.OFF_ROUTE, RuleKind.FORBIDDEN_ZONE, RuleKind.OUT_OF_GRID} <= kinds
    shares = list(CoverageDay.objects.values_list("covered_share", flat=True))
    assert len(shares) == report.segments and max(shares) > 0.5
    assert all(len(t["token"]) >= 16 for t in report.trackers)

    again = seed_tracking(seed=7, now=NOW)
    assert again.vehicles == 0 and Vehicle.objects.count() == 9
