"""Reactions to case moves (cases.hooks, after commit).

An alarm's case whose rule says ``auto_check_pass`` passes its on-site check (核查) by itself when
the sensor has confirmed the clear: at the clear if the case is already disposed, else as soon
as the department disposes it (this hook).
"""

from __future__ import annotations

from cases import hooks
from cases.states import CaseAction


def on_case_disposed(*, case, event) -> None:
    from iot import alarms

    alarms.pass_check_if_confirmed(case=case)


def connect() -> None:
    hooks.subscribe(CaseAction.DISPOSE, on_case_disposed)
