"""The demo city's component register (部件普查): about thirty thousand covers, lamps, bins, fire
hydrants and street trees in the real districts, deterministic from the seed.

Per unit grid, by its area class (A old town, B middle ring, C outskirts), a number of each kind
(``PLANS``), each at a point inside the grid, with the 17-digit identifier of its district and
category, the managing department and the maintainer as the city's units (their department code
stands for the 统一社会信用代码, so routing 部件先属主 finds the department), a few damaged or
lost, and one history entry: the 2025 survey.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from shapely.geometry import Point, shape
from shapely.prepared import prep

from areas.models import UnitGrid
from catalog.models import Category, CategoryKind
from components import identifiers
from components.models import ChangeSource, Component, ComponentChange, ComponentState
from demo.names import CITY_CODE
from org.models import Department

SURVEY = "2025 普查 (demo)"
BATCH = 2000


@dataclass(frozen=True)
class Plan:
    category: str
    name: str
    per_class: dict  # area class -> how many per grid
    manager: str  # city unit suffix (demo.roster.CITY_UNITS)
    maintainer: str | None


PLANS = (
    Plan("01003", "雨水井盖", {"A": 8, "B": 5, "C": 2}, "ZJJ", "WATER"),
    Plan("01002", "污水井盖", {"A": 5, "B": 3, "C": 1}, "ZJJ", "WATER"),
    Plan("01011", "燃气井盖", {"A": 2, "B": 1, "C": 1}, "ZJJ", "GAS"),
    Plan("01037", "路灯", {"A": 6, "B": 4, "C": 2}, "CGJ", "LD"),
    Plan("03005", "垃圾箱", {"A": 4, "B": 2, "C": 1}, "CGJ", "HW"),
    Plan("01013", "消防栓", {"A": 1, "B": 1, "C": 0}, "YXZX", None),
    Plan("04002", "行道树", {"A": 6, "B": 3, "C": 1}, "ZGJ", "YL"),
)
DAMAGED, LOST = 0.01, 0.003


def _point_in(polygon, rng: random.Random) -> tuple[float, float]:
    minx, miny, maxx, maxy = polygon.bounds
    inside = prep(polygon)
    for _try in range(30):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if inside.contains(Point(x, y)):
            return round(x, 7), round(y, 7)
    centre = polygon.representative_point()
    return round(centre.x, 7), round(centre.y, 7)


def seed(*, seed: int) -> int:
    """Register the demo city's components; returns how many."""
    categories = {
        c.code: c
        for c in Category.objects.filter(
            kind=CategoryKind.COMPONENT, code__in=[p.category for p in PLANS]
        )
    }
    units = {
        d.code.split("-", 1)[1]: d
        for d in Department.objects.filter(code__startswith=f"{CITY_CODE}-")
    }
    rng = random.Random(f"components-{seed}")
    sequences: dict[tuple[str, str], int] = {}
    rows: list[Component] = []
    start = date(2015, 1, 1)
    grids = UnitGrid.objects.filter(path__startswith=f"/{CITY_CODE}/").order_by("code")
    for grid in grids.only("pk", "code", "path", "area_class", "polygon"):
        polygon = shape(grid.polygon)
        district = grid.code[:6]
        for plan in PLANS:
            category = categories.get(plan.category)
            if category is None:
                continue
            manager = units.get(plan.manager)
            maintainer = units.get(plan.maintainer) if plan.maintainer else None
            for _n in range(plan.per_class.get(grid.area_class, 0)):
                key = (district, plan.category)
                sequences[key] = sequences.get(key, 0) + 1
                lon, lat = _point_in(polygon, rng)
                roll = rng.random()
                state = (
                    ComponentState.LOST
                    if roll < LOST
                    else ComponentState.DAMAGED
                    if roll < LOST + DAMAGED
                    else ComponentState.INTACT
                )
                rows.append(
                    Component(
                        code=identifiers.make(district, plan.category, sequences[key]),
                        category=category,
                        name=plan.name,
                        manager_code=manager.code if manager else "",
                        manager_name=manager.name if manager else "",
                        maintainer_code=maintainer.code if maintainer else "",
                        maintainer_name=maintainer.name if maintainer else "",
                        owner_code=maintainer.code if maintainer else "",
                        owner_name=maintainer.name if maintainer else "",
                        department=maintainer or None,
                        grid_id=grid.pk,
                        area_path=grid.path,
                        state=state,
                        geometry_kind="point",
                        geometry={"type": "Point", "coordinates": [lon, lat]},
                        lon=lon,
                        lat=lat,
                        initial_date=start + timedelta(days=rng.randrange(3650)),
                        data_source="实测",
                    )
                )
    Component.objects.bulk_create(rows, batch_size=BATCH)
    now = timezone.now()
    ids = Component.objects.filter(area_path__startswith=f"/{CITY_CODE}/").values_list(
        "pk", "state"
    )
    ComponentChange.objects.bulk_create(
        (
            ComponentChange(
                component_id=pk,
                at=now,
                source=ChangeSource.SURVEY,
                reference=SURVEY,
                fields={"state": [None, state]},
            )  # fmt: skip
            for pk, state in ids.iterator()
        ),
        batch_size=BATCH,
    )
    return len(rows)


def reset() -> dict[str, int]:
    _total, per_model = Component.objects.filter(area_path__startswith=f"/{CITY_CODE}/").delete()
    return {"components": per_model.get("components.Component", 0)}


def link_devices() -> int:
    """Mount each demo manhole-cover sensor on the nearest registered cover within 300 m (it
    moves there; its alarms' cases then name the cover); returns how many were mounted."""
    from components import selectors
    from iot.models import Device
    from iot.services import device_move

    covers = Component.objects.filter(category__code__in=("01003", "01002", "01011"))
    tied = 0
    for device in Device.objects.filter(device_type__code="manhole_cover", lon__isnull=False):
        near = selectors.nearest(covers, lon=device.lon, lat=device.lat, radius_m=300, limit=1)
        if near:
            cover = near[0].component
            device_move(device=device, lon=cover.lon, lat=cover.lat)
            Device.objects.filter(pk=device.pk).update(component=cover)
            tied += 1
    return tied
