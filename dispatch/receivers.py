"""Reactions to case moves (cases.hooks, after commit) that the dispatch app owns.

A co-department's return (协办回退) leaves the case with the lead department (主办) and a share
waiting for the desk. The desk finds it in its queue (待处理回退, dispatch.selectors); the lead
department is told by text message, because its work may now include the returned part.
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from cases import hooks
from cases.models import Task
from cases.states import CaseAction, TaskStatus
from dispatch import notices

logger = logging.getLogger(__name__)


def share_return_notice(*, case, returned: Task, reason: str) -> notices.Notice:
    facts = {
        "number": case.number,
        "dept": returned.department.name,
        "reason": reason,
        "address": case.address or case.area_path,
    }
    return notices.Notice(
        _("Case %(number)s: co-department %(dept)s returned its share") % facts,
        _(
            "On case %(number)s (%(address)s) the co-department %(dept)s returned its share "
            "(回退): %(reason)s. The dispatcher re-routes or settles it; your task stays open."
        )
        % facts,
    )


def on_task_returned(*, case, event) -> None:
    """Tell the lead department about a co-department's return (the lead's return files the
    case again: the desk's queue shows it, nobody else owes work on it)."""
    if not event.data.get("share"):
        return
    returned = Task.objects.select_related("department").filter(pk=event.task_id).first()
    lead = (
        Task.objects.select_related("department")
        .filter(case_id=case.pk, round=case.dispatch_round, is_lead=True)
        .exclude(status=TaskStatus.CANCELLED)
        .first()
    )
    if returned is None or lead is None:
        return
    notices.send(
        department=lead.department,
        case=case,
        notice=share_return_notice(case=case, returned=returned, reason=event.reason),
        key=f"share-return:{event.pk}",
    )


SUBSCRIPTIONS = ((CaseAction.RETURN, on_task_returned),)


def connect() -> None:
    for action, fn in SUBSCRIPTIONS:
        hooks.subscribe(action, fn)


def disconnect() -> None:
    for action, fn in SUBSCRIPTIONS:
        hooks.unsubscribe(action, fn)
