"""结案 close: the shift leader closes a case whose on-site check has passed."""

from __future__ import annotations

import pytest

from cases import services
from cases.states import CaseAction, CaseStatus
from cases.tests.conftest import trail
from core.errors import Conflict, PermissionDenied


def test_shift_leader_closes_after_a_passed_check(flow, staff, t0):
    case, _task = flow.check_passed()
    services.case_close(case=case, actor=staff["shift_leader"], now=t0)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closed_at == t0
    assert trail(case)[-1] == (CaseAction.CLOSE, CaseStatus.CHECKING, CaseStatus.CLOSED)


def test_close_needs_a_passed_check(flow, staff, t0):
    case, _task = flow.disposed()
    services.case_start_check(case=case, actor=staff["alpha_inspector"], now=t0)
    with pytest.raises(Conflict, match="before its on-site check"):
        services.case_close(case=case, actor=staff["shift_leader"], now=t0)


def test_a_disposed_case_cannot_skip_the_check(flow, staff, t0):
    case, _task = flow.disposed()
    with pytest.raises(Conflict, match="possible only from Checking"):
        services.case_close(case=case, actor=staff["shift_leader"], now=t0)


def test_only_the_shift_leader_closes(flow, staff, t0):
    case, _task = flow.check_passed()
    with pytest.raises(PermissionDenied):
        services.case_close(case=case, actor=staff["alpha_inspector"], now=t0)


def test_a_closed_case_accepts_no_more_moves(flow, staff, t0):
    case, _task = flow.check_passed()
    services.case_close(case=case, actor=staff["shift_leader"], now=t0)
    with pytest.raises(Conflict):
        services.case_upgrade(case=case, actor=staff["shift_leader"], reason="x", now=t0)
    with pytest.raises(Conflict):
        services.case_close(case=case, actor=staff["shift_leader"], now=t0)
