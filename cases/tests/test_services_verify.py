"""核实 verify: an inspector confirms an untrusted report on site before it can be filed."""

from __future__ import annotations

import pytest

from areas.models import UnitGrid
from cases import moves, services
from cases.models import CaseEvent, Evidence
from cases.states import CaseAction, CaseStatus, EvidenceKind, VerifyFinding
from cases.tests.conftest import photo, received, trail
from core.errors import Conflict, PermissionDenied, ValidationFailed
from notify.models import OutboxMessage


def test_inspector_verifies_a_citizen_report(flow, staff, t0):
    case = flow.reported(trusted=False)
    services.case_verify(case=case, actor=staff["alpha_inspector"], note="Seen on site", now=t0)
    assert case.status == CaseStatus.VERIFYING
    assert case.verified_at == t0
    assert trail(case)[-1] == (CaseAction.VERIFY, CaseStatus.VERIFYING, CaseStatus.VERIFYING)


def test_a_trusted_report_skips_verification(flow, staff, t0):
    case = flow.reported(trusted=True)
    with pytest.raises(Conflict, match="possible only from Verifying"):
        services.case_verify(case=case, actor=staff["alpha_inspector"], now=t0)


def test_verifying_twice_is_refused(flow, staff, t0):
    case = flow.reported(trusted=False)
    services.case_verify(case=case, actor=staff["alpha_inspector"], now=t0)
    with pytest.raises(Conflict, match="already verified"):
        services.case_verify(case=case, actor=staff["alpha_inspector"], now=t0)


def test_only_an_inspector_of_the_area_verifies(flow, staff, t0):
    case = flow.reported(trusted=False)
    with pytest.raises(PermissionDenied, match="needs one of the roles"):
        services.case_verify(case=case, actor=staff["city_dispatcher"], now=t0)
    with pytest.raises(PermissionDenied, match="outside your area scope"):
        services.case_verify(case=case, actor=staff["gamma_inspector"], now=t0)


# --- Findings (核实结果): 属实 / 不属实 / 不在本网格, and the desk's answers -----------------------


def test_a_confirmed_finding_keeps_the_inspectors_photo_as_a_before_photo(flow, staff, t0):
    case = flow.reported(trusted=False)
    services.case_verify(
        case=case,
        actor=staff["alpha_inspector"],
        finding=VerifyFinding.CONFIRMED,
        photos=[photo("seen.jpg")],
        now=t0,
    )
    case.refresh_from_db()
    assert (case.verify_finding, case.verified_at) == (VerifyFinding.CONFIRMED, t0)
    [evidence] = Evidence.objects.filter(case=case)
    assert evidence.kind == EvidenceKind.BEFORE
    event = CaseEvent.objects.filter(case=case, action=CaseAction.VERIFY).get()
    assert event.data == {"finding": "confirmed", "photos": [evidence.pk]}


@pytest.mark.parametrize("finding", [VerifyFinding.FALSE, VerifyFinding.ELSEWHERE])
def test_a_finding_other_than_confirmed_needs_a_reason_and_blocks_filing(
    flow, staff, standard, t0, finding
):
    case = flow.reported(trusted=False)
    with pytest.raises(ValidationFailed):
        services.case_verify(case=case, actor=staff["alpha_inspector"], finding=finding, now=t0)
    services.case_verify(
        case=case, actor=staff["alpha_inspector"], finding=finding, note="No pothole here", now=t0
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.VERIFYING
    assert case.verified_at is None and case.verify_finding == finding
    with pytest.raises(Conflict, match="waiting for on-site verification"):
        services.case_file(case=case, actor=staff["shift_leader"], standard=standard, now=t0)
    with pytest.raises(Conflict, match="already verified"):
        services.case_verify(case=case, actor=staff["alpha_inspector"], now=t0)


def test_an_unknown_finding_is_refused(flow, staff, t0):
    case = flow.reported(trusted=False)
    with pytest.raises(ValidationFailed, match="Unknown verification finding"):
        services.case_verify(case=case, actor=staff["alpha_inspector"], finding="maybe", now=t0)


def test_not_in_my_grid_goes_back_on_site_in_the_grid_the_desk_chooses(flow, staff, t0):
    case = flow.reported(trusted=False)
    other = UnitGrid.objects.get(code="330203001002001")  # Alpha-2, same street
    services.case_verify(
        case=case,
        actor=staff["alpha_inspector"],
        finding=VerifyFinding.ELSEWHERE,
        note="This is the next community",
        now=t0,
    )
    offered = [a for a, _t in moves.allowed(staff["shift_leader"], case, [])]
    assert CaseAction.REVERIFY in offered and CaseAction.REFUSE in offered
    assert CaseAction.FILE not in offered and CaseAction.VERIFY not in offered
    services.case_reverify(case=case, actor=staff["shift_leader"], grid=other, now=t0)
    case.refresh_from_db()
    assert case.verify_finding == "" and case.verified_at is None
    assert (case.grid_id, case.area_path, case.area_class) == (
        other.pk,
        other.path,
        other.area_class,
    )
    event = CaseEvent.objects.filter(case=case, action=CaseAction.REVERIFY).get()
    assert event.data == {
        "finding": "elsewhere",
        "from_grid": "330203001001001",
        "to_grid": "330203001002001",
    }
    # Back in the inspectors' list: verifying it again is allowed.
    services.case_verify(case=case, actor=staff["alpha_inspector"], now=t0)
    assert case.verify_finding == VerifyFinding.CONFIRMED


def test_reverify_needs_a_finding_and_a_grid_in_scope(flow, staff, west_grid, t0):
    case = flow.reported(trusted=False)
    with pytest.raises(Conflict, match="no finding"):
        services.case_reverify(case=case, actor=staff["shift_leader"], now=t0)
    services.case_verify(
        case=case, actor=staff["alpha_inspector"], finding="elsewhere", note="West", now=t0
    )
    with pytest.raises(PermissionDenied, match="needs one of the roles"):
        services.case_reverify(case=case, actor=staff["alpha_inspector"], now=t0)
    with pytest.raises(PermissionDenied, match="outside your area scope"):
        services.case_reverify(case=case, actor=staff["beta_operator"], grid=west_grid, now=t0)


def test_refusing_a_report_voids_it_with_the_reason_and_tells_the_reporter(
    flow, staff, t0, django_capture_on_commit_callbacks
):
    case = received(flow.reported(trusted=False, reporter_phone="13800000000"))
    services.case_verify(
        case=case, actor=staff["alpha_inspector"], finding="false", note="Nothing there", now=t0
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.case_refuse(
            case=case, actor=staff["shift_leader"], reason="Private courtyard, not city", now=t0
        )
    case.refresh_from_db()
    assert case.status == CaseStatus.VOIDED
    assert trail(case)[-1] == (CaseAction.REFUSE, CaseStatus.VERIFYING, CaseStatus.VOIDED)
    [message] = OutboxMessage.objects.filter(case=case)
    assert message.to == "13800000000"
    assert "Private courtyard, not city" in message.body


def test_refusal_needs_a_reason_an_acceptor_and_an_unfiled_case(flow, staff, t0):
    case = flow.reported(trusted=True)
    with pytest.raises(ValidationFailed):
        services.case_refuse(case=case, actor=staff["shift_leader"], reason=" ", now=t0)
    with pytest.raises(PermissionDenied, match="needs one of the roles"):
        services.case_refuse(case=case, actor=staff["city_dispatcher"], reason="No", now=t0)
    filed = flow.filed()
    with pytest.raises(Conflict, match="possible only from"):
        services.case_refuse(case=filed, actor=staff["shift_leader"], reason="No", now=t0)
