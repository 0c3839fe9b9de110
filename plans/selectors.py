"""Who sees which work orders, and the operator evaluation (作业单位评价) counted over them.

An operator (作业单位: a maintenance unit, a street office's crews, a contracted 城市管家) is
evaluated per period on the orders it was given, by the day they started:

- ``due`` 应完成数: orders whose time is up or that are done (an open order not yet due counts in
  no denominator, as open cases do not in the case evaluation); cancelled orders never count;
- ``done`` 完成数 and ``on_time`` 按时完成数 (done at or before the order's end);
- ``missed`` 未完成数: missed, or open past the end (the scanner may not have marked it yet);
- ``inspected`` 抽查数 and ``passed`` 抽查合格数 (the centre's 抽查 of sampled done orders);
- rates: 完成率 = done / due, 按时完成率 = on_time / due, 抽查合格率 = passed / inspected.

Each count is a named filter (``WHICH``), so every number on the page opens the orders behind it.
Rework orders (返工) are counted like any order of their start day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import permissions
from org.models import Role
from org.selectors import scope, staff_profile
from plans.models import Inspection, OrderStatus, WorkOrder

# The centre's roles see (and inspect) the orders of their area scope; crews their department's.
CENTRE = frozenset({Role.LEADER, Role.SHIFT_LEADER, Role.DISPATCHER, Role.ADMIN})


def is_centre(user) -> bool:
    return user.is_superuser or permissions.role_of(user) in CENTRE


def orders_of(user) -> QuerySet[WorkOrder]:
    """The work orders ``user`` may see: their department's, or their area's for the centre."""
    if is_centre(user):
        return scope(WorkOrder.objects.all(), user, path_field="area_path")
    profile = staff_profile(user)
    if profile is None or profile.department_id is None:
        return WorkOrder.objects.none()
    return WorkOrder.objects.filter(department_id=profile.department_id)


def order_of(user, pk: int) -> WorkOrder | None:
    """One order ``user`` may see, with its plan, department and place; None otherwise."""
    return (
        orders_of(user)
        .select_related(
            "plan", "plan__category", "department", "item__grid", "item__component",
            "item__segment",
        )
        .filter(pk=pk)
        .first()
    )  # fmt: skip


def crew_of(user, order: WorkOrder) -> bool:
    """Whether ``user`` belongs to the department ``order`` is for (may complete it)."""
    profile = staff_profile(user)
    return profile is not None and profile.department_id == order.department_id


def _due_q(now: datetime) -> Q:
    return (Q(status=OrderStatus.OPEN) & Q(due_at__lte=now)) | Q(
        status__in=(OrderStatus.DONE, OrderStatus.MISSED)
    )


def which_q(which: str, now: datetime) -> Q | None:
    """The filter of one named count (None for an unknown name)."""
    filters = {
        "due": _due_q(now),
        "done": Q(status=OrderStatus.DONE),
        "on_time": Q(status=OrderStatus.DONE, done_at__lte=F("due_at")),
        "late": Q(status=OrderStatus.DONE, done_at__gt=F("due_at")),
        "missed": Q(status=OrderStatus.MISSED) | Q(status=OrderStatus.OPEN, due_at__lte=now),
        "open": Q(status=OrderStatus.OPEN, due_at__gt=now),
        "inspected": ~Q(inspection=""),
        "passed": Q(inspection=Inspection.PASSED),
        "failed": Q(inspection=Inspection.FAILED),
        "to_inspect": Q(status=OrderStatus.DONE, sampled=True, inspection=""),
        "rework": Q(rework_of__isnull=False),
    }
    return filters.get(which)


WHICH_LABELS = {
    "due": _("Due 应完成"),
    "done": _("Done 已完成"),
    "on_time": _("Done on time 按时完成"),
    "late": _("Done late 超时完成"),
    "missed": _("Missed 未完成"),
    "open": _("Open, not yet due 进行中"),
    "inspected": _("Inspected 已抽查"),
    "passed": _("Passed 抽查合格"),
    "failed": _("Failed 抽查不合格"),
    "to_inspect": _("To inspect 待抽查"),
    "rework": _("Rework 返工"),
}
COUNTED = ("due", "done", "on_time", "missed", "inspected", "passed", "failed", "to_inspect")


def in_period(orders: QuerySet[WorkOrder], since: date, until: date) -> QuerySet[WorkOrder]:
    """Orders starting on a day from ``since`` to ``until`` (both included, local days)."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(since, time.min, tzinfo=tz)
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=tz)
    return orders.filter(starts_at__gte=start, starts_at__lt=end).exclude(
        status=OrderStatus.CANCELLED
    )


@dataclass
class OperatorRow:
    """One operator's counts and rates for the period."""

    department_id: int
    code: str
    name: str
    counts: dict
    rank: int = 0

    def rate(self, part: str, whole: str) -> float | None:
        return 100.0 * self.counts[part] / self.counts[whole] if self.counts[whole] else None

    @property
    def completion_rate(self) -> float | None:  # 完成率
        return self.rate("done", "due")

    @property
    def on_time_rate(self) -> float | None:  # 按时完成率
        return self.rate("on_time", "due")

    @property
    def pass_rate(self) -> float | None:  # 抽查合格率
        return self.rate("passed", "inspected")


def operator_rows(orders: QuerySet[WorkOrder], now: datetime) -> list[OperatorRow]:
    """Every operator with orders in ``orders``, ranked by on-time rate, then completion rate
    (operators with nothing due yet last)."""
    aggregates = {name: Count("pk", filter=which_q(name, now)) for name in COUNTED}
    found = (
        orders.values("department_id", "department__code", "department__name")
        .annotate(**aggregates)
        .order_by()
    )
    rows = [
        OperatorRow(
            department_id=r["department_id"],
            code=r["department__code"],
            name=r["department__name"],
            counts={name: r[name] for name in COUNTED},
        )
        for r in found
    ]
    rows.sort(
        key=lambda r: (
            r.on_time_rate is None,
            -(r.on_time_rate or 0),
            -(r.completion_rate or 0),
            r.code,
        )
    )
    for n, row in enumerate(rows, start=1):
        row.rank = n
    return rows
