"""核实 verify: an inspector confirms an untrusted report on site before it can be filed."""

from __future__ import annotations

import pytest

from cases import services
from cases.states import CaseAction, CaseStatus
from cases.tests.conftest import trail
from core.errors import Conflict, PermissionDenied


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
