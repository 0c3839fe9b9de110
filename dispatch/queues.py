"""The dispatch app's work queues (cases.queues): 升级到我 and 督办待回复.

升级到我: a disposer sees the tasks escalated to their own department (the tier above the late
one); the desk and leaders see every escalated open task in their area. From the queue they
press the late department (督办).
督办待回复: tasks with a 督办 that asked for a report back and got none; the department replies
from the queue, the desk presses again.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cases import queues
from cases.api_selectors import visible_tasks
from cases.models import Task
from cases.permissions import role_of
from cases.states import OPEN_TASK_STATUSES, CaseAction
from dispatch import selectors
from dispatch.models import Supervision, SupervisionKind
from dispatch.services import SUPERVISE_ROLES
from org.models import Role
from org.selectors import staff_profile


def annotate_pressed(tasks: list[Task]) -> None:
    """Set ``task.last_pressed``: the latest 督办 by a person on each task (or None), so a
    queue card shows it was pressed already and by whom. One query for the page."""
    latest: dict[int, Supervision] = {}
    records = Supervision.objects.filter(
        task_id__in=[t.pk for t in tasks], kind=SupervisionKind.MANUAL
    ).select_related("actor")
    for record in records.order_by("sent_at", "pk"):
        latest[record.task_id] = record
    for task in tasks:
        task.last_pressed = latest.get(task.pk)


def escalated_to_me(user) -> QuerySet[Task]:
    if role_of(user) == Role.DISPOSER:
        profile = staff_profile(user)
        if profile is None or profile.department_id is None:
            return Task.objects.none()
        return selectors.escalated_tasks(profile.department_id)
    return visible_tasks(user).filter(
        status__in=OPEN_TASK_STATUSES, sla_state__escalation_level__gt=0
    )


ESCALATED = queues.Queue(
    key="escalated",
    label=_("Escalated to me 升级到我"),
    roles=SUPERVISE_ROLES | {Role.DISPOSER},
    tasks=escalated_to_me,
    moves=frozenset({CaseAction.SUPERVISE}),
    hint=_("Overdue past the escalation time: press the department to finish (督办)."),
    annotate=annotate_pressed,
)


def awaiting_reply(user) -> QuerySet[Task]:
    """督办待回复: a disposer's department's tasks with an unanswered 督办, or for the desk
    and leaders those in their area (to press again when nobody answers)."""
    if role_of(user) == Role.DISPOSER:
        profile = staff_profile(user)
        if profile is None or profile.department_id is None:
            return Task.objects.none()
        return selectors.awaiting_reply(Task.objects.filter(department_id=profile.department_id))
    return selectors.awaiting_reply(visible_tasks(user))


REPLIES = queues.Queue(
    key="replies",
    label=_("Supervision awaiting reply 督办待回复"),
    roles=SUPERVISE_ROLES | {Role.DISPOSER},
    tasks=awaiting_reply,
    moves=frozenset({CaseAction.SUPERVISION_REPLY, CaseAction.SUPERVISE}),
    hint=_("A 督办 asked the department to report back and it has not yet."),
    annotate=annotate_pressed,
)


def register() -> None:
    queues.register(ESCALATED)
    queues.register(REPLIES)
