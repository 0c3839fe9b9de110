"""Task facts follow the case moves (cases.hooks, after commit): every move that creates a task
or changes what it counts for rewrites the facts of that case's tasks (a few rows)."""

from __future__ import annotations

from cases import hooks
from cases.states import CaseAction
from evaluation.facts import write_case_facts

A = CaseAction
# Moves that create tasks or change their outcome, deadline, reworks or extensions.
FACT_MOVES = (
    A.DISPATCH,
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
