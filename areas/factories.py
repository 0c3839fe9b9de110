"""factory_boy factories for areas, shared by the tests and the demo city generator."""

from __future__ import annotations

import factory

from areas.models import AdminArea, AreaClass, AreaLevel, UnitGrid


def box_polygon(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> dict:
    """A GeoJSON Polygon for an axis-aligned box (counter-clockwise exterior ring)."""
    ring = [
        [min_lon, min_lat],
        [max_lon, min_lat],
        [max_lon, max_lat],
        [min_lon, max_lat],
        [min_lon, min_lat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


class AdminAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdminArea
        django_get_or_create = ("code",)

    level = AreaLevel.CITY
    code = factory.Sequence(lambda n: f"{330200 + n:06d}")
    name = factory.Sequence(lambda n: f"Area {n}")
    parent = None


class UnitGridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitGrid
        django_get_or_create = ("code",)

    community = factory.SubFactory(AdminAreaFactory, level=AreaLevel.COMMUNITY)
    code = factory.Sequence(lambda n: f"{n:015d}")
    area_class = AreaClass.B
    polygon = factory.LazyFunction(lambda: box_polygon(121.50, 29.85, 121.501, 29.851))
