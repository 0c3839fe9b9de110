"""作废 void: a report that is no case (false, duplicate, not ours) ends with a reason."""

from __future__ import annotations

import pytest

from cases import services
from cases.states import CaseAction, CaseStatus
from cases.tests.conftest import trail
from core.errors import Conflict, PermissionDenied, ValidationFailed


@pytest.mark.parametrize("trusted", [True, False])
def test_shift_leader_voids_with_a_reason(flow, staff, t0, trusted):
    case = flow.reported(trusted=trusted)
    services.case_void(case=case, actor=staff["shift_leader"], reason="Duplicate of NB1", now=t0)
    assert case.status == CaseStatus.VOIDED
    event = case.events.latest("pk")
    assert (event.action, event.reason) == (CaseAction.VOID, "Duplicate of NB1")


def test_void_needs_a_reason(flow, staff, t0):
    case = flow.reported()
    with pytest.raises(ValidationFailed, match="needs a reason"):
        services.case_void(case=case, actor=staff["shift_leader"], reason="  ", now=t0)
    assert trail(case) == [(CaseAction.REPORT, "", CaseStatus.REPORTED)]


def test_a_dispatched_case_cannot_be_voided(flow, staff, t0):
    case, _tasks = flow.dispatched()
    with pytest.raises(Conflict, match="illegal|possible only from"):
        services.case_void(case=case, actor=staff["shift_leader"], reason="x", now=t0)


def test_dispatchers_do_not_void(flow, staff, t0):
    case = flow.reported()
    with pytest.raises(PermissionDenied):
        services.case_void(case=case, actor=staff["city_dispatcher"], reason="x", now=t0)
