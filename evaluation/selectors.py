"""Reading the facts: counted facts per department for a period, and the cases behind a number.

``department_counts`` answers every COUNTS key of evaluation.definitions for each department in
one aggregate query over TaskFact; ``facts_behind`` is the same filter for one count, so a
number and the list it links to cannot differ.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from evaluation.models import Outcome, TaskFact


def _within(field: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def count_filters(start: datetime, end: datetime, now: datetime | None = None) -> dict[str, Q]:
    """The filter of each counted fact (see evaluation.definitions for what each means)."""
    now = now or timezone.now()
    cutoff = min(end, now)  # a running period: overdue means overdue by now
    disposed = Q(outcome=Outcome.DISPOSED) & _within("settled_at", start, end)
    # Still open at the cutoff: not settled, or settled (disposed/returned/cancelled) after it.
    open_then = Q(settled_at__isnull=True) | Q(settled_at__gte=cutoff)
    overdue = Q(started_at__lt=cutoff, deadline_at__lt=cutoff) & open_then
    return {
        "disposed": disposed,
        "disposed_on_time": disposed & Q(on_time=True),
        "overdue_open": overdue,
        "due": disposed | overdue,
        "reworked": disposed & Q(reworks__gt=0),
        "extended": disposed & Q(extended=True),
        "dispatched": _within("started_at", start, end),
        "returned": Q(outcome=Outcome.RETURNED) & _within("settled_at", start, end),
    }


def department_counts(
    facts: QuerySet[TaskFact], start: datetime, end: datetime, *, now: datetime | None = None
) -> dict[int, dict[str, int]]:
    """department id -> {count key: number} for the period (departments with any fact)."""
    filters = count_filters(start, end, now)
    aggregates = {key: Count("pk", filter=q) for key, q in filters.items()}
    aggregates["work_seconds"] = Sum("work_seconds", filter=filters["disposed"])
    rows = facts.values("department_id").annotate(**aggregates).order_by("department_id")
    result = {}
    for row in rows:
        department = row.pop("department_id")
        row["work_seconds"] = row["work_seconds"] or 0
        if any(row.values()):
            result[department] = row
    return result


def facts_behind(
    facts: QuerySet[TaskFact],
    count: str,
    start: datetime,
    end: datetime,
    *,
    now: datetime | None = None,
) -> QuerySet[TaskFact]:
    """The facts one count is made of (a ranking cell's drill-down)."""
    key = "disposed" if count == "work_seconds" else count
    return facts.filter(count_filters(start, end, now)[key])
