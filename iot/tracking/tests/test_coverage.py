"""Street sweeping coverage: the share of a segment within its tolerance of the day's track."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from django.core.management import call_command
from shapely.geometry import LineString

from iot.tracking import coverage, services
from iot.tracking.models import CoverageDay, TrackPoint
from iot.tracking.tests.conftest import M_LAT, M_LON, T0

SEGMENT = LineString([(0, 0), (100, 0)])


def pieces(xy, step=10.0):
    ts = np.arange(len(xy)) * step
    return coverage.track_pieces(
        ts, np.array([p[0] for p in xy], float), np.array([p[1] for p in xy], float)
    )


class TestCoveredLengths:
    def test_a_track_along_the_first_sixty_metres_covers_them_and_its_reach(self):
        track = pieces([(x, 5) for x in range(0, 61, 20)])  # 5 m beside the centreline
        covered = coverage.covered_lengths([SEGMENT], [10], track)
        # 60 m, plus the centreline within 10 m of the track's end: sqrt(10² - 5²) = 8.7 m.
        assert covered[0] == pytest.approx(60 + 75**0.5, abs=coverage.STEP_M)

    def test_a_track_beyond_the_tolerance_covers_nothing(self):
        track = pieces([(x, 20) for x in range(0, 101, 20)])
        assert coverage.covered_lengths([SEGMENT], [10], track)[0] == 0

    def test_the_tolerance_is_per_segment(self):
        wide = LineString([(0, 100), (100, 100)])
        track = pieces([(x, 0) for x in range(0, 101, 20)] + [(x, 115) for x in range(0, 101, 20)])
        covered = coverage.covered_lengths([SEGMENT, wide], [10, 20], track)
        assert covered == pytest.approx([100, 100], abs=coverage.STEP_M)

    def test_points_far_apart_in_time_are_not_joined(self):
        # Two pings 10 minutes apart at both ends: the middle was not swept.
        track = coverage.track_pieces(
            np.array([0.0, 600.0]), np.array([0.0, 100.0]), np.array([0.0, 0.0])
        )
        covered = coverage.covered_lengths([SEGMENT], [10], track)
        assert covered[0] == pytest.approx(20, abs=coverage.STEP_M)  # 10 m around each ping

    def test_no_track_covers_nothing(self):
        assert coverage.covered_lengths([SEGMENT], [10], np.empty(0, dtype=object))[0] == 0


@pytest.mark.django_db
def test_compute_coverage_counts_sweepers_of_that_day_only(small_city, sweeper, muck_truck):
    lon0, lat0 = 121.505, 29.865
    road = services.road_segment_create(
        code="alpha-rd-1",
        name="Alpha road",
        street=small_city.alpha,
        geometry={"type": "LineString", "coordinates": [[lon0, lat0], [lon0 + 200 * M_LON, lat0]]},
        tolerance_m=10,
    )
    assert road.length_m == pytest.approx(200, rel=0.01)
    assert road.area_path == small_city.alpha.path

    def drive(vehicle, metres, *, day_offset=0):
        TrackPoint.objects.bulk_create(
            TrackPoint(
                tracker=vehicle.device,
                ts=T0 + timedelta(days=day_offset, seconds=10 * i),
                lon=lon0 + m * M_LON,
                lat=lat0 + 3 * M_LAT,
            )
            for i, m in enumerate(metres)
        )

    drive(sweeper, range(0, 101, 10))  # the western half, 3 m beside the centreline
    drive(muck_truck, range(100, 201, 10))  # a muck truck does not sweep
    drive(sweeper, range(100, 201, 10), day_offset=1)  # the eastern half, the next day

    call_command("compute_coverage", "--date", "2026-11-23", stdout=open("/dev/null", "w"))
    day = CoverageDay.objects.get(segment=road, date=date(2026, 11, 23))
    # 100 m driven 3 m off the centreline, reaching sqrt(10² - 3²) = 9.5 m further.
    assert day.covered_share == pytest.approx((100 + 91**0.5) / 200, abs=0.02)
    assert day.track_points == 11

    coverage.compute_coverage(day=date(2026, 11, 23))  # again: replaces, never duplicates
    assert CoverageDay.objects.filter(segment=road).count() == 1


def test_a_bad_date_is_refused_with_the_format():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("compute_coverage", "--date", "23/11/2026")
