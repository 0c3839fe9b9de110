"""receive_report: every channel's one way in — normalise, locate, classify, dedupe, create."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cases import services as case_services
from cases.models import Case, CaseEvent, Evidence
from cases.states import CaseAction, CaseStatus, Priority, SourceChannel
from cases.tests.conftest import photo
from catalog.selectors import suggest_categories
from core.coords import from_wgs84
from core.errors import PermissionDenied, ValidationFailed
from intake.models import IntakeReport, Outcome
from intake.tests.conftest import ALPHA_LAT, ALPHA_LON, M_LAT, M_LON


def test_an_untrusted_report_opens_a_case_waiting_for_verification(receive, manhole, t0):
    result = receive(category=manhole, reporter_phone="13800000001", external_id="T-1")

    case = result.case
    assert result.created and result.duplicate_of is None and not result.repeat
    assert case.status == CaseStatus.VERIFYING
    assert (case.source, case.source_ref, case.category) == ("citizen", "T-1", manhole)
    assert case.grid.code == "330203001001001"
    assert (case.lon, case.lat) == (ALPHA_LON, ALPHA_LAT)
    report = result.report
    assert (report.case, report.outcome, report.received_at) == (case, Outcome.CREATED, t0)
    assert report.reporter_phone == "13800000001"


def test_a_trusted_source_skips_verification(receive, manhole):
    case = receive(source=SourceChannel.VIDEO_AI, category=manhole).case
    assert (case.status, case.trusted) == (CaseStatus.REPORTED, True)


def test_trust_can_be_decided_per_report(receive, manhole):
    case = receive(source=SourceChannel.VIDEO_AI, category=manhole, trusted=False).case
    assert case.status == CaseStatus.VERIFYING


@pytest.mark.parametrize("crs", ["gcj02", "bd09", "GCJ-02", "baidu"])
def test_chinese_map_coordinates_are_stored_as_wgs84(receive, manhole, crs):
    lon, lat = from_wgs84(ALPHA_LON, ALPHA_LAT, crs)
    assert abs(lon - ALPHA_LON) > 1e-3  # the offset is real (hundreds of metres)

    result = receive(lon=lon, lat=lat, crs=crs, category=manhole)

    assert result.case.lon == pytest.approx(ALPHA_LON, abs=1e-7)
    assert result.case.lat == pytest.approx(ALPHA_LAT, abs=1e-7)
    assert result.report.payload["input"] == {
        "lon": lon,
        "lat": lat,
        "crs": crs,
        "category_hint": "",
    }


def test_the_category_is_suggested_from_the_text_when_none_is_given(receive):
    expected = suggest_categories("污水井盖坏了", limit=1)[0].category

    result = receive(description="污水井盖坏了，很危险")

    assert result.case.category == expected
    assert expected.code == "01002"
    assert result.report.category_suggested


def test_a_category_hint_wins_over_the_description(receive):
    result = receive(description="Please help, outside No. 12", category_hint="雨水井盖")
    assert result.case.category.code == "01003"


def test_a_given_category_is_kept(receive, parking):
    result = receive(description="污水井盖坏了", category=parking)
    assert result.case.category == parking
    assert not result.report.category_suggested


def test_no_suggestion_leaves_the_category_empty(receive):
    result = receive(description="这里有点奇怪")
    assert result.case.category is None


def test_photos_go_to_the_case_as_before_evidence(receive, manhole):
    case = receive(category=manhole, photos=[photo("p.jpg")]).case
    assert list(case.evidence.values_list("kind", flat=True)) == ["before"]


def test_a_report_with_only_an_address_goes_to_the_city(receive, small_city):
    result = receive(address="No. 12 Zhongshan Road")
    assert (result.case.area, result.case.grid, result.case.lon) == (small_city.city, None, None)


def test_a_report_with_only_an_address_may_name_its_area(receive, small_city):
    result = receive(address="No. 12 Zhongshan Road", area="330205")
    assert result.case.area == small_city.west
    assert result.case.area_path == small_city.west.path


# --- repeats ---------------------------------------------------------------------------------


def test_a_repeated_external_id_returns_the_first_answer(receive, manhole):
    first = receive(category=manhole, external_id="12345-0001")
    again = receive(category=manhole, external_id="12345-0001", description="resent")

    assert (again.case, again.created, again.repeat) == (first.case, False, True)
    assert again.report.pk == first.report.pk
    assert Case.objects.count() == 1
    assert IntakeReport.objects.count() == 1


def test_the_same_external_id_on_another_source_is_another_report(receive, manhole):
    receive(category=manhole, external_id="0001")
    other = receive(category=manhole, external_id="0001", source="hotline_12345")
    assert not other.repeat
    assert IntakeReport.objects.count() == 2


# --- duplicates ------------------------------------------------------------------------------


def test_a_report_near_an_open_case_of_the_same_category_is_attached(receive, manhole, t0):
    first = receive(category=manhole, reporter_phone="13800000001")
    second = receive(
        category=manhole,
        lon=ALPHA_LON + 30 * M_LON,
        lat=ALPHA_LAT + 20 * M_LAT,
        reporter_phone="13800000002",
        source="hotline_12345",
        external_id="H-9",
        photos=[photo("dup.jpg")],
        now=t0 + timedelta(hours=3),
    )

    case = first.case
    assert (second.case, second.created, second.duplicate_of) == (case, False, case)
    assert Case.objects.count() == 1
    assert second.report.outcome == Outcome.DUPLICATE
    assert second.report.duplicate_of == case
    note = CaseEvent.objects.get(case=case, action=CaseAction.NOTE)
    assert "Duplicate report via 12345 hotline" in note.note
    assert note.data["intake_report"] == second.report.pk
    assert note.data["distance_m"] == pytest.approx(36, abs=1)
    assert note.to_status == case.status
    assert Evidence.objects.filter(case=case).count() == 1  # the duplicate's photo


def test_attaching_a_duplicate_does_not_bump_the_case_version(receive, manhole, t0):
    case = receive(category=manhole).case
    version = Case.objects.get(pk=case.pk).version
    receive(category=manhole, now=t0 + timedelta(minutes=5))
    assert Case.objects.get(pk=case.pk).version == version


def test_an_urgent_duplicate_suggests_an_upgrade(receive, manhole, t0):
    case = receive(category=manhole).case
    receive(category=manhole, priority=Priority.URGENT, now=t0 + timedelta(minutes=5))
    note = CaseEvent.objects.get(case=case, action=CaseAction.NOTE)
    assert "consider an emergency upgrade" in note.note


@pytest.mark.parametrize(
    ("dx_m", "hours", "same"),
    [(49, 23.9, True), (51, 1, False), (10, 24.1, False)],
)
def test_the_window_is_50_m_and_24_h_by_default(receive, manhole, t0, dx_m, hours, same):
    first = receive(category=manhole)
    second = receive(
        category=manhole, lon=ALPHA_LON + dx_m * M_LON, now=t0 + timedelta(hours=hours)
    )
    assert (second.case == first.case) is same


def test_the_window_comes_from_settings(receive, manhole, t0, settings):
    settings.INTAKE_DUPLICATE_METERS = 200
    first = receive(category=manhole)
    second = receive(category=manhole, lon=ALPHA_LON + 150 * M_LON)
    assert second.case == first.case


def test_a_zero_distance_switches_detection_off(receive, manhole, settings):
    settings.INTAKE_DUPLICATE_METERS = 0
    first = receive(category=manhole)
    assert receive(category=manhole).case != first.case


def test_another_category_is_another_problem(receive, manhole, parking):
    first = receive(category=manhole)
    assert receive(category=parking).case != first.case


def test_reports_without_a_category_are_never_merged(receive):
    first = receive(description="这里有点奇怪")
    assert receive(description="这里有点奇怪").case != first.case


@pytest.mark.parametrize("final", ["voided", "closed"])
def test_a_finished_case_takes_no_duplicates(receive, manhole, staff, t0, final):
    first = receive(category=manhole).case
    if final == "voided":
        case_services.case_void(case=first, actor=staff["shift_leader"], reason="Not a problem")
    else:
        Case.objects.filter(pk=first.pk).update(status=CaseStatus.CLOSED)  # shortcut: no flow
    second = receive(category=manhole, now=t0 + timedelta(minutes=1))
    assert second.created and second.case != first


def test_a_duplicate_across_a_grid_boundary_is_still_found(receive, manhole):
    # 121.51 is the boundary between the two northern grids of Alpha-1.
    first = receive(category=manhole, lon=121.51 - 10 * M_LON)
    second = receive(category=manhole, lon=121.51 + 10 * M_LON)
    assert first.report.grid_id != second.report.grid_id
    assert second.case == first.case


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "code", "words"),
    [
        ({"address": "", "lon": None, "lat": None}, "no_location", "neither a location"),
        ({"lon": 100.0, "lat": 10.0}, "outside_grids", "outside every unit grid"),
        ({"crs": "utm50"}, "unknown_crs", "Unknown coordinate system 'utm50'"),
        ({"source": "fax"}, "invalid", "Unknown source channel 'fax'"),
        ({"description": "  "}, "invalid", "description is empty"),
        ({"lon": 121.5, "lat": None}, "invalid", "both longitude and latitude"),
        ({"lon": 500.0, "lat": 29.0}, "invalid", "not a longitude/latitude"),
        ({"priority": "asap"}, "invalid", "Unknown priority 'asap'"),
        ({"external_id": "x" * 101}, "invalid", "at most 100"),
        ({"address": "somewhere", "lon": None, "lat": None, "area": "999"}, "invalid", "'999'"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(receive, kwargs, code, words):
    with pytest.raises(ValidationFailed) as err:
        receive(**kwargs)
    assert err.value.code == code
    assert words in err.value.message
    assert not IntakeReport.objects.exists()


def test_an_operator_may_not_report_outside_their_scope(receive, staff):
    with pytest.raises(PermissionDenied):
        receive(actor=staff["beta_operator"], source="media")  # ALPHA is not in Beta
    assert not IntakeReport.objects.exists()


def test_the_operator_is_recorded(receive, staff, manhole):
    result = receive(actor=staff["alpha_inspector"], source="inspector", category=manhole)
    assert result.report.received_by == staff["alpha_inspector"]
    assert result.case.reported_by == staff["alpha_inspector"]


@pytest.mark.parametrize("field", ["description", "address", "reporter_name", "external_id"])
def test_control_characters_are_refused_by_the_one_door_for_every_channel(small_city, field):
    from core.errors import ValidationFailed
    from intake import services as intake_services

    kwargs = {
        "source": "citizen",
        "description": "Cover missing",
        "lon": ALPHA_LON,
        "lat": ALPHA_LAT,
    }
    kwargs[field] = "bad\x07text"
    with pytest.raises(ValidationFailed) as caught:
        intake_services.receive_report(**kwargs)
    assert (caught.value.code, caught.value.details["field"]) == ("control_character", field)
    assert (
        intake_services.receive_report(**{**kwargs, field: "tab\tand\nnewline are fine"}).case
        is not None
    )
