"""Reading the register: the components a user may see, and the nearest ones to a report."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from components.models import Component, ComponentState
from intake.dedupe import bounding_box, haversine_m

MAX_RADIUS_M = 500
MAX_NEAREST = 20


def visible(user) -> QuerySet[Component]:
    """The components of the user's area scope; a department's disposer (who sees cases by
    department, not by area) those their department answers for, as with sensors
    (iot.selectors.sensing_scope)."""
    from iot.selectors import sensing_scope

    return sensing_scope(Component.objects.all(), user, department_field="department_id")


@dataclass(frozen=True)
class Near:
    component: Component
    metres: float


def nearest(
    components: QuerySet[Component],
    *,
    lon: float,
    lat: float,
    category_id: int | None = None,
    radius_m: float = 50,
    limit: int = 10,
) -> list[Near]:
    """The registered components (of one category, if given) within ``radius_m`` of a point,
    nearest first; removed ones left out. A box on the indexed (category, lat, lon) narrows the
    rows, the exact distance decides (intake.dedupe's box and haversine, as duplicates use)."""
    radius_m = min(max(radius_m, 1.0), MAX_RADIUS_M)
    min_lon, min_lat, max_lon, max_lat = bounding_box(lon, lat, radius_m)
    rows = components.filter(
        lat__gte=min_lat, lat__lte=max_lat, lon__gte=min_lon, lon__lte=max_lon
    ).exclude(state=ComponentState.REMOVED)
    if category_id is not None:
        rows = rows.filter(category_id=category_id)
    found = []
    for component in rows.select_related("category"):
        metres = haversine_m(lon, lat, component.lon, component.lat)
        if metres <= radius_m:
            found.append(Near(component, metres))
    found.sort(key=lambda n: (n.metres, n.component.code))
    return found[: min(limit, MAX_NEAREST)]
