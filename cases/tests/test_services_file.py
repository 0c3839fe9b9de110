"""立案 file: the shift leader files a case against a FilingStandard (category + time limit)."""

from __future__ import annotations

import pytest

from cases import services
from cases.factories import FilingStandardFactory
from cases.states import CaseAction, CaseStatus, Priority
from cases.tests.conftest import trail
from core.errors import Conflict, PermissionDenied, ValidationFailed


def test_filing_fixes_standard_and_category(flow, staff, standard, t0):
    case = flow.reported()
    services.case_file(case=case, actor=staff["shift_leader"], standard=standard, now=t0)
    case.refresh_from_db()
    assert case.status == CaseStatus.FILED
    assert case.standard == standard and case.category == standard.category
    assert case.filed_at == t0
    assert trail(case)[-1] == (CaseAction.FILE, CaseStatus.REPORTED, CaseStatus.FILED)


def test_filing_may_set_the_priority(flow, staff, standard, t0):
    case = flow.reported()
    services.case_file(
        case=case, actor=staff["shift_leader"], standard=standard, priority=Priority.URGENT, now=t0
    )
    assert case.priority == Priority.URGENT


def test_filing_needs_a_standard(flow, staff, t0):
    case = flow.reported()
    with pytest.raises(ValidationFailed, match="filing standard"):
        services.case_file(case=case, actor=staff["shift_leader"], standard=None, now=t0)


def test_a_retired_standard_is_refused(flow, staff, t0):
    old = FilingStandardFactory(is_active=False)
    case = flow.reported()
    with pytest.raises(ValidationFailed, match="no longer in use"):
        services.case_file(case=case, actor=staff["shift_leader"], standard=old, now=t0)


def test_an_untrusted_report_is_filed_only_after_verification(flow, staff, standard, t0):
    case = flow.reported(trusted=False)
    with pytest.raises(Conflict, match="waiting for on-site verification"):
        services.case_file(case=case, actor=staff["shift_leader"], standard=standard, now=t0)
    services.case_verify(case=case, actor=staff["alpha_inspector"], now=t0)
    services.case_file(case=case, actor=staff["shift_leader"], standard=standard, now=t0)
    assert case.status == CaseStatus.FILED


def test_inspectors_do_not_file(flow, staff, standard, t0):
    case = flow.reported()
    with pytest.raises(PermissionDenied):
        services.case_file(case=case, actor=staff["alpha_inspector"], standard=standard, now=t0)


def test_filing_twice_is_an_illegal_move(flow, staff, standard, t0):
    case = flow.filed()
    with pytest.raises(Conflict, match="is Filed 立案: File 立案 is possible only from"):
        services.case_file(case=case, actor=staff["shift_leader"], standard=standard, now=t0)
