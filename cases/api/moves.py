"""Writes on a case: every case-level move, and photo uploads (reports come in through intake:
``intake.channels.inspector.api`` mounts ``POST /cases`` on this router)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import File, Form, Status, UploadedFile

from areas.models import UnitGrid
from cases import api_selectors as sel
from cases import services
from cases.api.common import (
    CREATED,
    DETAIL,
    MAX_PHOTOS,
    NOTE_FORM,
    CaseNumber,
    case_detail,
    router,
    visible_case,
)
from cases.api_schemas import (
    CheckFailIn,
    DispatchIn,
    FileIn,
    NoteIn,
    ReasonIn,
    ReverifyIn,
    RowId,
    Text,
    VerifyIn,
)
from cases.models import Case, Task
from cases.states import (
    EvidenceKind,
)
from catalog.models import FilingStandard
from core.errors import ValidationFailed
from org.models import Department


def _case_move(request, case: Case, service, **kwargs) -> dict:
    service(case=case, actor=request.user, **kwargs)
    return case_detail(request, case)


@router.post(
    "/cases/{number}/verify",
    response=DETAIL,
    summary="Verify on site (核实)",
    description=(
        "The inspector's finding: `confirmed` 属实 (the case can then be filed), `false` 不属实 "
        "or `elsewhere` 不在本网格 (a note is required; the desk refuses the report or sends "
        "it to be verified again). Photos go through `POST /cases/{number}/photos` (before)."
    ),
)
def verify(request, number: CaseNumber, payload: VerifyIn):
    return _case_move(
        request,
        visible_case(request, number),
        services.case_verify,
        finding=payload.finding,
        note=payload.note,
    )


@router.post(
    "/cases/{number}/reverify",
    response=DETAIL,
    summary="Verify again (重新核实)",
    description=(
        "After a finding of 不属实 or 不在本网格: clears it so an inspector goes again, in the "
        "grid `grid` (code) when given."
    ),
)
def reverify(request, number: CaseNumber, payload: ReverifyIn):
    case = visible_case(request, number)
    grid = None
    if payload.grid:
        grid = UnitGrid.objects.filter(code=payload.grid, is_active=True).first()
        if grid is None:
            raise ValidationFailed(
                _("No active grid has the code %(code)r.") % {"code": payload.grid},
                details={"field": "grid"},
            )
    return _case_move(request, case, services.case_reverify, grid=grid, note=payload.note)


@router.post(
    "/cases/{number}/refuse",
    response=DETAIL,
    summary="Refuse the report (不予受理)",
    description="Before filing: not a city problem, or untrue. The reporter is told the reason.",
)
def refuse(request, number: CaseNumber, payload: ReasonIn):
    return _case_move(
        request, visible_case(request, number), services.case_refuse, reason=payload.reason
    )


@router.post(
    "/cases/{number}/file",
    response=DETAIL,
    summary="File the case (立案)",
    description="Against a filing standard (by code), which fixes category and time limit.",
)
def file_case(request, number: CaseNumber, payload: FileIn):
    case = visible_case(request, number)
    standard = FilingStandard.objects.filter(code=payload.standard).first()
    if standard is None:
        raise ValidationFailed(
            _("No filing standard has the code %(code)r.") % {"code": payload.standard},
            details={"field": "standard"},
        )
    return _case_move(
        request,
        case,
        services.case_file,
        standard=standard,
        priority=payload.priority,
        note=payload.note,
    )


@router.post(
    "/cases/{number}/void",
    response=DETAIL,
    summary="Void the case (作废)",
    description="Before dispatch only; not a problem, a duplicate, outside the remit.",
)
def void(request, number: CaseNumber, payload: ReasonIn):
    return _case_move(
        request, visible_case(request, number), services.case_void, reason=payload.reason
    )


def _departments(codes: list[str]) -> dict[str, Department]:
    found = {d.code: d for d in Department.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationFailed(
            _("Unknown department code(s): %(codes)s.") % {"codes": ", ".join(missing)},
            details={"field": "departments", "unknown": missing},
        )
    return found


@router.post(
    "/cases/{number}/dispatch",
    response=DETAIL,
    summary="Dispatch to departments (派遣)",
    description=(
        "One task per department, exactly those listed; several make a joint case (一件事) "
        "led by `lead`, which must be one of `departments` (default the first; a lead outside "
        "the list is refused, 422 `lead_not_chosen`). Every task gets the filing standard's "
        "limit for the grid's area class."
    ),
)
def dispatch(request, number: CaseNumber, payload: DispatchIn):
    case = visible_case(request, number)
    codes = list(payload.departments)
    if payload.lead and payload.lead not in codes:
        codes.insert(0, payload.lead)
    found = _departments(codes)
    return _case_move(
        request,
        case,
        services.case_dispatch,
        departments=[found[c] for c in payload.departments],
        lead=found[payload.lead] if payload.lead else None,
        note=payload.note,
    )


@router.post(
    "/cases/{number}/upgrade",
    response=DETAIL,
    summary="Emergency upgrade (平转急)",
    description="Priority urgent; open tasks are re-timed on the round-the-clock unit.",
)
def upgrade(request, number: CaseNumber, payload: ReasonIn):
    return _case_move(
        request, visible_case(request, number), services.case_upgrade, reason=payload.reason
    )


@router.post(
    "/cases/{number}/suspend",
    response=DETAIL,
    summary="Suspend (挂账)",
    description="The problem cannot be solved now; every open task's clock stops.",
)
def suspend(request, number: CaseNumber, payload: ReasonIn):
    return _case_move(
        request, visible_case(request, number), services.case_suspend, reason=payload.reason
    )


@router.post(
    "/cases/{number}/resume",
    response=DETAIL,
    summary="Resume a suspended case",
    description="Clocks restart; deadlines move by the paused working time.",
)
def resume(request, number: CaseNumber, payload: NoteIn):
    return _case_move(
        request, visible_case(request, number), services.case_resume, note=payload.note
    )


@router.post(
    "/cases/{number}/start-check",
    response=DETAIL,
    summary="Start the on-site check (核查)",
    description="Inspector takes a disposed case for checking.",
)
def start_check(request, number: CaseNumber, payload: NoteIn):
    return _case_move(
        request, visible_case(request, number), services.case_start_check, note=payload.note
    )


@router.post(
    "/cases/{number}/check-pass",
    response=DETAIL,
    summary="Check passed (核查通过)",
    description="The fix holds; the case waits for close. Upload check photos first.",
)
def check_pass(request, number: CaseNumber, payload: NoteIn):
    return _case_move(
        request, visible_case(request, number), services.case_check_pass, note=payload.note
    )


@router.post(
    "/cases/{number}/check-fail",
    response=DETAIL,
    summary="Check failed, rework (核查不通过返工)",
    description=(
        "The failed tasks (default: all disposed tasks of the round) go back to the same "
        "departments with a fresh limit; the case returns to dispatched."
    ),
)
def check_fail(request, number: CaseNumber, payload: CheckFailIn):
    case = visible_case(request, number)
    tasks = None
    if payload.tasks is not None:
        tasks = list(Task.objects.filter(case=case, pk__in=payload.tasks))
        unknown = sorted(set(payload.tasks) - {t.pk for t in tasks})
        if unknown:
            raise ValidationFailed(
                _("Task(s) %(ids)s are not tasks of case %(number)s.")
                % {"ids": ", ".join(map(str, unknown)), "number": case.number},
                details={"field": "tasks", "unknown": unknown},
            )
    services.case_check_fail(case=case, actor=request.user, reason=payload.reason, tasks=tasks)
    return case_detail(request, case)


@router.post(
    "/cases/{number}/close",
    response=DETAIL,
    summary="Close the case (结案)",
    description="Shift leader, after the check has passed.",
)
def close(request, number: CaseNumber, payload: NoteIn):
    return _case_move(
        request, visible_case(request, number), services.case_close, note=payload.note
    )


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
