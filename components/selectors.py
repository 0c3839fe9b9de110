"""Reading the register: the components a user may see, and the nearest ones to a report."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import QuerySet

from components.models import Component, ComponentState

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = 111_320.0
MAX_RADIUS_M = 500
MAX_NEAREST = 20


def visible(user) -> QuerySet[Component]:
    """The components of the user's area scope; a department's disposer (who sees cases by
    department, not by area) those their department answers for, as with sensors
    (iot.selectors.sensing_scope)."""
    from iot.selectors import sensing_scope

    return sensing_scope(Component.objects.all(), user, department_field="department_id")


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


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
    rows, the exact distance decides."""
    radius_m = min(max(radius_m, 1.0), MAX_RADIUS_M)
    dlat = radius_m / METRES_PER_DEGREE
    dlon = radius_m / (METRES_PER_DEGREE * max(0.01, math.cos(math.radians(lat))))
    rows = components.filter(
        lat__gte=lat - dlat, lat__lte=lat + dlat, lon__gte=lon - dlon, lon__lte=lon + dlon
    ).exclude(state=ComponentState.REMOVED)
    if category_id is not None:
        rows = rows.filter(category_id=category_id)
    found = []
    for component in rows.select_related("category"):
        metres = distance_m(lon, lat, component.lon, component.lat)
        if metres <= radius_m:
            found.append(Near(component, metres))
    found.sort(key=lambda n: (n.metres, n.component.code))
    return found[: min(limit, MAX_NEAREST)]
