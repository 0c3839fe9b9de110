"""After-commit hooks: subscribers run only once the move is committed, never inside it."""

from __future__ import annotations

import threading
from collections import defaultdict

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


def test_subscriber_runs_after_commit(flow, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(hooks, "_subscribers", defaultdict(list))  # only this test's listener
    seen = []
    hooks.subscribe(
        CaseAction.FILE, lambda *, case, event: seen.append((case.number, event.action))
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        case = flow.filed()
    assert seen == [(case.number, CaseAction.FILE)]
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


def test_muted_moves_notify_nobody_and_the_subscribers_stay(
    flow, calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with hooks.muted():
            with hooks.muted():  # blocks nest: the inner end does not unmute
                flow.filed()
            flow.filed()
            assert hooks.is_muted()
    assert calls == [] and callbacks == []  # nothing scheduled, not just skipped later
    assert not hooks.is_muted()
    with django_capture_on_commit_callbacks(execute=True):
        case = flow.filed()
    assert calls == [(case.number, CaseAction.FILE)]  # still subscribed after the block


def test_muted_ends_even_when_the_block_fails(flow, calls, django_capture_on_commit_callbacks):
    with pytest.raises(RuntimeError), hooks.muted():
        raise RuntimeError("seeding failed")
    assert not hooks.is_muted()
    with django_capture_on_commit_callbacks(execute=True):
        flow.filed()
    assert len(calls) == 1


def test_muted_only_silences_its_own_thread():
    seen: list[bool] = []
    with hooks.muted():
        other = threading.Thread(target=lambda: seen.append(hooks.is_muted()))
        other.start()
        other.join()
    assert seen == [False]  # a web request served meanwhile keeps its notifications
