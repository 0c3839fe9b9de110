"""Work queues of tasks waiting for someone's decision (待审批延期, 待处理回退, 升级到我, ...).

A queue is data: a key, a label, who has it (roles), which tasks are in it for a user, and the
moves offered right in the queue so a decision needs no trip to the case page. The workbench
shows the queues of desk roles as tabs with counts; the phone task page shows those of the
disposer. This module holds the queues the case app can answer alone (extension requests and
returns); other apps register theirs at start-up (dispatch: escalations 升级到我) so cases
does not import them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cases import permissions
from cases.api_selectors import visible_tasks
from cases.models import CaseEvent, Task
from cases.states import CaseAction, CaseStatus, TaskStatus

A = CaseAction


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    roles: frozenset[str]
    # The user's tasks in the queue (already narrowed to what the user may see).
    tasks: Callable[[object], QuerySet[Task]]
    # Moves offered on each row; the move table (cases.moves.allowed) still decides.
    moves: frozenset[str] = frozenset()
    # One line under the queue's title: what a row asks of the reader.
    hint: str = ""
    # Sets what the owning app adds to each row (e.g. dispatch: the last 督办 by hand).
    annotate: Callable[[list[Task]], None] | None = None


_queues: dict[str, Queue] = {}


def register(queue: Queue) -> Queue:
    """Add (or replace, by key) a queue; the order of registration is the order of the tabs."""
    _queues[queue.key] = queue
    return queue


def queues_for(user) -> list[Queue]:
    role = permissions.role_of(user)
    return [q for q in _queues.values() if role in q.roles]


def get(key: str) -> Queue | None:
    return _queues.get(key)


def rows(queue: Queue, user) -> QuerySet[Task]:
    """The queue's tasks with what a row shows, oldest deadline first."""
    return (
        queue.tasks(user)
        .select_related("case__category", "case__standard", "case__grid", "department", "sla_state")
        .order_by("deadline_at", "pk")
    )


# The move whose reason a row shows: the request the reader is asked to decide on.
_ASKED_BY = {TaskStatus.EXTENSION_REQUESTED: A.REQUEST_EXTENSION, TaskStatus.RETURNED: A.RETURN}


def annotate_reasons(tasks: list[Task]) -> None:
    """Set ``task.asked`` to the last event that put the task in its queue (who, when, why):
    one query for the page."""
    wanted = {t.pk: _ASKED_BY.get(t.status) for t in tasks}
    events = CaseEvent.objects.filter(
        task_id__in=[pk for pk, action in wanted.items() if action],
        action__in=set(_ASKED_BY.values()),
    ).select_related("actor")
    last: dict[int, CaseEvent] = {}
    for event in events.order_by("at", "pk"):
        if wanted.get(event.task_id) == event.action:
            last[event.task_id] = event
    for task in tasks:
        task.asked = last.get(task.pk)


def extension_requests(user) -> QuerySet[Task]:
    """待审批延期: tasks whose department asked for more time (延期申请), not yet decided."""
    return visible_tasks(user).filter(status=TaskStatus.EXTENSION_REQUESTED)


def returns(user) -> QuerySet[Task]:
    """待处理回退: returns the desk must act on.

    A co-department's returned share not yet re-routed or settled (协办回退), and a lead
    department's return (主办回退) whose case waits, filed again, for a new dispatch.
    """
    share = Q(is_lead=False, return_settled_at__isnull=True, case__status=CaseStatus.DISPATCHED)
    lead = Q(is_lead=True, case__status=CaseStatus.FILED, round=F("case__dispatch_round"))
    return visible_tasks(user).filter(share | lead, status=TaskStatus.RETURNED)


_DESK_DECIDES = permissions.MOVE_ROLES[A.APPROVE_EXTENSION]

EXTENSIONS = register(
    Queue(
        key="extensions",
        label=_("Extension requests 待审批延期"),
        roles=_DESK_DECIDES,
        tasks=extension_requests,
        moves=frozenset({A.APPROVE_EXTENSION, A.REJECT_EXTENSION}),
        hint=_("A department asks for more time: approve (the deadline moves) or refuse."),
    )
)
RETURNS = register(
    Queue(
        key="returns",
        label=_("Returns 待处理回退"),
        roles=permissions.MOVE_ROLES[A.REROUTE_SHARE],
        tasks=returns,
        moves=frozenset({A.REROUTE_SHARE, A.SETTLE_SHARE}),
        hint=_(
            "A department says the case is not theirs: send its share elsewhere, settle it, "
            "or dispatch the returned case again from its page."
        ),
    )
)
