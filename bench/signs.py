"""Bench: the sign index (体征) of a day for every node and area, and the explanation of any value,
at a city's size; baseline: the platform leaves' values by direct SQL over the case table.

    .venv/bin/python bench/signs.py [--size 2600000] [--repeat 3] [--explain 200] [--seed 1] [--keep]
    .venv/bin/python bench/signs.py --reuse DATABASE --workdir DIR [--repeat 3] [--explain 200]

Data: its own PostgreSQL database with the demo city (as bench/import.py: ~2,100 grids, the demo
departments, devices, feeds and the default 5/16/58 tree in use) and ``--size`` finished cases
of one year (2025) written by the import bench's generator, loaded by the historical import,
which writes their evaluation facts and rollups (the index reads the rollups). ``--reuse``
measures a database kept by this bench or by bench/evaluation.py (``--keep``: the same data).

Timed, in order:
1. ``signs.services.compute_day`` for Monday 16 June 2025, every node of the tree for every area
   of every tier (city, districts, streets, communities), ``--repeat`` times (it is idempotent:
   each run rewrites the same rows); ms, p50 and max;
2. the explanation page of ``--explain`` random values of that day (``/signs/values/<pk>/``, the
   city leader, through Django's test client: the whole request), ms, p95;
3. the baseline: the "filed" leaves' raw values (19 of the 58: cases filed that day in their
   GB/T 47678.5 categories, per area) by one SQL statement over ``cases_case``.

Before any time is printed every "filed" leaf's stored raw value, for every area, is compared
with the SQL's; any difference stops the bench.

Not in it: readings. The index reads alarms, not readings (a sensor leaf counts the devices
whose alarm was active on the day), so the size of the readings table does not enter its
computation; the hour tier does not exist yet (values are per day).

Result line: the day's computation in ms (value) against the baseline SQL in ms; targets (issue
11): the computation <= 5 s, an explanation p95 <= 200 ms.
"""

from __future__ import annotations

import argparse
import importlib
import random
import statistics
import tempfile
import time
from datetime import date

from _common import emit

NAME = "signs"
DEFAULT_SIZE = 2_600_000
DAY = date(2025, 6, 16)

FILED_SQL = """
SELECT substr(c.area_path, 1, %(length)s) AS region, count(*)
FROM cases_case c JOIN catalog_category k ON k.id = c.category_id
WHERE c.filed_at >= %(start)s AND c.filed_at < %(end)s AND k.code = ANY(%(codes)s)
  AND substr(c.area_path, 1, %(length)s) = ANY(%(paths)s)
GROUP BY 1
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE, help="cases (default 2.6 M)")
    parser.add_argument("--repeat", type=int, default=3, help="computations of the day")
    parser.add_argument("--explain", type=int, default=200, help="explanations requested")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--reuse", metavar="DATABASE", help="measure a kept database again")
    parser.add_argument("--workdir", help="the kept run's work directory (with --reuse)")
    args = parser.parse_args()
    generator = importlib.import_module("import")  # bench/import.py: the data and the database

    if args.reuse:
        if not args.workdir:
            parser.error("--reuse needs the kept run's --workdir")
        generator.kept_database(args.reuse, args.workdir)
        measure(args)
        return
    workdir = tempfile.mkdtemp(prefix="cityops-bench-signs-")
    maintenance, dbname = generator.demo_city_database(workdir, args.seed)
    try:
        imported = generator.import_year(workdir, args.size, args.seed, bench=NAME)
        print(f"historical import with facts and rollups: {imported:.1f} s")
        measure(args)
    finally:
        generator.finish(maintenance, dbname, workdir, keep=args.keep)


def measure(args) -> None:
    """The day computed ``--repeat`` times, checked against SQL, explanations; the result line."""
    from django.db import connection
    from django.test import Client

    from cases.models import Case
    from evaluation import selectors
    from signs import services as signs
    from signs.models import SignValue
    from signs.tree import active_tree

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    tree = active_tree()
    times = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        written = signs.compute_day(DAY, tree=tree)
        times.append((time.perf_counter() - began) * 1000)
    print(f"compute_day: {written:,} values; ms {[round(t) for t in times]}")

    # The baseline, and the check: every "filed" leaf, every area, the same raw value.
    start, end = selectors.day_bounds(DAY, DAY)
    filed = [
        leaf for leaf in tree.nodes.filter(level="leaf") if leaf.measure.get("kind") == "filed"
    ]
    stored = {
        (v.node.code, v.area_path): v.raw
        for v in SignValue.objects.filter(tree=tree, day=DAY, node__in=filed).select_related("node")
    }
    # The areas of each leaf and tier, read once: the baseline times the SQL alone.
    asked = [
        (leaf, tier, list(
            SignValue.objects.filter(tree=tree, day=DAY, node=leaf, tier=tier)
            .values_list("area_path", flat=True)
        ))
        for leaf in filed
        for tier in leaf.tiers
    ]  # fmt: skip
    base_times = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        counted = {}
        with connection.cursor() as cursor:
            for leaf, tier, paths in asked:
                cursor.execute(FILED_SQL, {
                    "length": selectors.tier_path_length(tier), "start": start, "end": end,
                    "codes": leaf.measure.get("categories", []), "paths": paths,
                })  # fmt: skip
                by_region = dict(cursor.fetchall())
                for path in paths:
                    counted[(leaf.code, path)] = float(by_region.get(path, 0))
        base_times.append((time.perf_counter() - began) * 1000)
    different = {k: (stored.get(k), v) for k, v in counted.items() if stored.get(k) != v}
    if different or not counted:
        raise SystemExit(
            f"{NAME}: stored raw values differ from SQL: {list(different.items())[:5]}"
        )
    print(f"checked {len(counted):,} filed-leaf values against SQL: equal")

    client = Client()
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="leader"))
    ids = list(SignValue.objects.filter(tree=tree, day=DAY).values_list("pk", flat=True))
    rng = random.Random(args.seed)
    explain = []
    for pk in rng.sample(ids, min(args.explain, len(ids))):
        began = time.perf_counter()
        response = client.get(f"/en/signs/values/{pk}/")
        explain.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{NAME}: /signs/values/{pk}/ answered {response.status_code}")
    explain.sort()
    p95 = explain[max(0, int(len(explain) * 0.95) - 1)]
    value, baseline = statistics.median(times), statistics.median(base_times)
    print(
        f"compute_day p50 {value:.0f} ms (target <= 5,000), max {max(times):.0f} ms; "
        f"explanation p50 {statistics.median(explain):.1f} ms, p95 {p95:.1f} ms "
        f"(target <= 200) over {len(explain)}; baseline SQL (19 filed leaves) p50 "
        f"{baseline:.0f} ms"
    )
    emit(bench=NAME, value=value, unit="ms", baseline=baseline, n=Case.objects.count())


if __name__ == "__main__":
    main()
