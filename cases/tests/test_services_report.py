"""上报 report: a case is born numbered, scoped to its grid, waiting for 核实 unless trusted.

The reporter's scope and the place are intake's checks (intake/tests/test_services_receive.py);
these are the case's own invariants.
"""

from __future__ import annotations

import pytest

from cases.models import Case, CaseEvent, Evidence
from cases.services.reporting import case_report
from cases.states import CaseAction, CaseStatus, EvidenceKind, SourceChannel
from cases.tests.conftest import photo, trail
from core.errors import ValidationFailed


def report(staff, grid, t0, **kwargs):
    kwargs.setdefault("actor", staff["alpha_inspector"])
    kwargs.setdefault("source", SourceChannel.INSPECTOR)
    kwargs.setdefault("description", "Overflowing bin at the bus stop")
    return case_report(grid=grid, now=t0, **kwargs)


def test_inspector_report_is_trusted_and_waits_for_filing(staff, grid, t0):
    case = report(staff, grid, t0, lon=121.505, lat=29.865, address="Zhongshan Rd 1")
    assert case.status == CaseStatus.REPORTED
    assert case.trusted is True
    assert case.number == "NB2026112300001"
    assert case.area_path == grid.path
    assert case.area_class == grid.area_class
    assert case.reported_by == staff["alpha_inspector"]
    assert trail(case) == [(CaseAction.REPORT, "", CaseStatus.REPORTED)]
    assert case.version == 1


def test_citizen_report_waits_for_verification(staff, grid, t0):
    case = report(staff, grid, t0, source=SourceChannel.CITIZEN, reporter_phone="13800000000")
    assert case.status == CaseStatus.VERIFYING
    assert case.trusted is False
    assert case.reporter_phone == "13800000000"


def test_intake_may_override_the_source_default_trust(staff, grid, t0):
    # Video AI is trusted by default; a low-confidence detection is not.
    case = report(staff, grid, t0, source=SourceChannel.VIDEO_AI, trusted=False)
    assert case.status == CaseStatus.VERIFYING


def test_anonymous_public_report_has_no_actor(grid, t0):
    case = case_report(
        actor=None, source=SourceChannel.OPEN311, description="Pothole", grid=grid, now=t0
    )
    event = CaseEvent.objects.get(case=case)
    assert event.actor is None and case.reported_by is None


def test_numbers_run_per_local_day(staff, grid, t0):
    numbers = [report(staff, grid, t0).number for _ in range(3)]
    assert numbers == ["NB2026112300001", "NB2026112300002", "NB2026112300003"]


def test_before_photos_are_stored_with_the_report(staff, grid, t0):
    case = report(staff, grid, t0, photos=[photo("before.jpg", gps=True)])
    ev = Evidence.objects.get(case=case)
    assert ev.kind == EvidenceKind.BEFORE
    assert CaseEvent.objects.get(case=case).data["photos"] == [ev.pk]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"description": "   "}, "description is empty"),
        ({"source": "carrier_pigeon"}, "Unknown source channel"),
        ({"priority": "whenever"}, "Unknown priority"),
    ],
)
def test_bad_reports_are_refused_with_the_reason(staff, grid, t0, kwargs, message):
    with pytest.raises(ValidationFailed, match=message):
        report(staff, grid, t0, **kwargs)
    assert not Case.objects.exists()


def test_a_case_needs_a_grid_or_an_area(staff, t0):
    with pytest.raises(ValidationFailed, match="needs a grid"):
        case_report(
            actor=staff["admin"], source=SourceChannel.HOTLINE_12345, description="Noise", now=t0
        )


def test_hotline_case_without_location_is_scoped_by_area(staff, small_city, t0):
    case = case_report(
        actor=staff["city_dispatcher"],
        source=SourceChannel.HOTLINE_12345,
        description="Noise at night",
        area=small_city.beta,
        now=t0,
    )
    assert case.area_path == small_city.beta.path
    assert case.grid is None and case.area_class == ""


def test_a_bad_photo_rolls_the_whole_report_back(staff, grid, t0):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("x.jpg", b"%PDF-1.4 not an image")
    with pytest.raises(ValidationFailed, match="not a JPEG, PNG or WebP"):
        report(staff, grid, t0, photos=[bad])
    assert not Case.objects.exists() and not CaseEvent.objects.exists()
