"""/api/v1/components: the register (部件) for reports and other systems (mounted by
cityops/api.py).

- ``GET /components/nearby?lon=&lat=&category=&radius=``: the registered components (of one
  部件 category) within ``radius`` metres (default 50, at most 500) of a point, nearest first:
  what a report offers to pick from.
- ``GET /components/{code}``: one component by its 17-digit identifier, with its history.

Staff only, within their area scope: a component outside it answers 404 like a missing one.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from areas.api import ErrorOut
from catalog.models import Category, CategoryKind
from components import selectors
from core.errors import NotFound, PermissionDenied, ValidationFailed
from org.selectors import staff_profile

router = Router(tags=["components"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class NearbyIn(Schema):
    lon: float = Field(..., ge=-180, le=180, description="longitude, WGS-84")
    lat: float = Field(..., ge=-90, le=90, description="latitude, WGS-84")
    category: str | None = Field(None, description="部件 category code (5 digits)")
    radius: float = Field(50, gt=0, le=selectors.MAX_RADIUS_M, description="metres")
    limit: int = Field(10, ge=1, le=selectors.MAX_NEAREST)


class ComponentOut(Schema):
    code: str
    name: str
    category: str
    category_name: str
    state: str
    grid: str
    lon: float
    lat: float
    manager_name: str
    owner_name: str
    maintainer_name: str
    metres: float | None = None


class ChangeOut(Schema):
    at: datetime
    source: str
    reference: str
    fields: dict
    case: str | None


class ComponentDetailOut(ComponentOut):
    geometry: dict
    initial_date: date
    changed_date: date | None
    data_source: str
    note: str
    history: list[ChangeOut]


def _staff(request):
    if staff_profile(request.user) is None and not request.user.is_superuser:
        raise PermissionDenied(_("The component register is for staff."), code="role_required")


def _out(component, metres: float | None = None) -> dict:
    return {
        "code": component.code,
        "name": component.name,
        "category": component.category.code,
        "category_name": component.category.name,
        "state": component.state,
        "grid": component.grid.code,
        "lon": component.lon,
        "lat": component.lat,
        "manager_name": component.manager_name,
        "owner_name": component.owner_name,
        "maintainer_name": component.maintainer_name,
        "metres": None if metres is None else round(metres, 1),
    }


@router.get(
    "/components/nearby",
    response={200: list[ComponentOut], **ERRORS},
    summary="Registered components near a point (部件就近选择)",
)
def nearby(request, query: Query[NearbyIn]):
    _staff(request)
    category_id = None
    if query.category:
        category = Category.objects.filter(code=query.category, kind=CategoryKind.COMPONENT).first()
        if category is None:
            raise ValidationFailed(
                _("No 部件 category %(code)s.") % {"code": query.category},
                details={"field": "category"},
            )
        category_id = category.pk
    found = selectors.nearest(
        selectors.visible(request.user).select_related("grid"),
        lon=query.lon,
        lat=query.lat,
        category_id=category_id,
        radius_m=query.radius,
        limit=query.limit,
    )
    return [_out(n.component, n.metres) for n in found]


@router.get(
    "/components/{code}",
    response={200: ComponentDetailOut, **ERRORS},
    summary="One component with its history (部件详情)",
)
def detail(request, code: str):
    _staff(request)
    component = (
        selectors.visible(request.user).select_related("category", "grid").filter(code=code).first()
    )
    if component is None:
        raise NotFound(_("No component %(code)s in your area.") % {"code": code})
    history = component.history.select_related("case").order_by("at", "pk")
    return {
        **_out(component),
        "geometry": component.geometry,
        "initial_date": component.initial_date,
        "changed_date": component.changed_date,
        "data_source": component.data_source,
        "note": component.note,
        "history": [
            {
                "at": h.at,
                "source": h.source,
                "reference": h.reference,
                "fields": h.fields,
                "case": h.case.number if h.case_id else None,
            }
            for h in history
        ],
    }
