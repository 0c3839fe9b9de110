"""Manual merge (合并) and split (拆分) of cases, audited by MergeRecord rows and case notes.

A merge voids the merged case and moves its intake reports to the case kept; a split moves
chosen duplicate reports off a case into one new case. Both keep every reporter attached to a
case, so everyone is told when it closes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import permissions
from cases import services as case_services
from cases.models import Case
from cases.services.reporting import case_report
from cases.states import FINAL_CASE_STATUSES, CaseAction, CaseStatus
from core.errors import Conflict, PermissionDenied, ValidationFailed
from intake.models import IntakeReport, MergeKind, MergeRecord
from org.models import Role

# Merging voids the merged case, so it takes the roles that may void (值班长, 管理员); a split
# undoes a merge and takes the same.
MERGE_ROLES = permissions.MOVE_ROLES[CaseAction.VOID]
# Cases that can still be voided, hence merged away.
MERGEABLE_STATUSES = frozenset({CaseStatus.REPORTED, CaseStatus.VERIFYING, CaseStatus.FILED})
REASON_MAX = 2000


def _check_merge_role(actor, case: Case) -> None:
    role = permissions.role_of(actor)
    if role not in MERGE_ROLES:
        raise PermissionDenied(
            _("Merging and splitting cases needs one of the roles %(roles)s.")
            % {"roles": ", ".join(sorted(str(Role(r).label) for r in MERGE_ROLES))},
            code="role_required",
        )
    if not permissions.can_see(actor, case.area_path):
        raise PermissionDenied(
            _("Case %(number)s lies outside your area scope.") % {"number": case.number},
            code="out_of_scope",
        )


def _reason(reason: str) -> str:
    return (reason or "").strip()[:REASON_MAX]


@transaction.atomic
def case_merge(
    *, case: Case, into: Case, actor, reason: str = "", now: datetime | None = None
) -> MergeRecord:
    """Merge ``case`` into ``into`` (合并): its reports become duplicates of ``into`` and
    ``case`` is voided with the reason "merged into ...". Audited by a MergeRecord and notes."""
    now = now or timezone.now()
    _check_merge_role(actor, case)
    if not permissions.can_see(actor, into.area_path):
        raise PermissionDenied(
            _("Case %(number)s lies outside your area scope.") % {"number": into.number},
            code="out_of_scope",
        )
    if case.pk == into.pk:
        raise ValidationFailed(_("A case cannot be merged into itself."), details={"field": "into"})
    if into.status in FINAL_CASE_STATUSES:
        raise Conflict(
            _("Case %(number)s is %(status)s: merge into an open case.")
            % {"number": into.number, "status": CaseStatus(into.status).label},
            code="illegal_move",
        )
    if case.status not in MERGEABLE_STATUSES:
        raise Conflict(
            _(
                "Case %(number)s is %(status)s: only a case not yet dispatched can be merged "
                "(it is voided by the merge)."
            )
            % {"number": case.number, "status": CaseStatus(case.status).label},
            code="illegal_move",
        )
    reason = _reason(reason)
    reports = list(IntakeReport.objects.select_for_update().filter(case=case))
    ids = [r.pk for r in reports]
    IntakeReport.objects.filter(pk__in=ids).update(case=into, duplicate_of=into, updated_at=now)
    case_services.case_void(
        case=case,
        actor=actor,
        reason=_("Merged into %(number)s.") % {"number": into.number}
        + (f" {reason}" if reason else ""),
        now=now,
    )
    record = MergeRecord.objects.create(
        kind=MergeKind.MERGE, case=case, other=into, reports=ids, reason=reason, actor=actor, at=now
    )
    case_services.case_add_note(
        case=into,
        actor=actor,
        note=_("Case %(number)s merged into this case (%(n)d reports).")
        % {"number": case.number, "n": len(ids)}
        + (f" {reason}" if reason else ""),
        data={"merge": record.pk, "from": case.number, "reports": ids},
        now=now,
    )
    return record


def _report_ids(reports: Sequence) -> list[int]:
    ids: list[int] = []
    for item in reports:
        pk = item.pk if isinstance(item, IntakeReport) else item
        try:
            pk = int(pk)
        except (TypeError, ValueError) as exc:
            raise ValidationFailed(
                _("%(v)r is not an intake report id.") % {"v": item}, details={"field": "reports"}
            ) from exc
        if pk not in ids:
            ids.append(pk)
    if not ids:
        raise ValidationFailed(_("Choose the reports to split off."), details={"field": "reports"})
    return ids


@transaction.atomic
def case_split(
    *, case: Case, reports: Sequence, actor, reason: str = "", now: datetime | None = None
) -> tuple[Case, MergeRecord]:
    """Split duplicate ``reports`` off ``case`` into one new case (拆分).

    The earliest of them opens the new case (through ``case_report``, so it starts at the
    beginning of the flow); the others become its duplicates. The report that opened ``case``
    stays with it.
    """
    now = now or timezone.now()
    _check_merge_role(actor, case)
    if case.status in FINAL_CASE_STATUSES:
        raise Conflict(
            _("Case %(number)s is %(status)s: a finished case is not split.")
            % {"number": case.number, "status": CaseStatus(case.status).label},
            code="illegal_move",
        )
    ids = _report_ids(reports)
    rows = {
        r.pk: r
        for r in IntakeReport.objects.select_for_update(of=("self",))
        .select_related("grid", "area", "category")
        .filter(pk__in=ids, case=case)
    }
    missing = [pk for pk in ids if pk not in rows]
    if missing:
        raise ValidationFailed(
            _("Reports %(ids)s are not reports of case %(number)s.")
            % {"ids": ", ".join(map(str, missing)), "number": case.number},
            details={"field": "reports", "missing": missing},
        )
    primaries = [pk for pk in ids if rows[pk].duplicate_of_id is None]
    if primaries:
        raise ValidationFailed(
            _("Report %(id)s opened case %(number)s and stays with it; split off its duplicates.")
            % {"id": primaries[0], "number": case.number},
            details={"field": "reports"},
        )
    reason = _reason(reason)
    chosen = sorted(rows.values(), key=lambda r: (r.received_at, r.pk))
    first = chosen[0]
    grid, area = first.grid, first.area
    if grid is None and area is None:
        grid, area = case.grid, case.area
    new_case = case_report(
        actor=actor,
        source=first.source,
        description=first.description or case.description,
        grid=grid,
        area=area if grid is None else None,
        lon=first.lon,
        lat=first.lat,
        address=first.address,
        category=first.category or case.category,
        priority=first.priority,
        trusted=first.trusted,
        source_ref=first.external_id,
        reporter_name=first.reporter_name,
        reporter_phone=first.reporter_phone,
        reporter_email=first.reporter_email,
        now=now,
    )
    IntakeReport.objects.filter(pk=first.pk).update(
        case=new_case, duplicate_of=None, updated_at=now
    )
    rest = [r.pk for r in chosen[1:]]
    if rest:
        IntakeReport.objects.filter(pk__in=rest).update(
            case=new_case, duplicate_of=new_case, updated_at=now
        )
    moved = [r.pk for r in chosen]
    record = MergeRecord.objects.create(
        kind=MergeKind.SPLIT,
        case=case,
        other=new_case,
        reports=moved,
        reason=reason,
        actor=actor,
        at=now,
    )
    suffix = f" {reason}" if reason else ""
    case_services.case_add_note(
        case=case,
        actor=actor,
        note=_("%(n)d reports split off into new case %(number)s.")
        % {"n": len(moved), "number": new_case.number}
        + suffix,
        data={"split": record.pk, "to": new_case.number, "reports": moved},
        now=now,
    )
    case_services.case_add_note(
        case=new_case,
        actor=actor,
        note=_("Split off case %(number)s (%(n)d reports).")
        % {"number": case.number, "n": len(moved)}
        + suffix,
        data={"split": record.pk, "from": case.number, "reports": moved},
        now=now,
    )
    return new_case, record
