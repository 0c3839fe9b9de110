"""Bench: historical import of hotline cases vs PostgreSQL ``COPY`` of the same rows.

    .venv/bin/python bench/import.py [--size 2600000] [--batch-size 20000] [--seed 1] [--keep]

Data: the bench creates its own PostgreSQL database (``cityops_bench_import_<pid>`` on the
server of DATABASE_URL, default postgres://postgres@127.0.0.1:5432), migrates it, seeds the demo
city (``demo.services.seed_demo``: ~2,100 grids, departments; its few demo cases removed) and writes
a 12345-style export CSV of ``--size`` finished cases (deterministic seed): one Ningbo year (2025), sorted by
call time, sources 12345 / 110 非警务 / 81890, the categories that have a filing standard, a point
inside a random grid, a random department; 97 % closed (half with a 核查开始 time, a tenth
without 接收 time, which is then inferred), 3 % voided. Var files go to a temporary directory.

CityOps side: ``hotline.services.import_file(historical=True)`` on that CSV, timed from opening
the file to the last commit: reading and checking every row, vectorised point -> grid, skipping
already-imported work orders, case numbers, working-time deadlines, and COPY of the Case,
Task, CaseEvent and IntakeReport rows (+ the daily case-number sequences), and the evaluation
facts of every case and task with what they add to the rollups (issue 14).

Baseline: exactly the rows CityOps wrote (dumped with ``COPY ... TO`` afterwards, then the
tables truncated), loaded again with ``COPY ... FROM STDIN`` into the same tables (same indexes
and constraints), in as many transactions per table as CityOps had batches. Both sides count
cases per second ("rows" = cases; each brings ~8 events, a task and an intake record).

Target (DESIGN.md): CityOps >= 50 % of COPY (ratio >= 0.5).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from _common import ROOT, emit

NAME = "import"
DEFAULT_SIZE = 2_600_000
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
YEAR = 2025
LOCAL = ZoneInfo("Asia/Shanghai")
POINTS_PER_GRID = 48
VOIDED_SHARE = 0.03
SOURCES = (("12345", 0.80), ("110非警务", 0.15), ("81890", 0.05))
HEADER = [
    "工单编号", "来电类型", "状态", "分类代码", "诉求内容", "地址", "经度", "纬度", "紧急程度",
    "处置部门代码", "来电人", "联系电话", "来电时间", "核实时间", "立案时间", "派遣时间",
    "接收时间", "处置时间", "核查开始时间", "核查通过时间", "结案时间", "作废时间", "作废原因",
    "处置情况",
]  # fmt: skip
TABLE_ORDER = (
    "cases_casesequence",
    "cases_case",
    "cases_task",
    "cases_caseevent",
    "intake_intakereport",
    "evaluation_taskfact",
    "evaluation_casefact",
    "evaluation_departmentrollup",
    "evaluation_regionrollup",
    "evaluation_categoryrollup",
)


# --- the database -------------------------------------------------------------------------------


def _server():
    """The PostgreSQL server of DATABASE_URL (its parts), or the default one."""
    configured = os.environ.get("DATABASE_URL", "")
    server = configured if configured.startswith(("postgres://", "postgresql://")) else ""
    return urlsplit(server or DEFAULT_SERVER)


def create_database() -> tuple[str, str, str]:
    """(DATABASE_URL of a new database, maintenance URL, its name)."""
    import psycopg

    parts = _server()
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    name = f"cityops_bench_import_{os.getpid()}"
    with psycopg.connect(maintenance.replace("postgres://", "postgresql://"), autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}")), maintenance, name


def demo_city_database(workdir: str, seed: int) -> tuple[str, str]:
    """A new database, migrated, with the demo city and no cases, Django set up on it and its
    var files in ``workdir``; (maintenance URL, database name) for ``drop_database``."""
    url, maintenance, dbname = create_database()
    _set_up_django(url, workdir)
    from django.core.management import call_command

    from demo.services import seed_demo

    stamp = time.perf_counter()
    call_command("migrate", verbosity=0)
    seed_demo(seed=seed, cases=0)
    truncate()  # the demo's story cases: benches count exactly the rows they load
    print(f"database {dbname}: migrated and seeded in {time.perf_counter() - stamp:.1f} s")
    return maintenance, dbname


def kept_database(name: str, workdir: str) -> None:
    """Django set up on a database an earlier run kept (``--keep``), with that run's var files,
    migrated to the code's migrations: measure again after a change without building the data
    again."""
    parts = _server()
    _set_up_django(urlunsplit(parts._replace(path=f"/{name}")), workdir)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _set_up_django(url: str, workdir: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["CITYOPS_VAR_DIR"] = os.path.join(workdir, "var")  # demo credentials, media
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "cityops.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def import_year(workdir: str, size: int, seed: int, *, bench: str) -> float:
    """For the benches built on this one's data: ``size`` finished cases of the year written by
    ``write_export`` and loaded by the historical import into the database ``demo_city_database``
    set up; the import's seconds. A shortfall stops the bench."""
    from hotline import services

    export = os.path.join(workdir, f"hotline-{YEAR}.csv")
    write_export(export, size, seed)
    began = time.perf_counter()
    run = services.import_file(path=export, historical=True, batch_size=20_000)
    if run.created != size:
        raise SystemExit(f"{bench}: imported {run.created} of {size}")
    return time.perf_counter() - began


