"""POST /cases: staff reports through intake (the one door): where the point is (any Chinese map
CRS), which grid owns it, duplicates and repeats answered with the open case, and bad input."""

from __future__ import annotations

import pytest

from cases.models import Case
from cases.tests.api_client import as_user, error, ok
from cases.tests.conftest import T0
from core.coords import from_wgs84
from intake.models import IntakeReport, Outcome

WGS = (121.505, 29.865)  # inside grid Alpha-1 (330203001001001)
GRID = "330203001001001"


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(T0, tick=False)


@pytest.fixture
def inspector(staff):
    return as_user(staff["alpha_inspector"])


def report(api, **fields):
    body = {"source": "inspector", "description": "Broken street light", **fields}
    return api.post("/cases", body)


@pytest.mark.parametrize("crs", ["wgs84", "gcj02", "bd09"])
def test_the_point_is_stored_in_wgs84_and_its_grid_found(inspector, crs):
    lon, lat = from_wgs84(*WGS, crs)
    if crs != "wgs84":
        assert abs(lon - WGS[0]) > 1e-3  # the offset is real, so the conversion matters
    case = ok(report(inspector, lon=lon, lat=lat, crs=crs), 201)
    assert case["grid_code"] == GRID
    assert case["lon"] == pytest.approx(WGS[0], abs=1e-7)
    assert case["lat"] == pytest.approx(WGS[1], abs=1e-7)
    stored = Case.objects.get(number=case["number"])
    assert stored.area_path.endswith(f"/{GRID}/") and stored.area_class == case["area_class"]


def test_a_point_outside_every_grid_is_422_with_a_clear_message(inspector):
    body = error(report(inspector, lon=100.0, lat=20.0), 422, "outside_grids")
    assert "outside every unit grid" in body["message"] and "100.000000" in body["message"]
    assert not Case.objects.exists()


def test_an_explicit_grid_wins_and_an_unknown_one_is_422(inspector):
    case = ok(report(inspector, lon=WGS[0], lat=WGS[1], grid="330203001001002"), 201)
    assert case["grid_code"] == "330203001001002"
    body = error(report(inspector, grid="330203001001999"), 422, "invalid")
    assert "330203001001999" in body["message"]


def test_a_point_far_outside_the_grid_it_names_is_422_naming_both(inspector):
    # 0.05° east of Alpha-1 is about 4.3 km outside it: a wrong grid code or a wrong CRS.
    body = error(
        report(inspector, lon=WGS[0] + 0.05, lat=WGS[1], grid=GRID), 422, "point_outside_named_grid"
    )
    assert GRID in body["message"] and "m outside grid" in body["message"]
    assert 4000 < body["details"]["metres_outside"] < 4600
    assert not Case.objects.exists()
    # Across the edge by a GPS error's width is fine (Alpha-1 ends at 121.51).
    case = ok(report(inspector, lon=121.512, lat=WGS[1], grid=GRID), 201)
    assert case["grid_code"] == GRID


def test_a_report_without_location_names_its_area(staff, inspector):
    case = ok(report(inspector, area="330203001", address="Alpha street, by the school"), 201)
    assert case["lon"] is None and case["grid_code"] is None
    assert case["area_path"] == "/330200/330203/330203001/"
    error(report(inspector, area="999999", address="somewhere"), 422, "invalid")
    body = error(report(inspector), 422, "no_location")
    assert "say where the problem is" in body["message"]


def test_category_by_kind_and_code(inspector, standard):
    category = standard.category
    case = ok(
        report(
            inspector,
            lon=WGS[0],
            lat=WGS[1],
            category={"kind": category.kind, "code": category.code},
        ),
        201,
    )
    assert case["category"] == {"kind": category.kind, "code": category.code, "name": category.name}
    error(
        report(inspector, lon=WGS[0], lat=WGS[1], category={"kind": "event", "code": "12345"}), 422
    )
    error(report(inspector, lon=WGS[0], lat=WGS[1], category={"kind": "event", "code": "1"}), 422)


def test_reporter_fields_and_priority_are_kept(inspector, staff):
    case = ok(
        report(
            inspector,
            source="hotline_12345",
            lon=WGS[0],
            lat=WGS[1],
            priority="urgent",
            source_ref="12345-0001",
            reporter_name="Ms Wang",
            reporter_phone="13800000000",
            reporter_email="wang@example.cn",
        ),
        201,
    )
    assert case["priority"] == "urgent" and case["source"] == "hotline_12345"
    assert case["status"] == "verifying"  # a phone call is checked on site first
    assert (case["reporter_name"], case["reporter_phone"], case["reporter_email"]) == (
        "Ms Wang",
        "13800000000",
        "wang@example.cn",
    )
    assert case["source_ref"] == "12345-0001" and case["reported_by"] == "inspector_alpha"


@pytest.mark.parametrize(
    ("fields", "word"),
    [
        ({"lon": WGS[0]}, "lat"),
        ({"lon": WGS[0], "lat": WGS[1], "crs": "mars"}, "crs"),
        ({"lon": 500, "lat": WGS[1]}, "lon"),
        ({"lon": WGS[0], "lat": WGS[1], "source": "pigeon"}, "source"),
        ({"lon": WGS[0], "lat": WGS[1], "priority": "asap"}, "priority"),
        ({"lon": WGS[0], "lat": WGS[1], "description": ""}, "description"),
        ({"lon": WGS[0], "lat": WGS[1], "description": "   "}, "description"),
        ({"lon": WGS[0], "lat": WGS[1], "reporter_email": "not-an-email"}, "reporter_email"),
    ],
)
def test_bad_input_is_422_naming_the_field(inspector, fields, word):
    body = error(report(inspector, **fields), 422)
    assert word in body["message"].lower() or word in str(body.get("details", "")).lower()
    assert not Case.objects.exists()


def test_the_report_leaves_its_intake_row(inspector, staff):
    case = ok(report(inspector, lon=WGS[0], lat=WGS[1], source_ref="T-1"), 201)
    row = IntakeReport.objects.get()
    assert (row.case.number, row.outcome, row.external_id) == (case["number"], "created", "T-1")
    assert row.received_by == staff["alpha_inspector"]


def test_the_same_problem_again_is_200_with_the_open_case(inspector, standard):
    category = {"kind": standard.category.kind, "code": standard.category.code}
    first = ok(report(inspector, lon=WGS[0], lat=WGS[1], category=category), 201)
    again = ok(report(inspector, lon=WGS[0], lat=WGS[1] + 0.0001, category=category), 200)
    assert again["number"] == first["number"] and Case.objects.count() == 1
    assert sorted(IntakeReport.objects.values_list("outcome", flat=True)) == [
        Outcome.CREATED,
        Outcome.DUPLICATE,
    ]


def test_a_repeated_source_ref_is_200_with_the_first_case(inspector):
    first = ok(report(inspector, lon=WGS[0], lat=WGS[1], source_ref="T-7"), 201)
    again = ok(report(inspector, lon=WGS[0] + 0.01, lat=WGS[1], source_ref="T-7"), 200)
    assert again["number"] == first["number"] and Case.objects.count() == 1
