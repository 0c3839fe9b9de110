"""Dispatch's moves in the case move table (cases.moves): 督办 by hand and the reply to a 督办.

Who may is dispatch's rule, not the role table: the desk or a leader with the case in their
area, or the department a task was escalated to (升级督办), supervises an open task
(``services.may_supervise``); the task's own department answers while a 督办 waits for it
(``services.may_reply``).
"""

from __future__ import annotations

from cases import moves
from cases.models import Case, Task
from cases.states import OPEN_TASK_STATUSES, TRANSITIONS, CaseAction
from dispatch import services


def _may_supervise(user, task: Task, case: Case) -> bool:
    return task.status in OPEN_TASK_STATUSES and services.may_supervise(user, task, case)


def _may_reply(user, task: Task, case: Case) -> bool:
    sources = TRANSITIONS[CaseAction.SUPERVISION_REPLY].sources
    return case.status in sources and services.may_reply(user, task)


def _supervise(*, case: Case, task: Task, actor, data: dict):
    return services.supervise(task=task, actor=actor, note=data["note"])


def _reply(*, case: Case, task: Task, actor, data: dict):
    return services.reply_supervision(task=task, actor=actor, note=data["note"])


def register() -> None:
    moves.register(CaseAction.SUPERVISE, may=_may_supervise, run=_supervise)
    moves.register(CaseAction.SUPERVISION_REPLY, may=_may_reply, run=_reply)
