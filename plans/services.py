"""Doing planned work: completing an order with its proof, sampling done orders for inspection
(抽查) and the inspection, whose failure opens a rework order.

Proof (the plan says which): a photo; a position inside the place (the grid's polygon, or within
``NEAR_COMPONENT_M`` of the component); every checklist item answered. An order done after its
end is done, and late (``WorkOrder.late``).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import Point, shape

from core.errors import Conflict, PermissionDenied, ValidationFailed
from org.selectors import staff_profile
from plans.models import Inspection, OrderStatus, WorkOrder

NEAR_COMPONENT_M = 50
# A road segment's crew is at the place within the segment's own tolerance (half the road and
# GPS error), and never less than this.
NEAR_SEGMENT_M = 30


def _inside(order: WorkOrder, lon: float, lat: float) -> bool:
    item = order.item
    if item.component_id is not None:
        from intake.dedupe import haversine_m

        c = item.component
        return haversine_m(lon, lat, c.lon, c.lat) <= NEAR_COMPONENT_M
    if item.segment_id is not None:
        return metres_from_segment(item.segment, lon, lat) <= max(
            item.segment.tolerance_m, NEAR_SEGMENT_M
        )
    return shape(item.grid.polygon).contains(Point(lon, lat))


def metres_from_segment(segment, lon: float, lat: float) -> float:
    """Metres from a point to a road segment's centreline (a local metric plane)."""
    from iot.tracking.geo import Frame

    frame = Frame(lon, lat)
    return frame.project(shape(segment.geometry)).distance(Point(0.0, 0.0))


@transaction.atomic
def complete(
    *,
    order: WorkOrder,
    actor,
    lon: float | None = None,
    lat: float | None = None,
    answers: dict | None = None,
    photo=None,
    note: str = "",
    now: datetime | None = None,
) -> WorkOrder:
    """Mark an open (or missed: then late) order done by a member of its department, with
    the plan's proof."""
    now = now or timezone.now()
    profile = staff_profile(actor)
    if profile is None or profile.department_id != order.department_id:
        raise PermissionDenied(_("Only the department the order is for completes it."))
    order = (
        # Lock the order only: PostgreSQL refuses FOR UPDATE on the nullable side of the joins.
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("plan", "item__grid", "item__component", "item__segment")
        .get(pk=order.pk)
    )
    # A missed order may still be done (late): the crew came after its time, the record says so.
    if order.status not in (OrderStatus.OPEN, OrderStatus.MISSED):
        raise Conflict(
            _("Work order %(pk)s is %(status)s.")
            % {"pk": order.pk, "status": order.get_status_display()},
            code="illegal_move",
        )
    plan, problems = order.plan, []
    answers = answers or {}
    if plan.needs_photo and not photo:
        problems.append(_("A photo is required."))
    if plan.needs_position:
        if lon is None or lat is None:
            problems.append(_("Your position is required."))
        elif not _inside(order, lon, lat):
            problems.append(
                _("Your position %(lon).6f, %(lat).6f is not at the place.")
                % {"lon": lon, "lat": lat}
            )
    if plan.needs_checklist:
        unanswered = [
            str(item)
            for item in plan.checklist
            if answers.get(str(item)) is None or str(answers.get(str(item))).strip() == ""
        ]
        if unanswered:
            problems.append(_("Not answered: %(items)s.") % {"items": "、".join(unanswered)})
    if problems:
        raise ValidationFailed(" ".join(problems), details={"problems": problems})
    order.status, order.done_at, order.done_by = OrderStatus.DONE, now, actor
    order.lon, order.lat, order.answers, order.note = lon, lat, answers, (note or "")[:500]
    if photo:
        # The same checks and re-encoding as case evidence: type, size, decompression bombs,
        # metadata stripped (cases.evidence.clean_image).
        from django.core.files.base import ContentFile

        from cases.evidence import clean_image

        clean = clean_image(photo)
        order.photo.save(f"order-{order.pk}.{clean.extension}", ContentFile(clean.data), save=False)
    order.save()
    return order


def _picked(order_id: int, share: Decimal) -> bool:
    """Deterministic sampling: the same orders are picked however often it runs."""
    digest = hashlib.sha256(f"plans-sample-{order_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < float(share)


def sample(day: date) -> int:
    """Pick each plan's share of the orders done on ``day`` for inspection; returns how many."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    done = WorkOrder.objects.filter(
        status=OrderStatus.DONE,
        sampled=False,
        done_at__gte=start,
        done_at__lt=start + timedelta(days=1),
    ).select_related("plan")
    picked = [o.pk for o in done if _picked(o.pk, o.plan.sample_share)]
    return WorkOrder.objects.filter(pk__in=picked).update(sampled=True)


@transaction.atomic
def inspect(*, order: WorkOrder, actor, passed: bool, note: str = "", now: datetime | None = None):
    """The centre's inspection of a done order (抽查); a failure opens a rework order for the same
    department, due the plan's time from now. Returns the rework order or None."""
    now = now or timezone.now()
    order = (
        WorkOrder.objects.select_for_update(of=("self",)).select_related("plan").get(pk=order.pk)
    )
    if order.status != OrderStatus.DONE or order.inspection:
        raise Conflict(_("Only a done order not yet inspected is inspected."), code="illegal_move")
    order.inspection = Inspection.PASSED if passed else Inspection.FAILED
    order.inspected_at, order.inspected_by = now, actor
    order.note = " | ".join(part for part in (order.note, note) if part)[:500]
    order.save(update_fields=["inspection", "inspected_at", "inspected_by", "note"])
    if passed:
        return None
    return WorkOrder.objects.create(
        item_id=order.item_id, plan_id=order.plan_id, department_id=order.department_id,
        area_path=order.area_path, starts_at=now,
        due_at=now + timedelta(minutes=order.plan.minutes_allowed), rework_of=order,
    )  # fmt: skip
