"""Duplicate detection: geometry helpers, the nearest candidate, and the property that reports
of one problem give one case."""

from __future__ import annotations

import math
import random
from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.factories import CaseFactory
from cases.models import Case
from cases.states import CaseStatus, SourceChannel
from core.coords import from_wgs84
from intake import dedupe
from intake.models import IntakeReport, Outcome
from intake.tests.conftest import ALPHA_LAT, ALPHA_LON, M_LAT, M_LON

RADIUS_M = 50


def test_haversine_matches_a_known_distance():
    # One degree of latitude is ~111.2 km on the mean sphere.
    assert dedupe.haversine_m(121.5, 29.0, 121.5, 30.0) == pytest.approx(111_195, rel=1e-4)
    assert dedupe.haversine_m(121.5, 29.8, 121.5, 29.8) == 0


@pytest.mark.parametrize("lat", [0.0, 29.86, 45.0, 70.0])
def test_the_box_holds_the_whole_circle(lat):
    min_lon, min_lat, max_lon, max_lat = dedupe.bounding_box(121.5, lat, RADIUS_M)
    for bearing in range(0, 360, 5):
        # A point exactly RADIUS_M away in each direction lies inside the box.
        b = math.radians(bearing)
        dlat = RADIUS_M * math.cos(b) / 111_195
        dlon = RADIUS_M * math.sin(b) / (111_195 * math.cos(math.radians(lat)))
        assert min_lon <= 121.5 + dlon <= max_lon
        assert min_lat <= lat + dlat <= max_lat


def test_the_nearest_open_case_wins(small_city, manhole, t0):
    grid = small_city.communities["alpha1"].grids.order_by("code").first()
    far = CaseFactory(grid=grid, category=manhole, lon=ALPHA_LON + 40 * M_LON, lat=ALPHA_LAT)
    near = CaseFactory(grid=grid, category=manhole, lon=ALPHA_LON + 10 * M_LON, lat=ALPHA_LAT)
    CaseFactory(grid=grid, category=manhole, lon=ALPHA_LON, lat=ALPHA_LAT, status="voided")
    for case in (far, near):
        Case.objects.filter(pk=case.pk).update(reported_at=t0 - timedelta(hours=1))

    found = dedupe.find_duplicate(category_id=manhole.pk, lon=ALPHA_LON, lat=ALPHA_LAT, now=t0)

    assert found == near


def test_the_search_agrees_with_brute_force(small_city, manhole, t0):
    """Many cases around the point: the box + haversine answer is the exhaustive answer."""
    grid = small_city.communities["alpha1"].grids.order_by("code").first()
    rng = random.Random(7)
    statuses = [CaseStatus.REPORTED, CaseStatus.DISPATCHED, CaseStatus.CLOSED]
    cases = [
        Case(
            number=f"T{i:06d}",
            source=SourceChannel.INSPECTOR,
            status=rng.choice(statuses),
            category=manhole,
            grid=grid,
            area_path=grid.path,
            lon=ALPHA_LON + rng.uniform(-150, 150) * M_LON,
            lat=ALPHA_LAT + rng.uniform(-150, 150) * M_LAT,
            reported_at=t0 - timedelta(hours=rng.uniform(0, 48)),
        )
        for i in range(400)
    ]
    Case.objects.bulk_create(cases)
    for _ in range(30):
        lon = ALPHA_LON + rng.uniform(-100, 100) * M_LON
        lat = ALPHA_LAT + rng.uniform(-100, 100) * M_LAT
        expected = min(
            (
                (dedupe.haversine_m(lon, lat, c.lon, c.lat), c.reported_at, c.number)
                for c in cases
                if c.status != CaseStatus.CLOSED
                and c.reported_at >= t0 - timedelta(hours=24)
                and dedupe.haversine_m(lon, lat, c.lon, c.lat) <= RADIUS_M
            ),
            default=None,
        )
        found = dedupe.find_duplicate(category_id=manhole.pk, lon=lon, lat=lat, now=t0)
        assert (found.number if found else None) == (expected[2] if expected else None)


# --- the property of the issue: one problem, one case ------------------------------------------

# Centres: inside a grid, and on the corner shared by the four grids of community Alpha-1.
CENTRES = [(ALPHA_LON, ALPHA_LAT), (121.51, 29.86)]
CHANNELS = ["citizen", "hotline_12345", "inspector", "open311", "video_ai", "iot"]


@st.composite
def scattered_reports(draw):
    """2-8 reports of one problem: each within RADIUS/2 of the problem (so within RADIUS of
    each other), given in any of the three coordinate systems, over up to 23 hours."""
    n = draw(st.integers(min_value=2, max_value=8))
    reports = []
    for _ in range(n):
        distance = draw(st.floats(min_value=0, max_value=RADIUS_M / 2 - 0.5))
        bearing = draw(st.floats(min_value=0, max_value=2 * math.pi))
        crs = draw(st.sampled_from(["wgs84", "gcj02", "bd09"]))
        minutes = draw(st.integers(min_value=0, max_value=23 * 60))
        source = draw(st.sampled_from(CHANNELS))
        reports.append((distance, bearing, crs, minutes, source))
    return draw(st.sampled_from(CENTRES)), sorted(reports, key=lambda r: r[3])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sample=scattered_reports())
def test_reports_of_one_problem_scattered_within_the_radius_give_one_case(
    receive, manhole, t0, sample
):
    (lon0, lat0), reports = sample
    with transaction.atomic():
        results = []
        for i, (distance, bearing, crs, minutes, source) in enumerate(reports):
            lon = lon0 + distance * math.sin(bearing) * M_LON
            lat = lat0 + distance * math.cos(bearing) * M_LAT
            x, y = from_wgs84(lon, lat, crs)
            results.append(
                receive(
                    source=source,
                    category=manhole,
                    lon=x,
                    lat=y,
                    crs=crs,
                    external_id=f"ev-{i}",
                    now=t0 + timedelta(minutes=minutes),
                )
            )
        assert Case.objects.count() == 1
        case = results[0].case
        assert all(r.case == case for r in results)
        assert [r.report.outcome for r in results] == [Outcome.CREATED] + [Outcome.DUPLICATE] * (
            len(results) - 1
        )
        assert IntakeReport.objects.filter(case=case).count() == len(results)
        transaction.set_rollback(True)  # each example starts from an empty city


def test_the_search_is_served_by_the_location_indexes(small_city, manhole, t0):
    """Not by the category or status index: one category may hold a third of the open cases.
    (SQLite's plan, as PostgreSQL plans by statistics; measured: ~2 ms among 100k open cases.)"""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite plans without statistics; PostgreSQL's plan depends on the data")
    plan = dedupe.candidates(
        category_id=manhole.pk, lon=ALPHA_LON, lat=ALPHA_LAT, now=t0, window=dedupe.Window(50, 24)
    ).explain()
    assert "cases_case_lat_" in plan or "cases_case_lon_" in plan, plan
