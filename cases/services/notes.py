"""A note on a case's trail (备注) that changes nothing else: no status, no version bump.

Intake writes one when a duplicate report is attached or cases are merged/split. The version is
left alone on purpose: a citizen's duplicate arriving must not make a dispatcher's concurrent
move fail with a conflict.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from cases import permissions
from cases.models import Case, CaseEvent
from cases.services._base import check_transition, now_or, write_event
from cases.states import CaseAction
from core.errors import PermissionDenied, ValidationFailed

NOTE_MAX = 4000


@transaction.atomic
def case_add_note(
    *, case: Case, actor, note: str, data: dict | None = None, now: datetime | None = None
) -> CaseEvent:
    """Append a ``note`` event to an open case. ``actor=None`` is the system (a channel)."""
    now = now_or(now)
    text = (note or "").strip()
    if not text:
        raise ValidationFailed(_("The note is empty."), details={"field": "note"})
    if actor is not None and actor.is_authenticated:
        if permissions.role_of(actor) is None or not permissions.can_see(actor, case.area_path):
            raise PermissionDenied(
                _("Case %(number)s lies outside your area scope.") % {"number": case.number},
                code="out_of_scope",
            )
    check_transition(case, CaseAction.NOTE)
    return write_event(
        case=case,
        action=CaseAction.NOTE,
        actor=actor,
        at=now,
        from_status=case.status,
        note=text[:NOTE_MAX],
        data=data,
    )
