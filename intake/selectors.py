"""Reads of the intake records: a case's reports, reporters to tell, counts by source."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet

from cases.models import Case
from cases.states import FINAL_CASE_STATUSES, SourceChannel
from intake.models import IntakeReport
from org.selectors import scope


def case_reports(case: Case) -> QuerySet[IntakeReport]:
    """The reports that count toward ``case``, oldest first (the one that opened it first)."""
    return IntakeReport.objects.filter(case=case).order_by("received_at", "pk")


def reporter_contacts(case: Case) -> list[tuple[str, str]]:
    """(phone, email) of every report on ``case`` that left a contact, oldest first."""
    return list(
        case_reports(case)
        .exclude(reporter_phone="", reporter_email="")
        .values_list("reporter_phone", "reporter_email")
    )


def counts_by_source(
    user, *, since: datetime | None = None, until: datetime | None = None
) -> list[dict]:
    """Cases per source channel in the user's area scope: total and still open, every channel
    listed (zeros included) in the channel order of ``SourceChannel``."""
    qs = scope(Case.objects.all(), user, path_field="area_path")
    if since is not None:
        qs = qs.filter(reported_at__gte=since)
    if until is not None:
        qs = qs.filter(reported_at__lt=until)
    rows = {
        row["source"]: row
        for row in qs.values("source").annotate(
            total=Count("id"), open=Count("id", filter=~Q(status__in=FINAL_CASE_STATUSES))
        )
    }
    return [
        {
            "source": value,
            "label": str(label),
            "total": rows.get(value, {}).get("total", 0),
            "open": rows.get(value, {}).get("open", 0),
        }
        for value, label in SourceChannel.choices
    ]
