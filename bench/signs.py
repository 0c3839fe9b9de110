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
   each run rewrites the same rows); ms, p50 and max; then ``compute_hour`` for the same day's
   hour ending 11:00 (the index "now": the 24 hours before), likewise;
2. the explanation page of ``--explain`` random values of that day and hour
   (``/signs/values/<pk>/``, the city leader, through Django's test client: the whole
   request), ms, p95;
3. the baseline: the "filed" leaves' raw values (19 of the 58: cases filed in the day or the
   24 hours in their GB/T 47678.5 categories, per area) by one SQL statement over
   ``cases_case``.

Before those times are printed every "filed" leaf's stored raw value, for every area, the
day's and the hour's, is compared with the SQL's; any difference stops the bench.

Readings: ``--readings`` (default 10 M, the issue's size) sensor readings of 2025 are added to
the demo devices (their own monthly partitions, one reading per device every few minutes) when
the database holds fewer, before anything is timed. The index reads alarms, not readings (a
sensor leaf counts the devices whose alarm was active in the period, or the alarms started), so
the readings are there to show their number does not enter the computation.

Result line: the hour's computation in ms (value, issue 11: "recompute one hour for every node
and every area") against the hour's baseline SQL in ms; targets: the computation <= 5 s, an
explanation p95 <= 200 ms.
"""

from __future__ import annotations

import argparse
import importlib
import random
import statistics
import tempfile
import time
from datetime import date, timedelta

from _common import emit

NAME = "signs"
DEFAULT_SIZE = 2_600_000
DAY = date(2025, 6, 16)
HOUR = 10  # the index "now" as 11:00 ends: the 24 hours from Sunday 11:00

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
    parser.add_argument("--readings", type=int, default=10_000_000, help="sensor readings")
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


def add_readings(wanted: int) -> None:
    """Readings of 2025 for the demo devices until the table holds ``wanted``: each device's
    first metric, evenly spaced over the year, values in its normal range (no alarm), one
    INSERT ... SELECT on the server into 2025's monthly partitions."""
    from django.db import connection

    from iot import partitions
    from iot.models import Device, Reading

    have = Reading.objects.count()
    devices = list(Device.objects.filter(is_active=True).select_related("device_type"))
    if have >= wanted or not devices:
        print(f"readings: {have:,}")
        return
    began = time.perf_counter()
    if partitions.is_partitioned():
        for month in range(1, 13):
            partitions.create_month(date(2025, month, 1))
    each = (wanted - have) // len(devices) + 1
    step = 365 * 86400 / each  # seconds between two readings of a device
    rows = [(d.pk, (d.device_type.metrics or [{"key": "value"}])[0]["key"]) for d in devices]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO iot_reading (device_id, metric, ts, value, value_str, unit, received_at)
            SELECT d.id, d.metric, t.ts, 0.1 + (t.n %% 7) * 0.01, '', '', t.ts
            FROM unnest(%s::bigint[], %s::text[]) AS d(id, metric)
            CROSS JOIN LATERAL (
                SELECT n, timestamptz '2025-01-01 00:00+08' + make_interval(secs => n * %s) AS ts
                FROM generate_series(0, %s - 1) AS n) AS t
            ON CONFLICT DO NOTHING
            """,
            [[r[0] for r in rows], [r[1] for r in rows], step, each],
        )
    print(f"readings: {Reading.objects.count():,} ({len(devices)} devices, "
          f"added in {time.perf_counter() - began:.0f} s)")  # fmt: skip


def measure(args) -> None:
    """The day computed ``--repeat`` times, checked against SQL, explanations; the result line."""
    from django.db import connection
    from django.test import Client

    from cases.models import Case
    from evaluation import selectors
    from signs import services as signs
    from signs.models import SignValue
    from signs.tree import active_tree

    add_readings(args.readings)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    tree = active_tree()
    filed = [
        leaf for leaf in tree.nodes.filter(level="leaf") if leaf.measure.get("kind") == "filed"
    ]
    times = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        written = signs.compute_day(DAY, tree=tree)
        times.append((time.perf_counter() - began) * 1000)
    print(f"compute_day: {written:,} values; ms {[round(t) for t in times]}")
    day_base = checked(tree, filed, None, *selectors.day_bounds(DAY, DAY), args.repeat)
    hour_times = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        written = signs.compute_hour(DAY, HOUR, tree=tree)
        hour_times.append((time.perf_counter() - began) * 1000)
    print(f"compute_hour: {written:,} values; ms {[round(t) for t in hour_times]}")
    until = selectors.day_bounds(DAY, DAY)[0] + timedelta(hours=HOUR + 1)
    hour_base = checked(tree, filed, HOUR, until - timedelta(days=1), until, args.repeat)

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
    value, baseline = statistics.median(hour_times), statistics.median(hour_base)
    print(
        f"compute_hour p50 {value:.0f} ms (target <= 5,000), max {max(hour_times):.0f} ms; "
        f"compute_day p50 {statistics.median(times):.0f} ms; "
        f"explanation p50 {statistics.median(explain):.1f} ms, p95 {p95:.1f} ms "
        f"(target <= 200) over {len(explain)} (days and hours); baseline SQL (the filed "
        f"leaves) p50 {baseline:.0f} ms for the hour, {statistics.median(day_base):.0f} ms "
        f"for the day"
    )
    emit(bench=NAME, value=value, unit="ms", baseline=baseline, n=Case.objects.count())


def checked(tree, filed, hour, start, end, repeat: int) -> list[float]:
    """The baseline, and the check: every "filed" leaf's raw value of the day (``hour`` None)
    or of the hour, for every area, equal to one SQL count over ``cases_case`` in [start,
    end); returns the SQL's times (ms)."""
    from django.db import connection

    from evaluation import selectors
    from signs.models import SignValue

    stored = {
        (v.node.code, v.area_path): v.raw
        for v in SignValue.objects.filter(
            tree=tree, day=DAY, hour=hour, node__in=filed
        ).select_related("node")
    }
    # The areas of each leaf and tier, read once: the baseline times the SQL alone.
    asked = [
        (leaf, tier, list(
            SignValue.objects.filter(tree=tree, day=DAY, hour=hour, node=leaf, tier=tier)
            .values_list("area_path", flat=True)
        ))
        for leaf in filed
        for tier in leaf.tiers
    ]  # fmt: skip
    base_times = []
    for _ in range(repeat):
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
    what = "the day" if hour is None else f"the hour ending {hour + 1}:00"
    print(f"checked {len(counted):,} filed-leaf values of {what} against SQL: equal")
    return base_times


if __name__ == "__main__":
    main()
