"""After-commit hooks: subscribers run only once the move is committed, never inside it."""

from __future__ import annotations

import pytest

from cases import hooks
from cases.states import CaseAction
from core.errors import ValidationFailed


@pytest.fixture
def calls():
    seen: list = []

    def on_file(*, case, event):
        seen.append((case.number, event.action))

    hooks.subscribe(CaseAction.FILE, on_file)
    yield seen
    hooks.unsubscribe(CaseAction.FILE, on_file)


def test_subscriber_runs_after_commit(flow, calls, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        case = flow.filed()
    assert calls == [(case.number, CaseAction.FILE)]
    assert len(callbacks) == 1  # nobody listens to "report": nothing was scheduled for it


def test_no_hook_for_a_refused_move(flow, staff, calls, django_capture_on_commit_callbacks):
    case = flow.reported()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ValidationFailed):
            from cases import services

            services.case_file(case=case, actor=staff["shift_leader"], standard=None)
    assert calls == []


def test_a_failing_subscriber_does_not_stop_the_others(
    flow, calls, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise RuntimeError("SMS gateway down")

    hooks.subscribe(CaseAction.FILE, broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            flow.filed()
    finally:
        hooks.unsubscribe(CaseAction.FILE, broken)
    assert len(calls) == 1
