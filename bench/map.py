"""Bench: the one map's viewport data (web.map_layers) vs the naive query of every point in the box.

    .venv/bin/python bench/map.py [--size 2600000] [--repeat 20] [--seed 1] [--keep]

Data: its own PostgreSQL database with the demo city (as bench/import.py: ~2,100 grids in
the demo districts, the demo departments and staff) and ``--size`` cases over the year before
NOW, written with COPY (the map reads cases, tasks and categories only; no events or facts):
each at a point inside a random grid, a random category; those of the last five days mostly
still open (reported, filed, or dispatched with a task whose deadline is past, near or
ahead), one in a thousand older ones left open (the overdue backlog), the rest closed, each
with its disposed task. With
2.6 M cases that is ~10 k open cases and ~215 k cases in 30 days, as in a Ningbo-sized city.

Timed, each ``--repeat`` times, as the city leader (scope: the city) sees them:
- the whole city at zoom 11 and each district at zoom 13: open cases (cells by light) and
  the heat map of 7 and 30 days (cells);
- a random street-sized box at zoom 15 and 16: open cases (points, or cells when crowded);
- the whole city at zoom 12: the heat map of 30 days for one category class.
CityOps: ``map_layers.cases_layer`` / ``heat_layer`` and ``json.dumps`` of the answer (what
the API sends). Baseline: the naive query: every open case (or every case of the range) in
the box, its number, position, status, category and report time, as a list of dicts in
JSON, what a page drawing the points itself would fetch; without the light, which costs
the naive side nothing here.

Before anything is timed, for every scenario the cells' counts add up to the baseline's
number of points (stops on a difference). The result line: value = CityOps p95 in ms over
all requests, baseline = the naive p95, ratio = baseline / value (target: p95 <= 200 ms).
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import shutil
import statistics
import tempfile
import time
from datetime import datetime, timedelta

from _common import emit

NAME = "map"
DEFAULT_SIZE = 200_000
NOW = datetime.fromisoformat("2026-06-01T10:00:00+08:00")  # a Monday morning
YEAR_SECONDS = 365 * 86400


def _open_share(age_days: float) -> float:
    if age_days < 1:
        return 0.6
    if age_days < 3:
        return 0.2
    if age_days < 5:
        return 0.05
    return 0.001


def load_cases(size: int, seed: int) -> dict:
    """COPY ``size`` cases (and the tasks of the dispatched ones); counts by status."""
    from django.db import connection

    from areas.models import UnitGrid
    from catalog.models import Category
    from org.models import Department

    generator = importlib.import_module("import")
    rng = random.Random(seed)
    from core.spatial import grid_index

    points = generator.grid_points(rng)
    # Before the COPY: the index checks the database, which a connection in COPY cannot.
    located = grid_index.locate_many([p[0] for p in points], [p[1] for p in points])
    grid_of = dict(zip(points, (int(g) for g in located), strict=True))

    grids = {g.pk: g for g in UnitGrid.objects.all()}
    categories = list(Category.objects.filter(is_active=True).values_list("pk", flat=True))
    departments = list(Department.objects.values_list("pk", flat=True))
    now = NOW.timestamp()
    cols = (
        "number, source, source_ref, trusted, status, version, priority, description, lon, lat, "
        "grid_id, area_path, area_class, address, reporter_name, reporter_phone, "
        "reporter_email, reported_at, dispatch_round, returned_count, needs_fallback, "
        "rework_count, created_at, updated_at, category_id, verify_finding, dispatched_at"
    )
    counts = {"closed": 0, "reported": 0, "filed": 0, "dispatched": 0}
    dispatched = []  # (number, reported epoch)
    stamp = time.perf_counter()
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY cases_case ({cols}) FROM STDIN") as copy:
            for i in range(size):
                age = rng.random() * YEAR_SECONDS
                at = now - age
                if rng.random() < _open_share(age / 86400):
                    roll = rng.random()
                    status = "dispatched" if roll < 0.7 else "filed" if roll < 0.85 else "reported"
                else:
                    status = "closed"
                counts[status] += 1
                lon, lat = points[rng.randrange(len(points))]
                gid = grid_of[(lon, lat)]
                grid = grids[gid]
                when = datetime.fromtimestamp(at, NOW.tzinfo)
                number = f"M{i:09d}"
                if status == "dispatched":
                    dispatched.append((number, at))
                copy.write_row(
                    (number, "hotline", "", True, status, 1, "normal", "", lon, lat, gid,
                     grid.path, grid.area_class, "", "", "", "", when, 1 if status == "dispatched"
                     else 0, 0, False, 0, when, when, rng.choice(categories), "",
                     when + timedelta(hours=1) if status == "dispatched" else None)
                )  # fmt: skip
        cursor.execute(
            "SELECT id, number FROM cases_case WHERE status = 'dispatched' ORDER BY number"
        )
        ids = dict((n, pk) for pk, n in cursor.fetchall())
        tcols = (
            "case_id, department_id, round, is_lead, status, time_limit, time_unit, extended, "
            "started_at, deadline_at, paused_seconds, rework_count, extension_reason, "
            "warned_at, created_at, updated_at"
        )
        with cursor.cursor.copy(f"COPY cases_task ({tcols}) FROM STDIN") as copy:
            for number, at in dispatched:
                start = datetime.fromtimestamp(at + 3600, NOW.tzinfo)
                deadline = start + timedelta(hours=rng.choice((4, 8, 24, 48, 72)))
                warned = (
                    deadline - timedelta(hours=1) if deadline < NOW + timedelta(hours=2) else None
                )
                copy.write_row(
                    (ids[number], rng.choice(departments), 1, True, "accepted", 4, "urgent_hour",
                     0, start, deadline, 0, 0, "", warned, start, start)
                )  # fmt: skip
        # Every closed case had its task too, as in a real database: the light's EXISTS over
        # the open tasks must find them among millions.
        cursor.execute(
            f"INSERT INTO cases_task ({tcols}, disposed_at) "
            "SELECT id, %s, 1, true, 'disposed', 4, 'urgent_hour', 0, reported_at, "
            "reported_at + interval '4 hours', 0, 0, '', NULL, reported_at, reported_at, "
            "reported_at + interval '3 hours' FROM cases_case WHERE status = 'closed'",
            [departments[0]],
        )
        # As autovacuum leaves a table that has settled: statistics and the visibility map.
        cursor.execute("VACUUM ANALYZE cases_case")
        cursor.execute("VACUUM ANALYZE cases_task")
    print(f"loaded {size:,} cases ({counts}) in {time.perf_counter() - stamp:.1f} s")
    return counts


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]


def naive(user, box, *, since, category=None, open_only):
    """Every point in the box as a page would fetch it to draw (and cluster) them itself."""
    from cases.api_selectors import visible_cases
    from cases.states import FINAL_CASE_STATUSES

    qs = visible_cases(user).filter(box.q())
    if open_only:
        qs = qs.exclude(status__in=FINAL_CASE_STATUSES)
    if since is not None:
        qs = qs.filter(reported_at__gte=since)
    if category:
        qs = qs.filter(category__major_code=category)
    rows = list(
        qs.order_by().values("number", "lon", "lat", "status", "category_id", "reported_at")
    )
    return json.dumps(rows, default=str), len(rows)


def scenarios(rng: random.Random):
    """(name, box, zoom, layer, range, category) as a leader's screen asks for them."""
    from areas.models import AdminArea, AreaLevel, UnitGrid
    from web.map_layers import Box

    def box_of(area):
        xs, ys = [], []

        def walk(c):
            if c and isinstance(c[0], (int, float)):
                xs.append(c[0])
                ys.append(c[1])
            else:
                for x in c:
                    walk(x)

        walk(area.boundary["coordinates"])
        return Box(min(xs), min(ys), max(xs), max(ys))

    city = AdminArea.objects.get(level=AreaLevel.CITY)
    out = [
        ("city z11 open", box_of(city), 11, "cases", "all", ""),
        ("city z11 heat 7d", box_of(city), 11, "heat", "7d", ""),
        ("city z11 heat 30d", box_of(city), 11, "heat", "30d", ""),
        ("city z12 heat 30d 01", box_of(city), 12, "heat", "30d", "01"),
    ]
    for d in AdminArea.objects.filter(level=AreaLevel.DISTRICT).order_by("code"):
        out.append((f"{d.name} z13 open", box_of(d), 13, "cases", "all", ""))
        out.append((f"{d.name} z13 heat 30d", box_of(d), 13, "heat", "30d", ""))
    grids = list(UnitGrid.objects.values_list("centroid_lon", "centroid_lat"))
    for zoom, half in ((15, 0.012), (16, 0.006)):
        for k in range(4):
            lon, lat = grids[rng.randrange(len(grids))]
            box = Box(lon - half * 1.6, lat - half, lon + half * 1.6, lat + half)
            out.append((f"street z{zoom} open #{k}", box, zoom, "cases", "all", ""))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    generator = importlib.import_module("import")
    workdir = tempfile.mkdtemp(prefix="cityops-bench-map-")
    maintenance, dbname = generator.demo_city_database(workdir, args.seed)
    try:
        from django.contrib.auth import get_user_model

        from web import map_layers as layers

        load_cases(args.size, args.seed)
        leader = get_user_model().objects.get(username="leader")
        rng = random.Random(args.seed)
        plan = scenarios(rng)

        def ours(s):
            name, box, zoom, layer, range_, category = s
            since = layers.since_of(range_, NOW)
            kind = "event" if category else None
            if layer == "cases":
                body = layers.cases_layer(leader, box, zoom, since=since, now=NOW)
            else:
                body = layers.heat_layer(
                    leader, box, zoom, since=since, category=category, kind=kind
                )
            return json.dumps(body), body

        def theirs(s):
            name, box, zoom, layer, range_, category = s
            since = layers.since_of(range_, NOW)
            return naive(leader, box, since=since, category=category, open_only=layer == "cases")

        for s in plan:  # the same cases on both sides
            _text, body = ours(s)
            n = sum(c["n"] for c in body["cells"]) + len(body.get("points", []))
            _text, expected = theirs(s)
            if n != expected and not s[5]:
                raise SystemExit(f"{s[0]}: the layer counts {n}, the naive query {expected}")
            print(f"{s[0]:<24} {expected:>8,} points -> {len(body['cells']):>5} cells "
                  f"{len(body.get('points', [])):>5} points")  # fmt: skip
        mine, naive_times = [], []
        for _ in range(args.repeat):
            for s in plan:
                t = time.perf_counter()
                ours(s)
                mine.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                theirs(s)
                naive_times.append((time.perf_counter() - t) * 1000)
        by_name = {}
        for i, s in enumerate(plan * args.repeat):
            by_name.setdefault(s[0], []).append(mine[i])
        for name, times in by_name.items():
            print(f"{name:<24} p95 {_p95(times):7.1f} ms")
        p95, base = _p95(mine), _p95(naive_times)
        print(f"CityOps p95 {p95:.1f} ms, naive p95 {base:.1f} ms over {len(mine)} requests")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if not args.keep:
            generator.drop_database(maintenance, dbname)
        else:
            print(f"kept database {dbname}")
    emit(bench=NAME, value=p95, unit="ms", baseline=base, n=args.size)


if __name__ == "__main__":
    main()
