"""Bench: the nearest registered components of a report (components.selectors.nearest) among
``--size`` components, against a plain distance query over the same rows.

    .venv/bin/python bench/components.py [--size 1000000] [--repeat 200] [--seed 1]
                                         [--database postgresql|sqlite] [--keep]

Data: its own database (PostgreSQL by default), migrated, the bench's small city
(_common.seed_city) and ``--size`` components of seven 部件 categories at random points over a
0.5 x 0.5 degree box (about 2,500 km² around Ningbo: ~400 per km², denser than the demo city's
register), written in bulk (COPY on PostgreSQL).

Timed ``--repeat`` lookups at random points, each for a random one of the seven categories,
within 50 m (what a report offers to pick from):
- CityOps: ``selectors.nearest`` (a box on the indexed (category, lat, lon), then the exact
  distance);
- baseline: the plain query a first version would write: the category's components ordered by
  their (planar) distance to the point, the nearest ten, then kept within 50 m.
Before anything is timed, every lookup's components are compared (the same set both ways).
Result line: value = CityOps p95 ms, baseline = the plain query's p95 ms, ratio = baseline /
value (target: p95 <= 50 ms).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

from _common import bench_database, emit, seed_city, setup_django

NAME = "components"
CATEGORIES = ("01003", "01002", "01011", "01037", "03005", "01013", "04002")
BOX = (121.30, 29.70, 121.80, 30.20)  # lon0, lat0, lon1, lat1
RADIUS_M = 50


def _rows(size: int, seed: int, categories: dict, grids: list) -> list[tuple]:
    from components import identifiers

    rng = random.Random(seed)
    lon0, lat0, lon1, lat1 = BOX
    sequences: dict[str, int] = {}
    rows = []
    for _n in range(size):
        code = rng.choice(CATEGORIES)
        sequences[code] = sequences.get(code, 0) + 1
        lon, lat = round(rng.uniform(lon0, lon1), 7), round(rng.uniform(lat0, lat1), 7)
        grid = grids[_n % len(grids)]
        rows.append(
            (
                identifiers.make("330203", code, sequences[code]),
                categories[code],
                lon,
                lat,
                grid.pk,
                grid.path,
            )
        )
    return rows


def load(size: int, seed: int, vendor: str) -> None:
    from django.db import connection

    from catalog.models import Category, CategoryKind

    city = seed_city()
    categories = dict(
        Category.objects.filter(kind=CategoryKind.COMPONENT, code__in=CATEGORIES).values_list(
            "code", "pk"
        )
    )
    rows = _rows(size, seed, categories, city.grids)
    columns = (
        "created_at, updated_at, code, category_id, name, manager_code, manager_name, "
        "owner_code, owner_name, maintainer_code, maintainer_name, grid_id, area_path, state, "
        "geometry_kind, geometry, lon, lat, initial_date, data_source, note"
    )
    started = time.perf_counter()
    if vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY components_component ({columns}) FROM STDIN") as copy,
        ):
            for code, category, lon, lat, grid, path in rows:
                geometry = json.dumps({"type": "Point", "coordinates": [lon, lat]})
                copy.write_row(
                    ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", code, category, "部件",
                     "BENCH", "Bench bureau", "", "", "", "", grid, path, "intact", "point",
                     geometry, lon, lat, "2020-01-01", "实测", "")
                )  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE components_component")
    else:
        marks = ", ".join(["%s"] * 21)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO components_component ({columns}) VALUES ({marks})",
                [
                    ("2026-01-01 00:00:00", "2026-01-01 00:00:00", code, category, "部件",
                     "BENCH", "Bench bureau", "", "", "", "", grid, path, "intact", "point",
                     json.dumps({"type": "Point", "coordinates": [lon, lat]}), lon, lat,
                     "2020-01-01", "实测", "")
                    for code, category, lon, lat, grid, path in rows
                ],
            )  # fmt: skip
            cursor.execute("ANALYZE")
    print(f"{size:,} components written in {time.perf_counter() - started:.1f} s", flush=True)


def baseline(category_id: int, lon: float, lat: float) -> list[str]:
    """The plain query: the category's components by planar distance, the nearest ten, then
    those within the radius (haversine, as CityOps measures)."""
    import math

    from django.db import connection

    from intake.dedupe import haversine_m

    scale = math.cos(math.radians(lat)) ** 2
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code, lon, lat FROM components_component WHERE category_id = %s "
            "AND state <> 'removed' "
            "ORDER BY (lon - %s) * (lon - %s) * %s + (lat - %s) * (lat - %s) LIMIT 10",
            [category_id, lon, lon, scale, lat, lat],
        )
        found = cursor.fetchall()
    return sorted(code for code, x, y in found if haversine_m(lon, lat, x, y) <= RADIUS_M)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    with bench_database(args.database, keep=args.keep) as (db, _workdir):
        setup_django()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        load(args.size, args.seed, db.vendor)
        _bench(args)


def _bench(args) -> None:
    from catalog.models import Category, CategoryKind
    from components import selectors
    from components.models import Component

    categories = list(
        Category.objects.filter(kind=CategoryKind.COMPONENT, code__in=CATEGORIES).values_list(
            "pk", flat=True
        )
    )
    rng = random.Random(args.seed + 1)
    lon0, lat0, lon1, lat1 = BOX
    asks = [
        (rng.choice(categories), rng.uniform(lon0, lon1), rng.uniform(lat0, lat1))
        for _ in range(args.repeat)
    ]
    rows = Component.objects.all()
    found_total = 0
    for category, lon, lat in asks:  # the same answers both ways, before any time is taken
        ours = sorted(
            n.component.code
            for n in selectors.nearest(
                rows, lon=lon, lat=lat, category_id=category, radius_m=RADIUS_M
            )
        )
        theirs = baseline(category, lon, lat)
        if ours != theirs:
            raise SystemExit(f"different answers at {lon}, {lat}: {ours} vs {theirs}")
        found_total += len(ours)
    print(f"{len(asks)} lookups agree; {found_total / len(asks):.2f} components each on average")
    times: dict[str, list[float]] = {"cityops": [], "baseline": []}
    for category, lon, lat in asks:
        started = time.perf_counter()
        list(selectors.nearest(rows, lon=lon, lat=lat, category_id=category, radius_m=RADIUS_M))
        times["cityops"].append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        baseline(category, lon, lat)
        times["baseline"].append((time.perf_counter() - started) * 1000)
    p95 = {k: statistics.quantiles(v, n=20)[18] for k, v in times.items()}
    p50 = {k: statistics.median(v) for k, v in times.items()}
    print(
        f"nearest within {RADIUS_M} m among {args.size:,}: CityOps p50 {p50['cityops']:.2f} / "
        f"p95 {p95['cityops']:.2f} ms; plain distance query p50 {p50['baseline']:.1f} / "
        f"p95 {p95['baseline']:.1f} ms",
        flush=True,
    )
    emit(bench=NAME, value=p95["cityops"], unit="ms", baseline=p95["baseline"], n=len(asks))


if __name__ == "__main__":
    main()
