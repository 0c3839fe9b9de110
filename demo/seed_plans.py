"""The demo city's planned work (周期性工单): the sanitation centre's street sweeping of the old
town's grids twice a day and its machine sweeping of the main roads (road segments) at dawn, the lamp office's night round of lamps and the greenery centre's
street-tree care each week, with two weeks of history done by their crews.

History is deterministic from the seed: most orders done (most of those on time), some missed,
each plan's share sampled for inspection (抽查) and inspected, a few failing (rework). Today's
and later orders stay open for the crews' phones (disposer_huanwei, disposer_ludeng,
disposer_yuanlin); the worker's scheduler makes each next day's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from areas.models import UnitGrid
from catalog.models import Category, CategoryKind
from components.models import Component
from demo.names import CITY_CODE
from org.models import Department
from plans import scheduler, services
from plans.models import Frequency, OrderStatus, Plan, PlanItem, WorkOrder

HISTORY_DAYS = 14
DONE, ON_TIME, PASSED = 0.9, 0.9, 0.92
INSPECTOR = "shift_leader"  # the centre's shift leader inspects (demo.roster)


@dataclass(frozen=True)
class PlanSpec:
    name: str
    unit: str  # city unit suffix (demo.roster.CITY_UNITS)
    category: str  # event category problems found are reported as
    frequency: str
    days: tuple
    times: tuple
    minutes: int
    checklist: tuple
    grids_of_class: str | None = None  # every grid of this area class ...
    grid_limit: int = 0  # ... at most this many
    component: str | None = None  # or components of this category
    component_limit: int = 0
    segment_limit: int = 0  # or the first road segments (清扫路段) of the city
    needs_photo: bool = True


PLANS = (
    PlanSpec(
        "老城区道路清扫保洁", "HW", "06012", Frequency.EVERY_DAY, (), ("07:00", "14:00"), 120,
        ("路面无垃圾、无积水", "果皮箱已清理", "绿化带内无垃圾"), grids_of_class="A", grid_limit=60,
    ),
    PlanSpec(
        "主干道机械化清扫", "HW", "06012", Frequency.EVERY_DAY, (), ("05:00",), 150,
        ("路面无垃圾、无积尘", "道牙无堆积"), segment_limit=40, needs_photo=False,
    ),
    PlanSpec(
        "路灯夜间巡查", "LD", "01037", Frequency.WEEKLY, (3,), ("19:30",), 180,
        ("灯具亮灯", "灯杆无倾斜、无破损", "检修门关闭"), component="01037", component_limit=80,
        needs_photo=False,
    ),
    PlanSpec(
        "行道树养护", "YL", "04002", Frequency.WEEKLY, (2, 5), ("09:00",), 240,
        ("无枯枝、断枝", "树穴无垃圾", "无病虫害"), component="04002", component_limit=60,
    ),
)  # fmt: skip


def _plan(spec: PlanSpec, start: date) -> Plan:
    department = Department.objects.get(code=f"{CITY_CODE}-{spec.unit}")
    plan = Plan.objects.create(
        name=spec.name,
        department=department,
        category=Category.objects.filter(kind=CategoryKind.EVENT, code=spec.category).first(),
        frequency=spec.frequency,
        days=list(spec.days),
        times=list(spec.times),
        minutes_allowed=spec.minutes,
        checklist=list(spec.checklist),
        needs_photo=spec.needs_photo,
        starts_on=start,
        sample_share=0.1,
    )
    if spec.grids_of_class:
        grids = UnitGrid.objects.filter(
            path__startswith=f"/{CITY_CODE}/", area_class=spec.grids_of_class
        ).order_by("code")[: spec.grid_limit]
        PlanItem.objects.bulk_create([PlanItem(plan=plan, grid=g, area_path=g.path) for g in grids])
    elif spec.segment_limit:
        from iot.models import RoadSegment

        segments = RoadSegment.objects.filter(is_active=True).order_by("code")[: spec.segment_limit]
        PlanItem.objects.bulk_create(
            [PlanItem(plan=plan, segment=s, area_path=s.area_path) for s in segments]
        )
    else:
        found = Component.objects.filter(category__code=spec.component).order_by("code")
        PlanItem.objects.bulk_create(
            [
                PlanItem(plan=plan, component=c, area_path=c.area_path)
                for c in found[: spec.component_limit]
            ]
        )
    return plan


def _do_history(orders: list[WorkOrder], rng: random.Random, now: datetime) -> None:
    """The crews' past work, as the records would show it (positions at the place)."""
    crews = {d: p.user for d, p in _crew_profiles({o.department_id for o in orders}).items()}
    for order in orders:
        item = order.item
        roll = rng.random()
        if roll >= DONE:
            order.status = OrderStatus.MISSED
            continue
        allowed = order.due_at - order.starts_at
        share = rng.uniform(0.2, 0.95) if rng.random() < ON_TIME else rng.uniform(1.05, 1.6)
        order.status, order.done_by = OrderStatus.DONE, crews.get(order.department_id)
        order.done_at = min(order.starts_at + allowed * share, now)
        order.lon, order.lat = item.point
        order.answers = {str(i): "正常" for i in order.plan.checklist}
    WorkOrder.objects.bulk_update(
        orders, ["status", "done_by", "done_at", "lon", "lat", "answers"], batch_size=1000
    )


def _crew_profiles(department_ids):
    from org.models import StaffProfile

    return {
        p.department_id: p
        for p in StaffProfile.objects.filter(department_id__in=department_ids)
        .select_related("user")
        .order_by("pk")
    }


def seed(*, seed: int, now: datetime | None = None) -> dict[str, int]:
    """Create the demo plans, two weeks of done history and today's open orders."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    start = today - timedelta(days=HISTORY_DAYS)
    plans = [_plan(spec, start) for spec in PLANS]
    made = sum(
        scheduler.generate(start + timedelta(days=n), plans=plans) for n in range(HISTORY_DAYS + 2)
    )
    tz = timezone.get_current_timezone()
    past = list(
        WorkOrder.objects.filter(plan__in=plans, due_at__lt=now)
        .select_related("plan", "item__grid", "item__component", "item__segment")
        .order_by("pk")
    )
    rng = random.Random(f"plans-{seed}")
    _do_history(past, rng, now)
    for n in range(HISTORY_DAYS + 1):
        services.sample(start + timedelta(days=n))
    inspector = get_user_model().objects.filter(username=INSPECTOR).first()
    sampled = WorkOrder.objects.filter(plan__in=plans, sampled=True, inspection="").order_by("pk")
    failed = 0
    for order in sampled:
        if order.done_at >= datetime.combine(today - timedelta(days=1), time.min, tzinfo=tz):
            continue  # yesterday's and today's samples wait for the centre
        passed = rng.random() < PASSED
        at = order.done_at + timedelta(hours=rng.uniform(1, 20))
        rework = services.inspect(order=order, actor=inspector, passed=passed, now=min(at, now))
        failed += rework is not None
    return {
        "plans": len(plans),
        "items": PlanItem.objects.filter(plan__in=plans).count(),
        "orders": made + failed,
        "inspected": WorkOrder.objects.filter(plan__in=plans).exclude(inspection="").count(),
        "failed": failed,
    }


def reset() -> dict[str, int]:
    """Delete the demo city's plans with their items and orders."""
    plans = Plan.objects.filter(department__code__startswith=f"{CITY_CODE}-")
    orders = WorkOrder.objects.filter(plan__in=plans).count()
    deleted = plans.count()
    plans.delete()
    return {"plans": deleted, "work orders": orders}
