"""A department's and the desk's moves on one task (接收, 回退, 延期, 处置, 协办改派, 回退确认)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases import api_selectors as sel
from cases import services
from cases.api.common import (
    DETAIL,
    TaskId,
    case_detail,
    router,
)
from cases.api_schemas import (
    ApproveIn,
    ExtensionIn,
    NoteIn,
    ReasonIn,
    RerouteShareIn,
)
from core.errors import ValidationFailed
from org.models import Department


def _task_move(request, task_id: int, service, **kwargs) -> dict:
    task = sel.get_task(user=request.user, task_id=task_id)
    service(task=task, actor=request.user, **kwargs)
    return case_detail(request, task.case)


@router.post(
    "/tasks/{task_id}/accept",
    response=DETAIL,
    summary="Accept a task (接收)",
    description="A disposer of the task's department takes it on and becomes its assignee.",
)
def accept(request, task_id: TaskId, payload: NoteIn):
    return _task_move(request, task_id, services.task_accept, note=payload.note)


@router.post(
    "/tasks/{task_id}/return",
    response=DETAIL,
    summary="Return a task (回退)",
    description=(
        "Not ours. The lead's return (主办): the case goes back to filed for re-dispatch to the "
        "fallback owner (兜底) and the other open tasks of a joint case are cancelled. A "
        "co-department's return (协办): only this task ends; the case stays dispatched and the "
        "share waits (`awaits_desk`) until the desk re-routes or settles it."
    ),
)
def return_task(request, task_id: TaskId, payload: ReasonIn):
    return _task_move(request, task_id, services.task_return, reason=payload.reason)


@router.post(
    "/tasks/{task_id}/extension",
    response=DETAIL,
    summary="Ask for more time (延期申请)",
    description="`amount` in the task's time unit, with a reason; decided by the desk.",
)
def request_extension(request, task_id: TaskId, payload: ExtensionIn):
    return _task_move(
        request,
        task_id,
        services.task_request_extension,
        amount=payload.amount,
        reason=payload.reason,
    )


@router.post(
    "/tasks/{task_id}/extension/approve",
    response=DETAIL,
    summary="Approve an extension (延期批准)",
    description="The deadline moves by `amount` (default: as requested).",
)
def approve_extension(request, task_id: TaskId, payload: ApproveIn):
    return _task_move(
        request,
        task_id,
        services.task_approve_extension,
        amount=payload.amount,
        note=payload.note,
    )


@router.post(
    "/tasks/{task_id}/extension/reject",
    response=DETAIL,
    summary="Reject an extension (延期驳回)",
    description="The deadline stays; reason required.",
)
def reject_extension(request, task_id: TaskId, payload: ReasonIn):
    return _task_move(request, task_id, services.task_reject_extension, reason=payload.reason)


@router.post(
    "/tasks/{task_id}/dispose",
    response=DETAIL,
    summary="Report the work done (处置)",
    description=(
        "Needs at least one after-photo of this task, uploaded before with "
        "`POST /cases/{number}/evidence` (kind `after`, `task`); 422 `after_photo_required` "
        "otherwise. The last open task disposed makes the case disposed."
    ),
)
def dispose(request, task_id: TaskId, payload: NoteIn):
    return _task_move(request, task_id, services.task_dispose, note=payload.note)


@router.post(
    "/tasks/{task_id}/reroute",
    response=DETAIL,
    summary="Re-route a returned share (协办改派)",
    description=(
        "The desk sends a co-department's returned share to another `department` (code): a new "
        "co-task of the same round with a fresh clock. 422 when that department already works "
        "on the case or returned it; 409 when the share was answered already."
    ),
)
def reroute_share(request, task_id: TaskId, payload: RerouteShareIn):
    department = Department.objects.filter(code=payload.department).first()
    if department is None:
        raise ValidationFailed(
            _("Unknown department code(s): %(codes)s.") % {"codes": payload.department},
            details={"field": "department"},
        )
    return _task_move(
        request, task_id, services.task_reroute_share, department=department, note=payload.note
    )


@router.post(
    "/tasks/{task_id}/settle",
    response=DETAIL,
    summary="Settle a returned share (回退确认)",
    description=(
        "The desk accepts a co-department's return without re-routing it; `reason` says why the "
        "other departments cover it. When every other task is disposed the case is disposed."
    ),
)
def settle_share(request, task_id: TaskId, payload: ReasonIn):
    return _task_move(request, task_id, services.task_settle_share, reason=payload.reason)
