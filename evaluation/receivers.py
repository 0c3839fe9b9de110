"""Task facts follow the case moves (cases.hooks, after commit): a task gets its fact when it
stops being open (disposed, returned, cancelled) or passes its deadline (the SLA scanner's red
light 红灯超时督办), and every later move that changes what it counts for (rework, extension,
pause, upgrade) rewrites it. An open task not yet due counts in no number, so dispatching writes
nothing: the loop's commonest moves stay as cheap as they were."""

from __future__ import annotations

from cases import hooks
from cases.states import CaseAction
from evaluation.facts import write_case_facts

A = CaseAction
# Moves that settle a task, mark it overdue, or change its outcome, deadline, reworks or
# extensions.
FACT_MOVES = (
    A.SLA_OVERDUE,
    A.RETURN,
    A.REROUTE_SHARE,
    A.SETTLE_SHARE,
    A.APPROVE_EXTENSION,
    A.DISPOSE,
    A.CHECK_FAIL,
    A.SUSPEND,
    A.RESUME,
    A.UPGRADE,
)


def on_case_move(*, case, event) -> None:
    write_case_facts(case)


def connect() -> None:
    for action in FACT_MOVES:
        hooks.subscribe(action, on_case_move)


def disconnect() -> None:
    for action in FACT_MOVES:
        hooks.unsubscribe(action, on_case_move)
