"""The intake row of a case reported directly by staff (直接上报), past the intake channels.

Every case has one intake: the report that opened it (受理记录, ``duplicate_of`` empty). A case
reported through ``cases.services.case_report`` alone (the cases API ``POST /cases``, the demo,
a script) has none, so its reporter would have nothing that a tracking link (portal.tracking) or
a merge (intake.services.merging) can hold on to. ``own_report`` gives it that row the first
time one is needed, made from what the case itself says of its reporter.

Created on first need rather than when the case is reported: ``cases`` does not depend on
``intake``, and cases reported before this existed get their row the same way (no data
migration).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cases.models import Case
from intake.models import IntakeReport, MergeKind, MergeRecord, Outcome


def _opener(case: Case) -> IntakeReport | None:
    return (
        IntakeReport.objects.filter(case=case, duplicate_of__isnull=True)
        .order_by("received_at", "pk")
        .first()
    )


def own_report(*, case: Case, now: datetime | None = None) -> IntakeReport | None:
    """The report that opened ``case`` (受理记录), made now for a case reported directly.

    None for a case merged away (合并): its reports, the opener included, count toward the case
    it was merged into, and a second row here would report the same problem twice.
    """
    with transaction.atomic():
        # Locked so that two first needs at once (a filing SMS and a look-up) make one row.
        locked = Case.objects.select_for_update().get(pk=case.pk)
        opener = _opener(locked)
        if opener is not None:
            return opener
        if MergeRecord.objects.filter(kind=MergeKind.MERGE, case=locked).exists():
            return None
        return IntakeReport.objects.create(
            source=locked.source,
            outcome=Outcome.CREATED,
            case=locked,
            description=locked.description,
            category_id=locked.category_id,
            priority=locked.priority,
            trusted=locked.trusted,
            lon=locked.lon,
            lat=locked.lat,
            grid_id=locked.grid_id,
            area_id=locked.area_id,
            address=locked.address,
            reporter_name=locked.reporter_name,
            reporter_phone=locked.reporter_phone,
            reporter_email=locked.reporter_email,
            payload={"from_case": locked.number},
            received_at=locked.reported_at or now or timezone.now(),
            received_by_id=locked.reported_by_id,
        )
