"""/api/v1/plans: work orders of planned work (mounted by cityops/api.py).

- ``GET /plans/orders?status=&day=``: the orders of the caller's department (its crews), or for
  the centre's roles those of their area scope, by status and day (default: open ones).
- ``POST /plans/orders/{id}/complete`` (multipart: ``lon``, ``lat``, ``answers`` as JSON,
  ``photo``, ``note``): done, with the plan's proof; 422 names what is missing.
- ``POST /plans/orders/{id}/inspect`` ``{"passed": false, "note": ...}``: the centre's
  inspection of a sampled order (抽查); a failure opens a rework order (returned).

An order outside the caller's slice answers 404 like a missing one.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from areas.api import ErrorOut
from core.errors import NotFound, PermissionDenied, ValidationFailed
from plans import services
from plans.models import OrderStatus, WorkOrder
from plans.selectors import is_centre, order_of, orders_of

router = Router(tags=["plans"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
MAX_ORDERS = 500


class OrdersIn(Schema):
    status: OrderStatus = OrderStatus.OPEN
    day: date | None = Field(None, description="orders starting that day (default: any day)")


class OrderOut(Schema):
    id: int
    plan: str
    place: str
    status: str
    starts_at: datetime
    due_at: datetime
    done_at: datetime | None
    late: bool
    checklist: list
    needs_photo: bool
    needs_position: bool
    sampled: bool
    inspection: str
    rework_of: int | None


def _out(order: WorkOrder) -> dict:
    item = order.item
    return {
        "id": order.pk,
        "plan": order.plan.name,
        "place": item.place.code,
        "status": order.status,
        "starts_at": order.starts_at,
        "due_at": order.due_at,
        "done_at": order.done_at,
        "late": order.late,
        "checklist": order.plan.checklist,
        "needs_photo": order.plan.needs_photo,
        "needs_position": order.plan.needs_position,
        "sampled": order.sampled,
        "inspection": order.inspection,
        "rework_of": order.rework_of_id,
    }


def _order(request, pk: int) -> WorkOrder:
    order = order_of(request.user, pk)
    if order is None:
        raise NotFound(_("No work order %(pk)s for you.") % {"pk": pk})
    return order


@router.get(
    "/plans/orders", response={200: list[OrderOut], **ERRORS}, summary="Work orders (周期性工单)"
)
def orders(request, query: Query[OrdersIn]):
    found = orders_of(request.user).filter(status=query.status)
    if query.day:
        tz = timezone.get_current_timezone()
        start = datetime.combine(query.day, time.min, tzinfo=tz)
        found = found.filter(starts_at__gte=start, starts_at__lt=start + timedelta(days=1))
    found = found.select_related("plan", "item__grid", "item__component", "item__segment").order_by(
        "due_at", "pk"
    )
    return [_out(o) for o in found[:MAX_ORDERS]]


@router.post(
    "/plans/orders/{pk}/complete",
    response={200: OrderOut, **ERRORS},
    summary="Complete a work order with its proof",
)
def complete(
    request,
    pk: int,
    lon: Form[float | None] = None,
    lat: Form[float | None] = None,
    answers: Form[str] = "{}",
    note: Form[str] = "",
    photo: File[list[UploadedFile]] = None,
):
    order = _order(request, pk)
    try:
        parsed = json.loads(answers or "{}")
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise ValidationFailed(
            _("answers is a JSON object: item -> answer."), details={"field": "answers"}
        )
    if photo and len(photo) > 1:
        raise ValidationFailed(_("One photo per work order."), details={"field": "photo"})
    done = services.complete(
        order=order,
        actor=request.user,
        lon=lon,
        lat=lat,
        answers=parsed,
        photo=photo[0] if photo else None,
        note=note,
    )
    return _out(done)


class InspectIn(Schema):
    passed: bool
    note: str = Field("", max_length=200)


@router.post(
    "/plans/orders/{pk}/inspect",
    response={200: OrderOut, **ERRORS},
    summary="Inspect a done work order (抽查); a failure opens a rework order",
)
def inspect(request, pk: int, body: InspectIn):
    if not is_centre(request.user):
        raise PermissionDenied(_("Inspections are the centre's."), code="role_required")
    order = _order(request, pk)
    rework = services.inspect(order=order, actor=request.user, passed=body.passed, note=body.note)
    if rework is None:
        order.refresh_from_db()
        return _out(order)
    return _out(
        WorkOrder.objects.select_related(
            "plan", "item__grid", "item__component", "item__segment"
        ).get(pk=rework.pk)
    )
