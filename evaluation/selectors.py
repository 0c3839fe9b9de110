"""Reading the facts: counted facts per department for a period, and the cases behind a number.

``department_counts`` answers every COUNTS key of evaluation.definitions for each department in
one aggregate query over TaskFact; ``facts_behind`` is the same filter for one count, so a
number and the list it links to cannot differ.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from cases import permissions
from evaluation import definitions
from evaluation.models import Outcome, TaskFact
from org.models import Department, Role
from org.selectors import ALL, staff_profile, visible_area_paths


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start, end) of the local days ``first`` to ``last``, both included."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(first, time.min, tzinfo=tz)
    return start, datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)


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


RANKING_ROLES = frozenset(
    {Role.LEADER, Role.DISPATCHER, Role.SHIFT_LEADER, Role.ACCEPTOR, Role.ADMIN}
)


def scoped_facts(user):
    """The facts the user may count: their area scope; a department's staff, their department."""
    role = permissions.role_of(user)
    facts = TaskFact.objects.all()
    departments = Department.objects.all()
    if role in RANKING_ROLES:
        paths = visible_area_paths(user)
        if paths is not ALL:
            where = Q(pk__in=[])  # no area at all: nothing
            for path in paths:
                where |= Q(area__path__startswith=path)
            departments = departments.filter(where)
            facts = facts.filter(department__in=departments)
        return facts, departments
    profile = staff_profile(user)
    if profile is not None and profile.department_id:
        departments = departments.filter(pk=profile.department_id)
        return facts.filter(department_id=profile.department_id), departments
    return None, None


def department_ranking(
    facts: QuerySet[TaskFact],
    departments: QuerySet[Department],
    start: datetime,
    end: datetime,
    *,
    now: datetime | None = None,
    kind: str | None = None,
) -> list[dict]:
    """The department rows of a period, ranked by 按期处置率 then 处置率 (no rate: last), each
    ``{"rank", "department", "counts", "values"}``; ``kind`` narrows to 部件 or 事件 cases."""
    if kind:
        facts = facts.filter(category_kind=kind)
    counts = department_counts(facts, start, end, now=now)
    names = {d.pk: d for d in departments.filter(pk__in=counts)}
    rows = [
        {"department": names[pk], "counts": row, "values": definitions.values(row)}
        for pk, row in counts.items()
        if pk in names
    ]
    rows.sort(
        key=lambda r: (
            r["values"]["on_time_rate"] is None,
            -(r["values"]["on_time_rate"] or 0),
            -(r["values"]["disposal_rate"] or 0),
            r["department"].name,
        )
    )
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows
