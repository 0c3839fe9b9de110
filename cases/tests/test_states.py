"""The transition table is the single source of truth, and it is complete and consistent."""

from __future__ import annotations

from cases.permissions import MOVE_ROLES
from cases.states import (
    FINAL_CASE_STATUSES,
    SUPERVISION_ACTIONS,
    TASK_TRANSITIONS,
    TRANSITIONS,
    CaseAction,
    CaseStatus,
)


def test_every_action_has_a_row():
    assert set(TRANSITIONS) == set(CaseAction.values)


def test_no_move_leaves_a_final_state():
    for action, t in TRANSITIONS.items():
        assert not (t.sources & FINAL_CASE_STATUSES), action


def test_every_status_is_reachable():
    reachable = {CaseStatus.REPORTED, CaseStatus.VERIFYING}  # where report puts a case
    reachable |= {t.to for t in TRANSITIONS.values() if t.to}
    assert reachable == set(CaseStatus.values)


def test_every_move_except_report_attach_note_and_supervision_has_roles():
    # Supervision events are recorded by the dispatch app: its rule says who supervises, and
    # the SLA scanner is the system.
    assert set(MOVE_ROLES) == set(CaseAction.values) - SUPERVISION_ACTIONS - {
        CaseAction.REPORT,
        CaseAction.ATTACH,
        CaseAction.NOTE,
    }


def test_supervision_events_change_no_status_and_need_an_open_task():
    for action in SUPERVISION_ACTIONS:
        assert TRANSITIONS[action].to is None, action
        assert TRANSITIONS[action].sources <= {CaseStatus.DISPATCHED, CaseStatus.SUSPENDED}
    assert CaseStatus.SUSPENDED in TRANSITIONS[CaseAction.SUPERVISE].sources  # clock stopped
    assert CaseStatus.SUSPENDED not in TRANSITIONS[CaseAction.SLA_OVERDUE].sources


def test_supervision_events_are_no_case_buttons():
    """The scanner's light flips are recorded, never offered; 督办 by a person is a task move
    dispatch registers (cases.moves)."""
    from cases.moves import CASE_MOVES

    assert not set(CASE_MOVES) & SUPERVISION_ACTIONS


def test_task_moves_are_case_moves_too():
    assert set(TASK_TRANSITIONS) <= set(TRANSITIONS)
