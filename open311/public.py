"""What the public may read about a case: its Open311 status and public status texts.

GeoReport v2 knows two statuses: ``closed`` for our final states (结案 closed, 作废 voided) and
``open`` for everything else. The status notes and the updates of the mySociety
``servicerequestupdates`` extension are written from the move itself (fixed texts naming the
departments), never from the free-text notes staff write on the trail: those are internal and
may name people. The one exception is the reason of a void (作废) or a refusal (不予受理): the reporter is owed the
reason why the report was not taken on.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases.states import FINAL_CASE_STATUSES, CaseAction

OPEN = "open"
CLOSED = "closed"

# Moves that change what the reporter would want to know, with the status of the mySociety
# extension (its lowercase GET vocabulary, open311-adapter Role/mySociety.pm).
UPDATE_STATUS: dict[str, str] = {
    CaseAction.FILE: "open",
    CaseAction.DISPATCH: "action_scheduled",
    CaseAction.ACCEPT: "in_progress",
    CaseAction.SUSPEND: "in_progress",
    CaseAction.RESUME: "in_progress",
    CaseAction.DISPOSE: "in_progress",  # not "fixed": the fix is not yet checked on site
    CaseAction.CHECK_FAIL: "in_progress",
    CaseAction.CLOSE: "fixed",
    CaseAction.VOID: "no_further_action",
    CaseAction.REFUSE: "no_further_action",
}
MERGED_STATUS = "duplicate"  # a void that merged the case into another one
# Status notes may also come from the report itself (nothing public has happened since).
NOTE_ACTIONS = frozenset({CaseAction.REPORT, *UPDATE_STATUS})


def status(case_status: str) -> str:
    return CLOSED if case_status in FINAL_CASE_STATUSES else OPEN


def text(*, action: str, reason: str = "", departments: list[str] = (), number: str = "") -> str:
    """The public sentence for one move (translated in the active language)."""
    names = "、".join(departments) if departments else _("the responsible department")
    if action == CaseAction.REPORT:
        return _("Received; the report will be checked and filed.")
    if action == CaseAction.FILE:
        return _("Accepted as case %(number)s; it will be sent to the responsible department.") % {
            "number": number
        }
    if action == CaseAction.DISPATCH:
        return _("Sent to %(departments)s.") % {"departments": names}
    if action == CaseAction.ACCEPT:
        return _("%(departments)s has taken on the work.") % {"departments": names}
    if action == CaseAction.SUSPEND:
        return _("On hold.")
    if action == CaseAction.RESUME:
        return _("Work resumed.")
    if action == CaseAction.DISPOSE:
        return _("%(departments)s reports the work done; an on-site check follows.") % {
            "departments": names
        }
    if action == CaseAction.CHECK_FAIL:
        return _("The on-site check found the problem not yet solved; sent back for more work.")
    if action == CaseAction.CLOSE:
        return _("Solved and checked on site; closed.")
    if action in (CaseAction.VOID, CaseAction.REFUSE):
        return _("Not taken on: %(reason)s") % {"reason": reason} if reason else _("Not taken on.")
    return ""
