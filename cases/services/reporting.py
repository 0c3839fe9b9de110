"""Moves before dispatch: report 上报 (intake's alone), verify 核实 (and 重新核实), file 立案,
void 作废, refuse 不予受理, and attaching photos."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from areas.models import AdminArea, UnitGrid
from cases import permissions
from cases.evidence import store_evidence
from cases.limits import DESCRIPTION_MAX
from cases.models import Case, Evidence, Task
from cases.numbering import next_case_number
from cases.services._base import (
    cas_case,
    check_transition,
    now_or,
    require_reason,
    write_event,
)
from cases.states import (
    TRANSITIONS,
    TRUSTED_BY_DEFAULT,
    CaseAction,
    CaseStatus,
    EvidenceKind,
    Priority,
    SourceChannel,
    VerifyFinding,
)
from catalog.models import Category, FilingStandard
from core import rows as _rows
from core.errors import Conflict, PermissionDenied, ValidationFailed


@transaction.atomic
def case_report(
    *,
    actor,
    source: SourceChannel | str,
    description: str,
    grid: UnitGrid | None = None,
    area: AdminArea | None = None,
    lon: float | None = None,
    lat: float | None = None,
    address: str = "",
    category: Category | None = None,
    priority: Priority | str = Priority.NORMAL,
    trusted: bool | None = None,
    source_ref: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_email: str = "",
    photos: Iterable = (),
    brief: dict | None = None,
    component=None,
    now: datetime | None = None,
) -> Case:
    """Create a case (上报). Trusted sources wait for 立案, others for an inspector's 核实.

    Called by intake alone (``intake.services.receive_report`` and a split 拆分): the one door
    checks the input, the reporter's scope and duplicates, and records the report; this keeps
    the case's own invariants (known source and priority, a description, an owner grid or area,
    a number, the first event). ``trusted=None`` uses the source's default (TRUSTED_BY_DEFAULT).
    ``actor`` is the staff member or the channel's service user; ``None`` for an anonymous
    public report. ``grid`` (or, without a location, ``area``) says whose territory it is.
    ``brief``: what the source adds, kept on the report event (a leader order's 交办人 and its
    time limit 交办时限: ``{"origin", "link", "due_at"}``).
    """
    now = now_or(now)
    if source not in SourceChannel.values:
        raise ValidationFailed(
            _("Unknown source channel %(source)r.") % {"source": source},
            details={"field": "source"},
        )
    if priority not in Priority.values:
        raise ValidationFailed(
            _("Unknown priority %(p)r.") % {"p": priority}, details={"field": "priority"}
        )
    description = (description or "").strip()
    if not description:
        raise ValidationFailed(
            _("Describe the problem: the description is empty."),
            details={"field": "description"},
        )
    if grid is None and area is None:
        raise ValidationFailed(
            _("A case needs a grid (or an area when there is no location) so someone owns it."),
            details={"field": "grid"},
        )
    area_path = grid.path if grid is not None else area.path
    if trusted is None:
        trusted = source in TRUSTED_BY_DEFAULT
    photos = list(photos)
    # Allocate the number last: its sequence row stays locked until this transaction ends.
    case = Case(
        number=next_case_number(now),
        source=source,
        source_ref=source_ref[:100],
        trusted=trusted,
        status=CaseStatus.REPORTED if trusted else CaseStatus.VERIFYING,
        priority=priority,
        category=category,
        description=description[:DESCRIPTION_MAX],
        lon=lon,
        lat=lat,
        grid=grid,
        area=area if grid is None else None,
        area_path=area_path,
        area_class=grid.area_class if grid is not None else "",
        address=address[:200],
        reporter_name=reporter_name[:60],
        reporter_phone=reporter_phone[:30],
        reporter_email=reporter_email,
        reported_by=actor if actor is not None and actor.is_authenticated else None,
        reported_at=now,
        component=component,
    )
    _rows.insert(case)
    stored = [
        store_evidence(case=case, kind=EvidenceKind.BEFORE, upload=p, actor=actor, at=now)
        for p in photos
    ]
    write_event(
        case=case,
        action=CaseAction.REPORT,
        actor=actor,
        at=now,
        from_status="",
        data={
            "source": str(source),
            "trusted": trusted,
            "photos": [e.pk for e in stored],
            **({"brief": brief} if brief else {}),
        },
    )
    return case


@transaction.atomic
def case_verify(
    *,
    case: Case,
    actor,
    finding: VerifyFinding | str = VerifyFinding.CONFIRMED,
    note: str = "",
    photos: Iterable = (),
    now: datetime | None = None,
) -> Case:
    """An inspector reports what was found on site (核实), with photos.

    属实 (``confirmed``) stamps ``verified_at``: the case can be filed; the photos show the
    problem as found (处置前). 不属实 (``false``) and 不在本网格 (``elsewhere``) need a reason and
    go back to the desk, which refuses the report (``case_refuse``, 不予受理) or sends it to be
    verified again (``case_reverify``, in the right grid). The case stays ``verifying``.
    """
    now = now_or(now)
    permissions.check_move(actor, CaseAction.VERIFY, case)
    to = check_transition(case, CaseAction.VERIFY)
    if finding not in VerifyFinding.values:
        raise ValidationFailed(
            _("Unknown verification finding %(f)r.") % {"f": finding}, details={"field": "finding"}
        )
    if case.verified_at is not None or case.verify_finding:
        raise Conflict(
            _("Case %(number)s is already verified.") % {"number": case.number},
            code="already_done",
        )
    fields = {"verify_finding": str(finding)}
    if finding == VerifyFinding.CONFIRMED:
        fields["verified_at"] = now
    else:
        note = require_reason(note, CaseAction.VERIFY)
    stored = [
        store_evidence(case=case, kind=EvidenceKind.BEFORE, upload=p, actor=actor, at=now)
        for p in photos
    ]
    from_status = cas_case(case, to_status=to, now=now, **fields)
    write_event(
        case=case,
        action=CaseAction.VERIFY,
        actor=actor,
        at=now,
        from_status=from_status,
        note=note,
        data={"finding": str(finding), "photos": [e.pk for e in stored]},
    )
    return case


@transaction.atomic
def case_reverify(
    *, case: Case, actor, grid: UnitGrid | None = None, note: str = "", now: datetime | None = None
) -> Case:
    """The desk sends a case back for verification (重新核实) after a finding of 不属实 or
    不在本网格, moved to ``grid`` when given (the inspector of that grid then sees it)."""
    now = now_or(now)
    permissions.check_move(actor, CaseAction.REVERIFY, case)
    to = check_transition(case, CaseAction.REVERIFY)
    if case.verify_finding not in (VerifyFinding.FALSE, VerifyFinding.ELSEWHERE):
        raise Conflict(
            _("Case %(number)s has no finding to verify again.") % {"number": case.number},
            code="nothing_to_redo",
        )
    fields: dict = {"verify_finding": ""}
    data: dict = {"finding": case.verify_finding}
    if grid is not None and grid.pk != case.grid_id:
        if not permissions.can_see(actor, grid.path):
            raise PermissionDenied(
                _("Grid %(code)s lies outside your area scope.") % {"code": grid.code},
                code="out_of_scope",
            )
        fields.update(
            grid_id=grid.pk, area_id=None, area_path=grid.path, area_class=grid.area_class
        )
        data.update(from_grid=case.grid.code if case.grid_id else "", to_grid=grid.code)
    from_status = cas_case(case, to_status=to, now=now, **fields)
    if "grid_id" in fields:
        case.grid = grid
    write_event(
        case=case,
        action=CaseAction.REVERIFY,
        actor=actor,
        at=now,
        from_status=from_status,
        note=note,
        data=data,
    )
    return case


@transaction.atomic
def case_file(
    *,
    case: Case,
    actor,
    standard: FilingStandard,
    priority: Priority | str | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Case:
    """File the case (立案) against a filing standard, which fixes category and time limit."""
    now = now_or(now)
    permissions.check_move(actor, CaseAction.FILE, case)
    to = check_transition(case, CaseAction.FILE)
    if standard is None:
        raise ValidationFailed(
            _("Pick the filing standard (立案条件) the case meets."), details={"field": "standard"}
        )
    if not standard.is_active:
        raise ValidationFailed(
            _("Filing standard %(code)s is no longer in use; pick a current one.")
            % {"code": standard.code},
            details={"field": "standard"},
        )
    if case.status == CaseStatus.VERIFYING and case.verified_at is None:
        raise Conflict(
            _("Case %(number)s is waiting for on-site verification (核实) before it can be filed.")
            % {"number": case.number},
            code="needs_verification",
        )
    if priority is not None and priority not in Priority.values:
        raise ValidationFailed(_("Unknown priority %(p)r.") % {"p": priority})
    fields = {"standard_id": standard.pk, "category_id": standard.category_id, "filed_at": now}
    if priority is not None:
        fields["priority"] = priority
    from_status = cas_case(case, to_status=to, now=now, **fields)
    case.standard = standard
    write_event(
        case=case,
        action=CaseAction.FILE,
        actor=actor,
        at=now,
        from_status=from_status,
        note=note,
        data={"standard": standard.code, "priority": case.priority},
    )
    return case


def _end_before_dispatch(*, case: Case, actor, action: str, reason: str, now) -> Case:
    """作废 and 不予受理: a case that never reached a department ends, with its reason."""
    now = now_or(now)
    permissions.check_move(actor, action, case)
    to = check_transition(case, action)
    reason = require_reason(reason, action)
    from_status = cas_case(case, to_status=to, now=now)
    write_event(
        case=case, action=action, actor=actor, at=now, from_status=from_status, reason=reason
    )
    return case


@transaction.atomic
def case_void(*, case: Case, actor, reason: str, now: datetime | None = None) -> Case:
    """Void the case (作废): not a problem, a duplicate, outside the remit. Reason required."""
    return _end_before_dispatch(
        case=case, actor=actor, action=CaseAction.VOID, reason=reason, now=now
    )


@transaction.atomic
def case_refuse(*, case: Case, actor, reason: str, now: datetime | None = None) -> Case:
    """Refuse the report (不予受理): not a city problem, or found untrue on site. Reason required;
    the reporter is told why (notify subscribes to this move; the public status shows it)."""
    return _end_before_dispatch(
        case=case, actor=actor, action=CaseAction.REFUSE, reason=reason, now=now
    )


@transaction.atomic
def evidence_attach(
    *,
    case: Case,
    actor,
    photos: Iterable,
    kind: EvidenceKind | str,
    task: Task | None = None,
    note: str = "",
    now: datetime | None = None,
) -> list[Evidence]:
    """Add photos to an open case (e.g. after-photos before disposing), with one event."""
    now = now_or(now)
    if kind not in EvidenceKind.values:
        raise ValidationFailed(_("Unknown photo kind %(k)r.") % {"k": kind})
    if task is not None:
        if task.case_id != case.pk:
            raise ValidationFailed(_("That task belongs to another case."))
        permissions.check_task_move(actor, CaseAction.DISPOSE, task, case)
    elif not permissions.can_see(actor, case.area_path) or permissions.role_of(actor) is None:
        raise PermissionDenied(
            _("Case %(number)s lies outside your area scope.") % {"number": case.number},
            code="out_of_scope",
        )
    check_transition(case, CaseAction.ATTACH)
    photos = list(photos)
    if not photos:
        raise ValidationFailed(_("Choose at least one photo."), details={"field": "photos"})
    stored = [
        store_evidence(case=case, task=task, kind=kind, upload=p, actor=actor, at=now)
        for p in photos
    ]
    from_status = cas_case(case, to_status=TRANSITIONS[CaseAction.ATTACH].to, now=now)
    write_event(
        case=case,
        action=CaseAction.ATTACH,
        actor=actor,
        at=now,
        from_status=from_status,
        task=task,
        note=note,
        data={"kind": str(kind), "evidence": [e.pk for e in stored]},
    )
    return stored
