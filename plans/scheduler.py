"""The scheduler of planned work: the day's work orders of every active plan (idempotent: a
rerun creates nothing twice), and open orders past their end marked missed (未完成).

``generate`` runs once a night for the next day (plans.tasks) and can be rerun for any day
(``manage.py plans_generate``); ``mark_missed`` runs every few minutes.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from core import workcalendar
from plans.models import Frequency, OrderStatus, Plan, PlanItem, WorkOrder

BATCH = 5000
logger = logging.getLogger(__name__)


def occurs(plan: Plan, day: date) -> bool:
    """Whether ``plan`` has orders on ``day`` (its dates, frequency and the city's calendar:
    "every working day" skips weekends and holidays and keeps 调休 make-up days)."""
    if not plan.is_active or day < plan.starts_on or (plan.ends_on and day > plan.ends_on):
        return False
    if plan.frequency == Frequency.DAILY:
        return workcalendar.is_workday(day)
    if plan.frequency == Frequency.EVERY_DAY:
        return True
    if plan.frequency == Frequency.WEEKLY:
        return day.isoweekday() in (plan.days or [])
    if plan.frequency == Frequency.MONTHLY:
        return day.day in (plan.days or [])
    return False


def parse_time(text) -> time:
    """A plan's "HH:MM"; ValueError for anything else."""
    hour, minute = (int(part) for part in str(text).strip().split(":", 1))
    return time(hour, minute)


def _starts(plan: Plan, day: date) -> list[datetime]:
    """The plan's start times on ``day`` in order; a time that cannot be read is skipped
    (and logged): one bad plan never stops the others (Plan.clean refuses it when edited)."""
    tz = timezone.get_current_timezone()
    found = set()
    for text in plan.times or []:
        try:
            found.add(datetime.combine(day, parse_time(text), tzinfo=tz))
        except (TypeError, ValueError):
            logger.warning("plan %s: %r is not a time of day (HH:MM)", plan.pk, text)
    return sorted(found)


def generate(day: date, *, plans=None) -> int:
    """Create the work orders of ``day`` for every active plan (or ``plans``); returns how many
    were new. Orders that exist already are left as they are."""
    plans = list(plans if plans is not None else Plan.objects.filter(is_active=True))
    created = 0
    for plan in plans:
        if not occurs(plan, day):
            continue
        starts = _starts(plan, day)
        if not starts:
            continue
        allowed = timedelta(minutes=plan.minutes_allowed)
        window = (starts[0], starts[-1] + timedelta(seconds=1))
        with transaction.atomic():
            # Two schedulers of one plan take turns, so each counts only what it created.
            Plan.objects.select_for_update().filter(pk=plan.pk).first()
            before = WorkOrder.objects.filter(
                plan=plan, rework_of__isnull=True, starts_at__gte=window[0], starts_at__lt=window[1]
            ).count()
            items = PlanItem.objects.filter(plan=plan).values_list("pk", "area_path")
            rows = [
                WorkOrder(
                    item_id=item,
                    plan_id=plan.pk,
                    department_id=plan.department_id,
                    area_path=path,
                    starts_at=start,
                    due_at=start + allowed,
                )  # fmt: skip
                for item, path in items.iterator(chunk_size=BATCH)
                for start in starts
            ]
            WorkOrder.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
            after = WorkOrder.objects.filter(
                plan=plan, rework_of__isnull=True, starts_at__gte=window[0], starts_at__lt=window[1]
            ).count()
        created += after - before
    return created


def mark_missed(now: datetime | None = None) -> int:
    """Open orders whose time ran out are missed; returns how many."""
    now = now or timezone.now()
    return WorkOrder.objects.filter(status=OrderStatus.OPEN, due_at__lt=now).update(
        status=OrderStatus.MISSED
    )
