"""Where things happen in the demo city: its unit grids as shapes, and points inside them.

Loaded once from the database (so it serves whatever city was seeded); a point is drawn inside
the grid polygon by rejection from its bounding box, so it always lies in that grid.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import shapely
from shapely.geometry import shape

from areas.models import UnitGrid
from demo.cast import DISTRICT_LEVEL, STREET_LEVEL, path_code
from demo.names import DISTRICTS

POINT_TRIES = 30
COORD_DECIMALS = 6  # ~0.1 m


@dataclass(frozen=True)
class GridPlace:
    code: str
    path: str
    area_class: str
    geometry: object  # shapely Polygon

    @property
    def street_code(self) -> str:
        return path_code(self.path, STREET_LEVEL) or ""

    @property
    def district_code(self) -> str:
        return path_code(self.path, DISTRICT_LEVEL) or ""


class Places:
    def __init__(self, grids: list[GridPlace]) -> None:
        if not grids:
            raise LookupError("The demo city has no grids: run `manage.py seed_demo` first.")
        self.grids = grids
        self.by_class: dict[str, list[GridPlace]] = {}
        self.by_street: dict[str, list[GridPlace]] = {}
        for grid in grids:
            self.by_class.setdefault(grid.area_class, []).append(grid)
            self.by_street.setdefault(grid.street_code, []).append(grid)
        self._district = {d.code: d for d in DISTRICTS}

    @classmethod
    def load(cls) -> Places:
        rows = (
            UnitGrid.objects.filter(is_active=True)
            .order_by("code")
            .values_list("code", "path", "area_class", "polygon")
        )
        return cls([GridPlace(code, path, ac, shape(poly)) for code, path, ac, poly in rows])

    def pick(self, rng: random.Random, classes: str = "ABC") -> GridPlace:
        """A grid of one of ``classes`` (uniform over grids: the small old-town grids make the
        centre denser per km², as real reports are)."""
        pool = [g for c in classes for g in self.by_class.get(c, ())] or self.grids
        return rng.choice(pool)

    def point(self, rng: random.Random, grid: GridPlace) -> tuple[float, float]:
        min_x, min_y, max_x, max_y = grid.geometry.bounds
        for _ in range(POINT_TRIES):
            x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
            x, y = round(x, COORD_DECIMALS), round(y, COORD_DECIMALS)
            if shapely.contains_xy(grid.geometry, x, y):
                return x, y
        inside = grid.geometry.representative_point()
        return inside.x, inside.y

    def district_of(self, grid: GridPlace) -> tuple[str, str]:
        """(slug, name) of the grid's district, e.g. ("haishu", "海曙区")."""
        district = self._district.get(grid.district_code)
        return (district.slug, district.name) if district else ("", "")
