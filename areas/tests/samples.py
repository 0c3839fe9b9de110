"""Small GeoJSON files for the import tests (WGS-84, boxes of 0.01 degrees)."""

from __future__ import annotations

from areas.factories import box_polygon

CELL = 0.01


def area(level: str, code: str, name: str, parent: str | None = None, geometry=None, **extra):
    props = {"level": level, "code": code, "name": name, "parent": parent, **extra}
    return {"type": "Feature", "geometry": geometry, "properties": props}


def grid(code: str, geometry: dict, **extra):
    props = {"level": "grid", "code": code, "area_class": "B", **extra}
    return {"type": "Feature", "geometry": geometry, "properties": props}


def quad(community: str, lon0: float, lat0: float) -> list[dict]:
    """Four grids numbered west-to-east, north-to-south from (lon0, lat0) at the south-west."""
    features = []
    for seq, (col, row) in enumerate([(0, 1), (1, 1), (0, 0), (1, 0)], start=1):
        lon, lat = lon0 + col * CELL, lat0 + row * CELL
        features.append(
            grid(f"{community}{seq:03d}", box_polygon(lon, lat, lon + CELL, lat + CELL))
        )
    return features


def city_file() -> list[dict]:
    """A city, a district, a street and two communities: one surveyed, one derived."""
    return [
        area("city", "330200", "Ningbo"),
        area("district", "330203", "Haishu", "330200"),
        area("street", "330203001", "Gulou", "330203"),
        area(
            "community",
            "330203001001",
            "Drum tower",
            "330203001",
            box_polygon(121.50, 29.85, 121.52, 29.87),
        ),
        area("community", "330203001002", "Moon lake", "330203001"),
        *quad("330203001001", 121.50, 29.85),
        *quad("330203001002", 121.52, 29.85),
    ]


def collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


BOWTIE = {
    "type": "Polygon",
    "coordinates": [
        [[121.50, 29.85], [121.51, 29.86], [121.51, 29.85], [121.50, 29.86], [121.50, 29.85]]
    ],
}