def finish(maintenance: str, name: str, workdir: str, *, keep: bool) -> None:
    """The end of a bench on ``demo_city_database``: drop the database and the work files, or
    (``--keep``) say where they are."""
    if keep:
        print(f"kept database {name} and {workdir}")
        return
    from django.db import connections

    connections.close_all()
    drop_database(maintenance, name)
    shutil.rmtree(workdir, ignore_errors=True)


def drop_database(maintenance: str, name: str) -> None:
    import psycopg

    with psycopg.connect(maintenance.replace("postgres://", "postgresql://"), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the export file ----------------------------------------------------------------------------


def grid_points(rng: random.Random) -> list[tuple[float, float]]:
    """Points strictly inside the demo grids (each checked against the point -> grid index)."""
    import numpy as np
    import shapely
    from shapely.geometry import shape

    from areas.models import UnitGrid
    from core.spatial import grid_index

    pool: list[tuple[float, float]] = []
    for pk, polygon in UnitGrid.objects.filter(is_active=True).values_list("pk", "polygon"):
        geom = shape(polygon)
        x0, y0, x1, y1 = geom.bounds
        xs = np.array([rng.uniform(x0, x1) for _ in range(POINTS_PER_GRID * 4)])
        ys = np.array([rng.uniform(y0, y1) for _ in range(POINTS_PER_GRID * 4)])
        inside = shapely.contains_xy(geom, xs, ys)
        # Rounded as the file writes them, then checked: rounding may cross a grid edge.
        xs, ys = xs[inside][:POINTS_PER_GRID].round(6), ys[inside][:POINTS_PER_GRID].round(6)
        ok = grid_index.locate_many(xs, ys) == pk
        pool.extend(zip(xs[ok].tolist(), ys[ok].tolist(), strict=True))
    return pool


class Clock:
    """Local "YYYY-MM-DD HH:MM:SS" text of epoch seconds, fast (one strftime per day)."""

    def __init__(self) -> None:
        self.days: dict[int, str] = {}

    def text(self, epoch: int) -> str:
        local = epoch + 8 * 3600  # Asia/Shanghai has no daylight saving
        day, sec = divmod(local, 86400)
        prefix = self.days.get(day)
        if prefix is None:
            prefix = self.days[day] = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d ")
        h, rest = divmod(sec, 3600)
        m, s = divmod(rest, 60)
        return f"{prefix}{h:02d}:{m:02d}:{s:02d}"


def write_export(path: str, size: int, seed: int) -> None:
    """The hotline export: ``size`` finished cases of one year, sorted by call time."""
    from catalog.models import FilingStandard
    from org.models import Department

    rng = random.Random(seed)
    categories = sorted(
        {f"{k}:{c}" for k, c in FilingStandard.objects.filter(is_active=True).values_list(
            "category__kind", "category__code")}
    )  # fmt: skip
    departments = list(Department.objects.order_by("code").values_list("code", flat=True))
    points = grid_points(rng)
    start = int(datetime(YEAR, 1, 1, tzinfo=LOCAL).timestamp())
    span = int(datetime(YEAR + 1, 1, 1, tzinfo=LOCAL).timestamp()) - start - 10 * 86400
    calls = sorted(rng.randrange(span) for _ in range(size))
    clock = Clock()
    names, weights = zip(*SOURCES, strict=True)
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for i, offset in enumerate(calls):
            t = start + offset
            lon, lat = points[rng.randrange(len(points))]
            source = rng.choices(names, weights)[0]
            category = categories[rng.randrange(len(categories))]
            verified = t + rng.randrange(300, 7200)
            filed = verified + rng.randrange(60, 1800)
            times = [t, verified, filed]
            if rng.random() < VOIDED_SHARE:
                row_tail = ["", "", "", "", "", ""]
                voided = clock.text(filed + rng.randrange(60, 3600))
                status, dept, note = "作废", "", ""
                times_text = [clock.text(x) for x in times] + row_tail + [voided, "不属于受理范围"]
            else:
                dispatched = filed + rng.randrange(60, 3600)
                accepted = dispatched + rng.randrange(60, 7200)
                disposed = accepted + rng.randrange(1800, 5 * 86400)
                started = disposed + rng.randrange(600, 86400)
                passed = started + rng.randrange(600, 7200)
                closed = passed + rng.randrange(300, 86400)
                status, dept, note = "结案", departments[rng.randrange(len(departments))], "已处置"
                times_text = [clock.text(x) for x in times] + [
                    clock.text(dispatched),
                    "" if rng.random() < 0.1 else clock.text(accepted),
                    clock.text(disposed),
                    clock.text(started) if rng.random() < 0.5 else "",
                    clock.text(passed),
                    clock.text(closed),
                    "",
                    "",
                ]
            writer.writerow(
                [f"NB{YEAR}{i:08d}", source, status, category, f"市民反映：第{i}号井盖缺失",
                 f"宁波市海曙区测试路{i % 997}号", lon, lat, "紧急" if i % 20 == 0 else "一般",
                 dept, "张先生", f"138{i % 100000000:08d}", *times_text, note]
            )  # fmt: skip


# --- the two sides ------------------------------------------------------------------------------


def counts(cursor) -> dict[str, int]:
    found = {}
    for table in TABLE_ORDER:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
        found[table] = cursor.fetchone()[0]
    return found


def columns_of() -> dict[str, tuple[str, ...]]:
    """The columns CityOps writes per table (the baseline loads exactly these)."""
    from evaluation.models import CategoryRollup, DepartmentRollup, RegionRollup
    from hotline.historical.rows import CASE, CASE_FACT, EVENT, INTAKE, TASK, TASK_FACT

    def every_column(model) -> tuple[str, ...]:
        return tuple(f.column for f in model._meta.concrete_fields if not f.primary_key)

    return {
        "cases_casesequence": ("day", "last"),
        "cases_case": CASE.columns,
        "cases_task": TASK.columns,
        "cases_caseevent": EVENT.columns,
        "intake_intakereport": INTAKE.columns,
        "evaluation_taskfact": TASK_FACT.columns,
        "evaluation_casefact": CASE_FACT.columns,
        # the evaluation's sums as they stand after the import (it adds to them batch by batch)
        **{
            m._meta.db_table: every_column(m)
            for m in (DepartmentRollup, RegionRollup, CategoryRollup)
        },
    }


def dump(workdir: str, batches: int) -> dict[str, tuple[str, tuple[str, ...], list[int]]]:
    """Each table's rows to a file (text COPY format), and byte offsets splitting it into
    ``batches`` chunks of equal row counts (one COPY transaction each in the baseline)."""
    from django.db import connection

    files = {}
    with connection.cursor() as cursor:
        for table, cols in columns_of().items():
            path = os.path.join(workdir, f"{table}.copy")
            names = ", ".join(f'"{c}"' for c in cols)
            order = "day" if table == "cases_casesequence" else "id"
            with open(path, "wb") as out:
                sql = f"COPY (SELECT {names} FROM {table} ORDER BY {order}) TO STDOUT"  # noqa: S608
                with cursor.cursor.copy(sql) as copy:
                    for data in copy:
                        out.write(data)
            files[table] = (path, cols, _offsets(path, batches))
    return files


def _offsets(path: str, batches: int) -> list[int]:
    with open(path, "rb") as f:
        ends, pos = [], 0
        for line in f:
            pos += len(line)
            ends.append(pos)
    if not ends:
        return [0]
    per = max(1, -(-len(ends) // max(1, batches)))
    return [0, *(ends[min(i + per, len(ends)) - 1] for i in range(0, len(ends), per))]


def truncate() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(TABLE_ORDER)} CASCADE")


def baseline(files) -> float:
    """COPY the dumped rows back: parents before children, one transaction per chunk."""
    from django.db import connection, transaction

    began = time.perf_counter()
    for table in TABLE_ORDER:
        path, cols, offsets = files[table]
        names = ", ".join(f'"{c}"' for c in cols)
        with open(path, "rb") as f:
            for lo, hi in zip(offsets, offsets[1:], strict=False):
                data = f.read(hi - lo)
                with transaction.atomic(), connection.cursor() as cursor:
                    with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                        copy.write(data)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE, help="cases (default 2.6 M)")
    parser.add_argument("--batch-size", type=int, default=20_000, help="cases per batch")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database and files")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="cityops-bench-import-")
    maintenance, dbname = demo_city_database(workdir, args.seed)
    try:
        from django.db import connection

        from hotline import services

        export = os.path.join(workdir, "hotline-2025.csv")
        stamp = time.perf_counter()
        write_export(export, args.size, args.seed)
        size_mb = os.path.getsize(export) / 1e6
        print(
            f"export: {args.size:,} cases, {size_mb:,.0f} MB, in {time.perf_counter() - stamp:.1f} s"
        )

        began = time.perf_counter()
        run = services.import_file(path=export, historical=True, batch_size=args.batch_size)
        ours = time.perf_counter() - began
        print(f"CityOps: {services.summary(run)}")
        if run.created != args.size or run.rejected:
            for rejection in run.rejections.all()[:10]:
                print(f"  line {rejection.line}: {rejection.reason}")
            raise SystemExit(f"{NAME}: expected {args.size} cases created and none rejected")
        with connection.cursor() as cursor:
            written = counts(cursor)
        rows = sum(v for k, v in written.items() if k != "cases_casesequence")
        print(f"CityOps wrote {written} ({rows:,} rows) in {ours:.1f} s")

        batches = -(-args.size // args.batch_size)
        files = dump(workdir, batches)
        truncate()
        theirs = baseline(files)
        with connection.cursor() as cursor:
            copied = counts(cursor)
        if copied != written:
            raise SystemExit(f"{NAME}: COPY loaded {copied}, CityOps wrote {written}")
        print(f"COPY of the same rows: {theirs:.1f} s ({rows / theirs:,.0f} rows/s)")
        print(
            f"CityOps {args.size / ours:,.0f} cases/s ({rows / ours:,.0f} rows/s), "
            f"COPY {args.size / theirs:,.0f} cases/s: ratio {theirs / ours:.2f} (target >= 0.5)"
        )
        connection.close()
    finally:
        if not args.keep:
            drop_database(maintenance, dbname)
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept database {dbname} and {workdir}")
    emit(
        bench=NAME, value=args.size / ours, unit="cases/s", baseline=args.size / theirs, n=args.size
    )


if __name__ == "__main__":
    main()
