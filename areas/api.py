"""/api/v1/areas and /api/v1/grids: the five tiers and point -> grid lookup."""

from __future__ import annotations

from ninja import Router, Schema

from areas.models import AdminArea
from org.selectors import scope

router = Router(tags=["areas"])


class AreaOut(Schema):
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    path: str


@router.get("/areas", response=list[AreaOut], summary="Administrative areas the caller may see")
def list_areas(request, level: str | None = None, parent: str | None = None):
    qs = scope(AdminArea.objects.all(), request.user)
    if level:
        qs = qs.filter(level=level)
    if parent:
        qs = qs.filter(parent__code=parent)
    return qs
