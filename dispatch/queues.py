"""The dispatch app's work queue (cases.queues): 升级到我, tasks escalated to the reader.

A disposer sees the tasks escalated to their own department (the tier above the late one);
the desk and leaders see every escalated open task in their area. From the queue they press
the late department (督办).
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
from dispatch.services import SUPERVISE_ROLES
from org.models import Role
from org.selectors import staff_profile


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
)


def register() -> None:
    queues.register(ESCALATED)
