"""Every write on a case: one service per move (DESIGN.md "The case", STYLE.md rule 1).

All services take keyword-only arguments and an explicit ``actor``, run in one transaction,
change the case by compare-and-swap on (status, version), write exactly one CaseEvent, and raise
``core.errors.DomainError`` subclasses: ``Conflict`` (the state refuses the move: ``illegal_move``
from the transition table, ``already_done``, ``needs_verification``, ``check_required``; or someone
else moved first: ``conflict``), ``PermissionDenied`` (role, scope, department),
``ValidationFailed`` (bad input), ``NotFound``. ``now`` defaults to the current time.
"""

from __future__ import annotations

from cases.services.checking import case_check_fail, case_check_pass, case_close, case_start_check
from cases.services.dispatching import (
    case_dispatch,
    case_resume,
    case_suspend,
    case_upgrade,
    task_approve_extension,
    task_reject_extension,
    task_reroute_share,
    task_settle_share,
)
from cases.services.notes import case_add_note
from cases.services.reporting import (
    case_file,
    case_refuse,
    case_reverify,
    case_verify,
    case_void,
    evidence_attach,
)
from cases.services.supervision import case_record_supervision
from cases.services.tasks import task_accept, task_dispose, task_request_extension, task_return

__all__ = [
    "case_add_note",
    "case_check_fail",
    "case_check_pass",
    "case_close",
    "case_dispatch",
    "case_file",
    "case_record_supervision",
    "case_refuse",
    "case_resume",
    "case_reverify",
    "case_start_check",
    "case_suspend",
    "case_upgrade",
    "case_verify",
    "case_void",
    "evidence_attach",
    "task_accept",
    "task_approve_extension",
    "task_dispose",
    "task_reject_extension",
    "task_request_extension",
    "task_reroute_share",
    "task_return",
    "task_settle_share",
]
