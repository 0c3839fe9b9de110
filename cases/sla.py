"""The one place cases talk to the working-time calendar: deadlines and traffic lights.

Clock of a task: a limit in 工作时 or 工作日 runs inside working windows, a limit in 紧急工作时 or
自然日 runs round the clock (standards.md §3.4). Paused time (挂账) and the light are measured on
that clock: working hours for 工作时/工作日, continuous hours for 紧急工作时/自然日.

Chosen pause rule: resume pushes the stored ``deadline_at`` by the paused working time *and* adds
it to ``paused_seconds``; the light is (elapsed - paused) / (deadline - start - paused), so the
stored deadline stays scannable and the light ignores the pause.

Light bands (Unicom ``Statistics``, standards.md §3.3): green below 80 % of the allowed time,
yellow from 80 % to 100 %, red above 100 %.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.states import URGENT_UNIT, Priority, TaskStatus
from core import workcalendar
from core.models import TimeUnit

YELLOW_FROM = Decimal("0.8")
RED_ABOVE = Decimal("1.0")
SECONDS_PER_HOUR = Decimal(3600)

# The clock each limit unit runs on, for measuring and pushing by seconds.
CLOCK_UNIT: dict[str, str] = {
    TimeUnit.URGENT_HOUR: TimeUnit.URGENT_HOUR,
    TimeUnit.NATURAL_DAY: TimeUnit.URGENT_HOUR,
    TimeUnit.WORK_HOUR: TimeUnit.WORK_HOUR,
    TimeUnit.WORK_DAY: TimeUnit.WORK_HOUR,
}


class Light(models.TextChoices):
    GREEN = "green", _("Green 绿灯")
    YELLOW = "yellow", _("Yellow 黄灯")
    RED = "red", _("Red 红灯")


def limit_for(standard, area_class: str | None, *, urgent: bool = False) -> tuple[Decimal, str]:
    """(amount, unit) of a filing standard's time limit in an area class; urgent -> 紧急 unit."""
    amount = Decimal(standard.limit_for(area_class or None))
    unit = str(standard.time_unit)
    return amount, (URGENT_UNIT[unit] if urgent else unit)


def case_limit(case) -> tuple[Decimal, str] | None:
    """The time limit (处置时限) that applies to ``case`` now: its filing standard's limit in
    the case's area class, on the urgent clock once 紧急. A dispatch starts every task with
    exactly this, so the case page, the API and the tasks agree; a task's approved extensions
    are its own. None before filing (no standard)."""
    if case.standard_id is None:
        return None
    return limit_for(case.standard, case.area_class, urgent=case.priority == Priority.URGENT)


def deadline_for(
    standard, area_class: str | None, start: datetime, urgent: bool = False
) -> datetime:
    """When a task started at ``start`` under ``standard`` is due."""
    amount, unit = limit_for(standard, area_class, urgent=urgent)
    return workcalendar.add_working_time(start, amount, unit, area_class or None)


def working_seconds(start: datetime, end: datetime, unit: str, area_class: str | None) -> int:
    """Seconds of ``unit``'s clock between two instants (0 if end <= start)."""
    if end <= start:
        return 0
    delta = workcalendar.elapsed_working_time(start, end, CLOCK_UNIT[unit], area_class or None)
    return max(0, int(delta.total_seconds()))


def allowed_seconds(
    started_at: datetime, deadline_at: datetime, unit: str, paused_seconds: int, area_class
) -> int:
    """The time a task is allowed on its clock (处置时限: limit + approved extensions): the
    working time from its start to its deadline, less the pauses that pushed the deadline,
    never below 0. The light, the SLA scanner and the evaluation facts all measure against
    this."""
    return max(0, working_seconds(started_at, deadline_at, unit, area_class) - paused_seconds)


def push(at: datetime, seconds: int, unit: str, area_class: str | None) -> datetime:
    """``at`` moved later by ``seconds`` of ``unit``'s clock."""
    if seconds <= 0:
        return at
    clock = CLOCK_UNIT[unit]
    if clock == TimeUnit.URGENT_HOUR:
        return at + timedelta(seconds=seconds)
    hours = Decimal(seconds) / SECONDS_PER_HOUR
    return workcalendar.add_working_time(at, hours, clock, area_class or None)


def task_deadline(
    *,
    started_at: datetime,
    time_limit: Decimal,
    extended: Decimal,
    unit: str,
    paused_seconds: int,
    area_class: str | None,
) -> datetime:
    """Deadline from the clock fields: start + limit + extensions, pushed by paused time."""
    due = workcalendar.add_working_time(
        started_at, Decimal(time_limit) + Decimal(extended), unit, area_class or None
    )
    return push(due, paused_seconds, unit, area_class)


def _area_class(task) -> str | None:
    # ``case`` is usually loaded with the task (select_related); never query for it here.
    from cases.models import Task

    if Task.case.is_cached(task):
        return task.case.area_class or None
    return None


def progress(task, now: datetime, *, area_class: str | None = None) -> Decimal:
    """Used share of the allowed time: elapsed working time minus pauses over the limit."""
    area_class = area_class if area_class is not None else _area_class(task)
    end = task.disposed_at if task.status == TaskStatus.DISPOSED and task.disposed_at else now
    if task.paused_at is not None and task.paused_at < end:
        end = task.paused_at  # suspended: the clock stopped when the case was put on hold
    used = working_seconds(task.started_at, end, task.time_unit, area_class) - task.paused_seconds
    allowed = allowed_seconds(
        task.started_at, task.deadline_at, task.time_unit, task.paused_seconds, area_class
    )
    if allowed <= 0:
        return Decimal("Infinity") if used > 0 else Decimal(0)
    return Decimal(max(used, 0)) / Decimal(allowed)


def light_of(share: Decimal) -> Light:
    if share > RED_ABOVE:
        return Light.RED
    if share >= YELLOW_FROM:
        return Light.YELLOW
    return Light.GREEN


def traffic_light(task, now: datetime, *, area_class: str | None = None) -> Light:
    """Green < 80 %, yellow 80-100 %, red > 100 % of the allowed working time."""
    return light_of(progress(task, now, area_class=area_class))


# Light rank for "the worst light of a case": red beats yellow beats green.
LIGHT_RANK = {Light.GREEN: 0, Light.YELLOW: 1, Light.RED: 2}
# Tasks whose clock means nothing any more (handed back, or cancelled by a return): no light.
CLOCKLESS_TASK_STATUSES = frozenset({TaskStatus.RETURNED, TaskStatus.CANCELLED})


def task_light(task, now: datetime, *, area_class: str | None = None) -> Light | None:
    """The task's light; none for returned or cancelled tasks."""
    if task.status in CLOCKLESS_TASK_STATUSES:
        return None
    return traffic_light(task, now, area_class=area_class)


def worst_light(lights) -> Light | None:
    """The worst of some lights (``None`` entries ignored); none when there is none."""
    lit = [light for light in lights if light is not None]
    return max(lit, key=LIGHT_RANK.__getitem__) if lit else None


def yellow_at(task, *, area_class: str | None = None) -> datetime:
    """When the task turns yellow (80 % used), for the SLA scanner's next wake-up."""
    area_class = area_class if area_class is not None else _area_class(task)
    allowed = allowed_seconds(
        task.started_at, task.deadline_at, task.time_unit, task.paused_seconds, area_class
    )
    warn = int(Decimal(allowed) * YELLOW_FROM) + task.paused_seconds
    return push(task.started_at, warn, task.time_unit, area_class)
