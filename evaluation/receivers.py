"""Facts follow the case moves (cases.hooks, after commit).

A task gets its fact when it stops being open (disposed, returned, cancelled) or passes its
deadline (the SLA scanner's red light 红灯超时督办), and every later move that changes what it
counts for (rework, extension, pause, upgrade) rewrites it; those moves rewrite the case's fact
too. A case gets its fact when it is filed (立案), and it is rewritten when the case closes, is
voided, gets a note (a duplicate report merged in) or is rated by its reporter. An open task not yet due counts in no
number, so dispatching writes nothing: the loop's commonest moves stay as cheap as they were.

Post facts (岗位评价, evaluation.posts) are rewritten from the case's trail after each step a
person does (report, verify, file, dispatch, dispose, check, close) and after the moves that
decide whether an earlier step held (void, return)."""

from __future__ import annotations

from django.db import transaction

from cases import hooks
from cases.states import CaseAction
from evaluation import posts
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
# Moves that change only the case's own fact.
CASE_FACT_MOVES = (A.FILE, A.VOID, A.CLOSE, A.NOTE)


def on_case_move(*, case, event) -> None:
    write_case_facts(case)


def on_case_only_move(*, case, event) -> None:
    write_case_facts(case, tasks_too=False)


def on_rated(*, instance, created, **kwargs) -> None:
    """The reporter's rating (回访, portal.Satisfaction) goes into the case's fact."""
    transaction.on_commit(lambda: write_case_facts(instance.case))


def connect() -> None:
    for action in posts.POST_MOVES:
        hooks.subscribe(action, posts.on_move)
    for action in FACT_MOVES:
        hooks.subscribe(action, on_case_move)
    for action in CASE_FACT_MOVES:
        hooks.subscribe(action, on_case_only_move)


def disconnect() -> None:
    for action in posts.POST_MOVES:
        hooks.unsubscribe(action, posts.on_move)
    for action in FACT_MOVES:
        hooks.unsubscribe(action, on_case_move)
    for action in CASE_FACT_MOVES:
        hooks.unsubscribe(action, on_case_only_move)
