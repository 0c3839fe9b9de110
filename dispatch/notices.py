"""Supervision notices (督办通知): the text, the recipients, and the hand-over to notify's outbox.

Messages are queued through ``notify.services.enqueue`` inside the caller's transaction and sent
after commit (a failed SMS never rolls a flip back); the dedupe key makes a retried flip a no-op.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, Task
from dispatch.models import SupervisionKind
from org.models import Department, StaffProfile

logger = logging.getLogger(__name__)

SMS = "sms"
DISPLAY_FORMAT = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class Notice:
    subject: str
    body: str


def recipients_of(department: Department) -> list[str]:
    """The unit's contact phone; without one, the phones of its active staff."""
    if department.contact_phone.strip():
        return [department.contact_phone.strip()]
    phones = (
        StaffProfile.objects.filter(department=department, user__is_active=True)
        .exclude(phone="")
        .order_by("phone")
        .values_list("phone", flat=True)
        .distinct()
    )
    return [p.strip() for p in phones if p.strip()]


def _local(moment) -> str:
    return timezone.localtime(moment).strftime(DISPLAY_FORMAT)


def compose(
    *, kind: str, case: Case, task: Task, level: int = 0, note: str = "", due_at=None
) -> Notice:
    """Subject and body of a notice about ``task`` (text in the active language)."""
    facts = {
        "number": case.number,
        "category": str(case.category) if case.category_id else _("uncategorised"),
        "address": case.address or case.area_path,
        "deadline": _local(task.deadline_at),
        "dept": task.department.name,
        "level": level,
        "note": note,
        "due": _local(due_at) if due_at else "",
    }
    if kind == SupervisionKind.REMINDER:
        return Notice(
            _("Reminder: case %(number)s is due soon") % facts,
            _(
                "Case %(number)s (%(category)s, %(address)s) for %(dept)s is due at "
                "%(deadline)s. Please dispose of it in time."
            )
            % facts,
        )
    if kind == SupervisionKind.SUPERVISE:
        return Notice(
            _("Supervision 督办: case %(number)s is overdue") % facts,
            _(
                "Case %(number)s (%(category)s, %(address)s) for %(dept)s was due at "
                "%(deadline)s and is overdue. Dispose of it now and report back."
            )
            % facts,
        )
    if kind == SupervisionKind.ESCALATE:
        return Notice(
            _("Escalation: case %(number)s of %(dept)s is overdue") % facts,
            _(
                "Case %(number)s (%(category)s, %(address)s) for %(dept)s was due at "
                "%(deadline)s and is still open. It is escalated to you (level %(level)s) "
                "for supervision."
            )
            % facts,
        )
    if due_at:
        return Notice(
            _("Supervision 督办: case %(number)s") % facts,
            _(
                "Case %(number)s for %(dept)s (due %(deadline)s): %(note)s Done and reported "
                "by %(due)s, please."
            )
            % facts,
        )
    return Notice(
        _("Supervision 督办: case %(number)s") % facts,
        _("Case %(number)s for %(dept)s (due %(deadline)s): %(note)s") % facts,
    )


def send(
    *,
    department: Department,
    case: Case,
    notice: Notice,
    key: str,
    phones: list[str] | None = None,
) -> list[str]:
    """Queue the notice as SMS to the department; returns the phone numbers it was queued for.

    ``phones`` defaults to ``recipients_of(department)`` (the scanner passes its cached copy).
    No phone at all is logged as a warning: the Supervision row then shows no recipient, which
    is how an operator finds the missing contact.
    """
    if phones is None:
        phones = recipients_of(department)
        if not phones:
            logger.warning(
                "No phone for %s (%s): notice %s not sent", department, department.pk, key
            )
    if not phones:
        return []
    if not apps.is_installed("notify"):
        logger.error("notify app missing: notice %s for %s not queued", key, department)
        return []
    from notify import services as notify

    for phone in phones:
        notify.enqueue(
            kind=SMS,
            to=phone,
            subject=notice.subject,
            body=notice.body,
            case=case,
            dedupe_key=f"{key}:{phone}",
        )
    return phones
