"""Writes on a case: every case and task move from one table (``CASE_MOVES``, ``TASK_MOVES``),
and photo uploads. Reports come in through intake (``intake.channels.inspector.api`` mounts
``POST /cases`` on this router).

A row names the move (a ``CaseAction``), its path, the body schema, the service and how the
body becomes the service's arguments; ``_register`` turns each row into one endpoint answering
with the updated case detail. The case page and the phones post the same moves to the same
services (``cases.views.moves``); which moves a caller may make now is ``cases.moves.allowed``
(the ``actions`` of the case JSON). ``test_move_table`` fails when a move of the move table has
no endpoint here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from ninja import File, Form, Schema, Status, UploadedFile

from areas.models import UnitGrid
from cases import api_selectors as sel
from cases import services
from cases.api.common import (
    CREATED,
    DETAIL,
    MAX_PHOTOS,
    NOTE_FORM,
    CaseNumber,
    TaskId,
    case_detail,
    router,
    visible_case,
)
from cases.api_schemas import (
    ApproveIn,
    CheckFailIn,
    DispatchIn,
    ExtensionIn,
    FileIn,
    NoteIn,
    ReasonIn,
    RerouteShareIn,
    ReverifyIn,
    RowId,
    Text,
    VerifyIn,
)
from cases.models import Case, Task
from cases.states import CaseAction, EvidenceKind
from catalog.models import FilingStandard
from core.errors import ValidationFailed
from org.models import Department

A = CaseAction


@dataclass(frozen=True)
class ApiMove:
    """One move as an endpoint: ``POST /cases/{number}/<path>`` or ``/tasks/{task_id}/<path>``."""

    action: str
    path: str
    name: str  # the endpoint function's name (and so its OpenAPI operation id)
    schema: type[Schema]
    service: Callable
    summary: str
    description: str
    # Body fields handed to the service as they are.
    fields: tuple[str, ...] = ()
    # Body fields that need a lookup first: (case or task, payload) -> more service arguments.
    prepare: Callable[[object, Schema], dict] | None = field(default=None)


def _standard(case: Case, payload: FileIn) -> dict:
    standard = FilingStandard.objects.filter(code=payload.standard).first()
    if standard is None:
        raise ValidationFailed(
            _("No filing standard has the code %(code)r.") % {"code": payload.standard},
            details={"field": "standard"},
        )
    return {"standard": standard}


def _grid(case: Case, payload: ReverifyIn) -> dict:
    if not payload.grid:
        return {"grid": None}
    grid = UnitGrid.objects.filter(code=payload.grid, is_active=True).first()
    if grid is None:
        raise ValidationFailed(
            _("No active grid has the code %(code)r.") % {"code": payload.grid},
            details={"field": "grid"},
        )
    return {"grid": grid}


def _departments(codes: list[str], *, field_name: str) -> dict[str, Department]:
    found = {d.code: d for d in Department.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationFailed(
            _("Unknown department code(s): %(codes)s.") % {"codes": ", ".join(missing)},
            details={"field": field_name, "unknown": missing},
        )
    return found


def _dispatch(case: Case, payload: DispatchIn) -> dict:
    codes = list(payload.departments)
    if payload.lead and payload.lead not in codes:
        codes.insert(0, payload.lead)  # a lead outside the list: the service refuses it
    found = _departments(codes, field_name="departments")
    return {
        "departments": [found[c] for c in payload.departments],
        "lead": found[payload.lead] if payload.lead else None,
    }


def _failed_tasks(case: Case, payload: CheckFailIn) -> dict:
    if payload.tasks is None:
        return {"tasks": None}
    tasks = list(Task.objects.filter(case=case, pk__in=payload.tasks))
    unknown = sorted(set(payload.tasks) - {t.pk for t in tasks})
    if unknown:
        raise ValidationFailed(
            _("Task(s) %(ids)s are not tasks of case %(number)s.")
            % {"ids": ", ".join(map(str, unknown)), "number": case.number},
            details={"field": "tasks", "unknown": unknown},
        )
    return {"tasks": tasks}


def _reroute_department(task: Task, payload: RerouteShareIn) -> dict:
    found = _departments([payload.department], field_name="department")
    return {"department": found[payload.department]}


M = ApiMove
CASE_MOVES: tuple[ApiMove, ...] = (
    M(A.VERIFY, "verify", "verify", VerifyIn, services.case_verify, "Verify on site (核实)",
      "The inspector's finding: `confirmed` 属实 (the case can then be filed), `false` 不属实 "
      "or `elsewhere` 不在本网格 (a note is required; the desk refuses the report or sends it "
      "to be verified again). Photos go through `POST /cases/{number}/evidence` (before).",
      fields=("finding", "note")),
    M(A.REVERIFY, "reverify", "reverify", ReverifyIn, services.case_reverify,
      "Verify again (重新核实)",
      "After a finding of 不属实 or 不在本网格: clears it so an inspector goes again, in the "
      "grid `grid` (code) when given.",
      fields=("note",), prepare=_grid),
    M(A.FILE, "file", "file_case", FileIn, services.case_file, "File the case (立案)",
      "Against a filing standard (by code), which fixes category and time limit.",
      fields=("priority", "note"), prepare=_standard),
    M(A.REFUSE, "refuse", "refuse", ReasonIn, services.case_refuse,
      "Refuse the report (不予受理)",
      "Before filing: not a city problem, or untrue. The reporter is told the reason.",
      fields=("reason",)),
    M(A.VOID, "void", "void", ReasonIn, services.case_void, "Void the case (作废)",
      "Before dispatch only; not a problem, a duplicate, outside the remit.", fields=("reason",)),
    M(A.DISPATCH, "dispatch", "dispatch", DispatchIn, services.case_dispatch,
      "Dispatch to departments (派遣)",
      "One task per department, exactly those listed; several make a joint case (一件事) led "
      "by `lead`, which must be one of `departments` (default the first; a lead outside the "
      "list is refused, 422 `lead_not_chosen`). Every task gets the filing standard's limit for "
      "the grid's area class.",
      fields=("note",), prepare=_dispatch),
    M(A.UPGRADE, "upgrade", "upgrade", ReasonIn, services.case_upgrade,
      "Emergency upgrade (平转急)",
      "Priority urgent; open tasks are re-timed on the round-the-clock unit.", fields=("reason",)),
    M(A.SUSPEND, "suspend", "suspend", ReasonIn, services.case_suspend, "Suspend (挂账)",
      "The problem cannot be solved now; every open task's clock stops.", fields=("reason",)),
    M(A.RESUME, "resume", "resume", NoteIn, services.case_resume, "Resume a suspended case",
      "Clocks restart; deadlines move by the paused working time.", fields=("note",)),
    M(A.START_CHECK, "start-check", "start_check", NoteIn, services.case_start_check,
      "Start the on-site check (核查)", "Inspector takes a disposed case for checking.",
      fields=("note",)),
    M(A.CHECK_PASS, "check-pass", "check_pass", NoteIn, services.case_check_pass,
      "Check passed (核查通过)",
      "The fix holds; the case waits for close. Upload check photos first.", fields=("note",)),
    M(A.CHECK_FAIL, "check-fail", "check_fail", CheckFailIn, services.case_check_fail,
      "Check failed, rework (核查不通过返工)",
      "The failed tasks (default: all disposed tasks of the round) go back to the same "
      "departments with a fresh limit; the case returns to dispatched.",
      fields=("reason",), prepare=_failed_tasks),
    M(A.CLOSE, "close", "close", NoteIn, services.case_close, "Close the case (结案)",
      "Shift leader, after the check has passed.", fields=("note",)),
)  # fmt: skip

TASK_MOVES: tuple[ApiMove, ...] = (
    M(A.ACCEPT, "accept", "accept", NoteIn, services.task_accept, "Accept a task (接收)",
      "A disposer of the task's department takes it on and becomes its assignee.",
      fields=("note",)),
    M(A.RETURN, "return", "return_task", ReasonIn, services.task_return, "Return a task (回退)",
      "Not ours. The lead's return (主办): the case goes back to filed for re-dispatch to the "
      "fallback owner (兜底) and the other open tasks of a joint case are cancelled. A "
      "co-department's return (协办): only this task ends; the case stays dispatched and the "
      "share waits (`awaits_desk`) until the desk re-routes or settles it.",
      fields=("reason",)),
    M(A.REQUEST_EXTENSION, "extension", "request_extension", ExtensionIn,
      services.task_request_extension, "Ask for more time (延期申请)",
      "`amount` in the task's time unit, with a reason; decided by the desk.",
      fields=("amount", "reason")),
    M(A.APPROVE_EXTENSION, "extension/approve", "approve_extension", ApproveIn,
      services.task_approve_extension, "Approve an extension (延期批准)",
      "The deadline moves by `amount` (default: as requested).", fields=("amount", "note")),
    M(A.REJECT_EXTENSION, "extension/reject", "reject_extension", ReasonIn,
      services.task_reject_extension, "Reject an extension (延期驳回)",
      "The deadline stays; reason required.", fields=("reason",)),
    M(A.DISPOSE, "dispose", "dispose", NoteIn, services.task_dispose,
      "Report the work done (处置)",
      "Needs at least one after-photo of this task, uploaded before with "
      "`POST /cases/{number}/evidence` (kind `after`, `task`); 422 `after_photo_required` "
      "otherwise. The last open task disposed makes the case disposed.", fields=("note",)),
    M(A.REROUTE_SHARE, "reroute", "reroute_share", RerouteShareIn, services.task_reroute_share,
      "Re-route a returned share (协办改派)",
      "The desk sends a co-department's returned share to another `department` (code): a new "
      "co-task of the same round with a fresh clock. 422 when that department already works on "
      "the case or returned it; 409 when the share was answered already.",
      fields=("note",), prepare=_reroute_department),
    M(A.SETTLE_SHARE, "settle", "settle_share", ReasonIn, services.task_settle_share,
      "Settle a returned share (回退确认)",
      "The desk accepts a co-department's return without re-routing it; `reason` says why the "
      "other departments cover it. When every other task is disposed the case is disposed.",
      fields=("reason",)),
)  # fmt: skip


def _arguments(move: ApiMove, target, payload: Schema) -> dict:
    kwargs = {name: getattr(payload, name) for name in move.fields}
    if move.prepare is not None:
        kwargs.update(move.prepare(target, payload))
    return kwargs


def _case_endpoint(move: ApiMove) -> Callable:
    def endpoint(request, number, payload):
        case = visible_case(request, number)  # 404 before the body is looked at
        move.service(case=case, actor=request.user, **_arguments(move, case, payload))
        return case_detail(request, case)

    endpoint.__annotations__ = {"number": CaseNumber, "payload": move.schema}
    return endpoint


def _task_endpoint(move: ApiMove) -> Callable:
    def endpoint(request, task_id, payload):
        task = sel.get_task(user=request.user, task_id=task_id)
        move.service(task=task, actor=request.user, **_arguments(move, task, payload))
        return case_detail(request, task.case)

    endpoint.__annotations__ = {"task_id": TaskId, "payload": move.schema}
    return endpoint


def _register(moves: tuple[ApiMove, ...], prefix: str, make: Callable) -> None:
    for move in moves:
        endpoint = make(move)
        endpoint.__name__ = endpoint.__qualname__ = move.name
        router.post(
            f"{prefix}/{move.path}",
            response=DETAIL,
            summary=move.summary,
            description=move.description,
        )(endpoint)


_register(CASE_MOVES, "/cases/{number}", _case_endpoint)
_register(TASK_MOVES, "/tasks/{task_id}", _task_endpoint)


def endpoints() -> dict[str, str]:
    """CaseAction -> its API path (for the docs and the move-table test)."""
    return {
        **{m.action: f"/cases/{{number}}/{m.path}" for m in CASE_MOVES},
        **{m.action: f"/tasks/{{task_id}}/{m.path}" for m in TASK_MOVES},
    }


@router.post(
    "/cases/{number}/evidence",
    response=CREATED,
    summary="Upload photos (multipart)",
    description=(
        f"Form fields `kind` (before, after, check), `task` (required for after-photos: the "
        f"task being disposed), `note`, and 1 to {MAX_PHOTOS} files in `photos` (JPEG, PNG or "
        "WebP; EXIF, GPS included, is stripped). Upload after-photos before `dispose` and "
        "check photos before `check-pass`/`check-fail`."
    ),
)
def upload_evidence(
    request,
    number: CaseNumber,
    photos: File[list[UploadedFile]],
    kind: Form[EvidenceKind],
    task: Form[RowId | None] = None,
    note: Text = NOTE_FORM,
):
    case = visible_case(request, number)
    if len(photos) > MAX_PHOTOS:
        raise ValidationFailed(
            _("Upload at most %(n)d photos at once.") % {"n": MAX_PHOTOS},
            details={"field": "photos"},
        )
    target = None
    if task is not None:
        if not Task.objects.filter(case=case, pk=task).exists():
            raise ValidationFailed(
                _("Task %(id)s is not a task of case %(number)s.")
                % {"id": task, "number": case.number},
                details={"field": "task"},
            )
        # Another department's task on a joint case: as unseen as on /tasks/{id}.
        target = sel.get_task(user=request.user, task_id=task)
    elif kind == EvidenceKind.AFTER:
        raise ValidationFailed(
            _("An after-photo (处置后) belongs to a task: give the id of the task in `task`."),
            details={"field": "task"},
        )
    services.evidence_attach(
        case=case, actor=request.user, photos=photos, kind=kind, task=target, note=note
    )
    return Status(201, case_detail(request, case))
