"""Bench: N cases report -> close through ``cases.services`` vs the same rows as raw SQL.

    .venv/bin/python bench/lifecycle.py [--size 2000] [--workers 2] [--rounds 5]
        [--database postgresql|sqlite] [--no-hooks] [--server-side-binding] [--async-commit]
        [--profile 0] [--keep]

Data: the bench creates its own database (PostgreSQL: ``cityops_bench_<pid>`` on the server of
DATABASE_URL, default postgres://postgres@127.0.0.1:5432; ``--database sqlite``: a file in a
temporary directory), migrates it, seeds a minimal city (one city -> district -> street ->
community with four grids, a roads department, one inspector, shift leader, dispatcher and
disposer, a 4 工作时 filing standard) and drops it at the end (``--keep`` keeps it).

CityOps side: each case goes through the services every interface calls, with all their checks:
``case_report`` (trusted inspector source) -> ``case_file`` -> ``case_dispatch`` (one department)
-> ``task_accept`` -> ``task_dispose`` with an after-photo -> ``case_start_check`` ->
``case_check_pass`` -> ``case_close``: eight transactions, eight CaseEvent rows. The after-photo
is the smallest upload the services accept: an 8 x 8 PNG, still sniffed, size/pixel checked,
re-encoded without metadata and written to MEDIA_ROOT (a temporary directory) with its thumbnail.
The bench keeps the instances a move returns for the next move (as ``cases/tests`` ``flow``
does); it does not re-read the case from the database before each move as a request would.

Baseline (``bench/_lifecycle_raw.py``): the same rows (case, task, evidence, eight events, the
sequence bump and the same updates) as raw SQL through the DB-API driver, in the same eight
transactions per case, with no reads, checks, image work or files.

Both sides run single-threaded, then (``--workers W`` > 1) in W processes that each drive their
own cases; the result line reports the W-process run (or the single one with ``--workers 1``).
The sides take turns in ``--rounds`` slices so that load from elsewhere on the machine hits both
alike. Every run is verified (all its cases closed, 8 events, 1 task, 1 evidence row each)
before any number is printed. After-commit subscribers of ``cases.hooks`` (notify, iot, ...)
run as in production unless ``--no-hooks``. ``--server-side-binding`` and ``--async-commit``
(``synchronous_commit=off``, both sides) show what a PostgreSQL setting would change.
``--profile N`` profiles N more CityOps cases with cProfile (CPU time) afterwards.

Target (DESIGN.md): >= 1,000 cases/s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import multiprocessing as mp
import os
import pstats
import time
from collections import defaultdict

from _common import (  # also puts the project root on sys.path
    BenchDatabase,
    City,
    bench_database,
    emit,
    seed_city,
    setup_django,
)
from _lifecycle_raw import MOVES_PER_CASE, Driver, RawLifecycle, Refs

NAME = "lifecycle"
WARMUP_CASES = 20
MOVES = (
    "report",
    "file",
    "dispatch",
    "accept",
    "dispose",
    "start_check",
    "check_pass",
    "close",
)


# --- the database and the city (bench/_common.py) ------------------------------------


def raw_driver(db: BenchDatabase) -> Driver:
    if db.vendor == "postgresql":
        return Driver(vendor="postgresql", url=db.url.replace("postgres://", "postgresql://"))
    from django.conf import settings

    options = settings.DATABASES["default"].get("OPTIONS", {})
    return Driver(vendor="sqlite", path=db.path, init_sql=options.get("init_command", ""))


def refs_of(city: City) -> Refs:
    grid = city.grids[0]
    return Refs(
        grid_id=grid.pk,
        area_path=grid.path,
        area_class=grid.area_class,
        lon=grid.centroid_lon,
        lat=grid.centroid_lat,
        standard_id=city.standard.pk,
        category_id=city.standard.category_id,
        department_id=city.department.pk,
        inspector_id=city.inspector.pk,
        leader_id=city.leader.pk,
        dispatcher_id=city.dispatcher.pk,
        disposer_id=city.disposer.pk,
    )


def hook_subscribers(*, muted: bool) -> str:
    """Who listens to case moves (they run after each commit, so they are part of the cost)."""
    from cases import hooks

    found = sorted(
        f"{action}: {fn.__module__}.{fn.__qualname__}"
        for action, fns in hooks.subscribers().items()
        for fn in fns
    )
    if muted:
        return f"none (--no-hooks: cases.hooks.muted() around every case, {len(found)} silenced)"
    return ", ".join(found) or "none"


# --- the two sides ------------------------------------------------------------------------


def tiny_png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 40)).save(buf, "PNG")
    return buf.getvalue()


class CityOpsLifecycle:
    """One case report -> close through ``cases.services`` (what every interface calls)."""

    def __init__(
        self, city: City, photo: bytes, *, timed: bool = False, muted: bool = False
    ) -> None:
        self.city = city
        self.photo = photo
        self.timed = timed
        self.muted = muted
        self.move_seconds: dict[str, float] = defaultdict(float)
        self.move_cpu: dict[str, float] = defaultdict(float)

    def run_case(self, i: int) -> None:
        from cases import hooks

        if not self.muted:
            self._run_case(i)
            return
        with hooks.muted():
            self._run_case(i)

    def _run_case(self, i: int) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        from cases import services
        from cases.services.reporting import case_report  # the case's own door, below intake
        from cases.states import SourceChannel

        c = self.city
        grid = c.grids[i % len(c.grids)]
        clock = self._clock()
        case = case_report(
            actor=c.inspector,
            source=SourceChannel.INSPECTOR,
            description=f"Manhole cover missing outside No. {i}",
            grid=grid,
            lon=grid.centroid_lon,
            lat=grid.centroid_lat,
        )
        clock("report")
        services.case_file(case=case, actor=c.leader, standard=c.standard)
        clock("file")
        [task] = services.case_dispatch(case=case, actor=c.dispatcher, departments=[c.department])
        clock("dispatch")
        services.task_accept(task=task, actor=c.disposer)
        clock("accept")
        photo = SimpleUploadedFile("after.png", self.photo, content_type="image/png")
        services.task_dispose(task=task, actor=c.disposer, photos=[photo])
        clock("dispose")
        services.case_start_check(case=case, actor=c.inspector)
        clock("start_check")
        services.case_check_pass(case=case, actor=c.inspector)
        clock("check_pass")
        services.case_close(case=case, actor=c.leader)
        clock("close")

    def _clock(self):
        if not self.timed:
            return lambda move: None
        last = [time.perf_counter(), time.process_time()]

        def lap(move: str) -> None:
            now, cpu = time.perf_counter(), time.process_time()
            self.move_seconds[move] += now - last[0]
            self.move_cpu[move] += cpu - last[1]
            last[:] = now, cpu

        return lap


def _drive(make_side, start: int, count: int) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds of this process) for ``count`` cases."""
    side = make_side()
    began, cpu = time.perf_counter(), time.process_time()
    for i in range(start, start + count):
        side.run_case(i)
    return time.perf_counter() - began, time.process_time() - cpu


def _child(make_side, start, count, barrier, results) -> None:
    side = make_side()
    side.run_case(-1 - start)  # opens the connection and warms this process (not counted)
    barrier.wait()
    began = time.perf_counter()
    for i in range(start, start + count):
        side.run_case(i)
    results.put((began, time.perf_counter()))


def run(make_side, *, count: int, workers: int, start: int) -> tuple[float, float | None]:
    """Wall seconds for ``count`` cases over ``workers`` processes, and (one process only) the
    CPU seconds spent in this Python process (the rest is waiting for the database)."""
    from django.db import connections

    if workers <= 1:
        return _drive(make_side, start, count)
    connections.close_all()  # children must not share the parent's socket
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(workers), ctx.Queue()
    shares = [count // workers + (1 if w < count % workers else 0) for w in range(workers)]
    procs, offset = [], start
    for share in shares:
        procs.append(ctx.Process(target=_child, args=(make_side, offset, share, barrier, results)))
        offset += share
    for p in procs:
        p.start()
    spans = [results.get() for _ in procs]
    for p in procs:
        p.join()
        if p.exitcode:
            raise SystemExit(f"{NAME}: a worker failed (exit status {p.exitcode})")
    return max(e for _, e in spans) - min(b for b, _ in spans), None


def verify(label: str, after_pk: int, expected: int) -> int:
    """All cases created after ``after_pk`` closed with a full trail; returns the last pk."""
    from django.db.models import Count, Max

    from cases.models import Case, CaseEvent, Evidence, Task
    from cases.states import CaseStatus

    cases = Case.objects.filter(pk__gt=after_pk)
    found = cases.aggregate(n=Count("pk"), last=Max("pk"))
    closed = cases.filter(status=CaseStatus.CLOSED).count()
    events = CaseEvent.objects.filter(case_id__gt=after_pk).count()
    tasks = Task.objects.filter(case_id__gt=after_pk).count()
    evidence = Evidence.objects.filter(case_id__gt=after_pk).count()
    want = (expected, expected, MOVES_PER_CASE * expected, expected, expected)
    got = (found["n"], closed, events, tasks, evidence)
    if got != want:
        raise SystemExit(
            f"{NAME}: {label} left (cases, closed, events, tasks, evidence) = {got}, "
            f"expected {want}"
        )
    return found["last"] or after_pk


def last_case_pk() -> int:
    from cases.models import Case

    return Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def profile(make_side, count: int, start: int) -> None:
    side = make_side()
    # CPU time, not wall time: waits for the database are in the per-move table already, and on
    # a shared machine they mostly measure the neighbours.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for i in range(start, start + count):
        side.run_case(i)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)
    print(f"--- cProfile (CPU time) of {count} CityOps cases, profiler overhead included")
    print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=2000, help="cases per run (default 2,000)")
    parser.add_argument(
        "--workers", type=int, default=2, help="processes for the parallel run (1 = none)"
    )
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument(
        "--rounds", type=int, default=5, help="slices in which the two sides take turns"
    )
    parser.add_argument(
        "--async-commit",
        action="store_true",
        help="PostgreSQL: synchronous_commit=off for the bench database (both sides): commits "
        "stop waiting for the WAL flush, which shows the CPU-bound rate; not durable",
    )
    parser.add_argument("--profile", type=int, default=0, help="cProfile N more CityOps cases")
    parser.add_argument(
        "--server-side-binding",
        action="store_true",
        help="PostgreSQL: Django's OPTIONS server_side_binding (psycopg prepares repeated queries)",
    )
    parser.add_argument(
        "--no-hooks",
        action="store_true",
        help="run every case inside cases.hooks.muted() (measure the case services alone)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()

    with bench_database(args.database, keep=args.keep, async_commit=args.async_commit) as (
        db,
        workdir,
    ):
        _bench(args, db, workdir)


def _bench(args, db: BenchDatabase, workdir: str) -> None:
    started = time.perf_counter()
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    if args.server_side_binding and db.vendor == "postgresql":
        settings.DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
    settings.MEDIA_ROOT = os.path.join(workdir, "media")
    # Bench users only; the production hasher would spend ~0.3 s on each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    city = seed_city()
    photo = tiny_png()
    subscribers = hook_subscribers(muted=args.no_hooks)
    print(
        f"database: {db.vendor} {db.name or db.path}, migrated and seeded in "
        f"{time.perf_counter() - started:.1f}s; after-photo: {len(photo)}-byte 8x8 PNG; "
        f"server-side binding: {bool(args.server_side_binding and db.vendor == 'postgresql')}"
    )
    print(f"after-commit subscribers of cases.hooks: {subscribers}")
    if db.vendor == "postgresql":
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            print(f"synchronous_commit: {cursor.fetchone()[0]}")

    refs = refs_of(city)

    def ours():
        return CityOpsLifecycle(city, photo, muted=args.no_hooks)

    def raw():
        return RawLifecycle(raw_driver(db), refs, photo_size=len(photo))

    # Warm both paths (calendar cache, first day's sequence row, imports, plans).
    next_i = 0
    for make in (ours, raw):
        run(make, count=WARMUP_CASES, workers=1, start=next_i)
        next_i += WARMUP_CASES

    mark = last_case_pk()
    results: dict[int, tuple[float, float]] = {}
    modes = [1] if args.workers <= 1 else [1, args.workers]
    sides = (("baseline raw SQL", raw), ("CityOps services", ours))
    rounds = max(1, min(args.rounds, args.size))
    for workers in modes:
        # The sides take turns in ``rounds`` slices, so a change of load on the (shared) machine
        # or of the database's commit latency during the run hits both alike.
        spent = {label: [0.0, 0.0] for label, _ in sides}
        for r in range(rounds):
            count = args.size // rounds + (1 if r < args.size % rounds else 0)
            for label, make in sides:
                seconds, cpu = run(make, count=count, workers=workers, start=next_i)
                next_i += count + workers
                spent[label][0] += seconds
                spent[label][1] += cpu or 0.0
        extra = 0 if workers == 1 else workers * rounds  # each child warms up on one case
        mark = verify(f"x{workers}", mark, len(sides) * (args.size + extra))
        rates = {}
        for label, (seconds, cpu) in spent.items():
            rates[label] = args.size / seconds
            cpu_note = f" (Python CPU {cpu / args.size * 1000:.2f} ms/case)" if cpu else ""
            print(
                f"{label:>17} x{workers} process{'es' if workers > 1 else ''}: "
                f"{args.size:,} cases in {seconds:.2f}s = {rates[label]:,.0f} cases/s{cpu_note}"
            )
        results[workers] = (rates["CityOps services"], rates["baseline raw SQL"])
        print(f"  ratio CityOps / baseline: {results[workers][0] / results[workers][1]:.3f}")

    per_move = CityOpsLifecycle(city, photo, timed=True, muted=args.no_hooks)
    sample = min(args.size, 500)
    run(lambda: per_move, count=sample, workers=1, start=next_i)
    next_i += sample
    print(f"CityOps per move (single process, {sample} cases), ms wall / ms Python CPU:")
    for move in (*MOVES, None):
        wall = per_move.move_seconds[move] if move else sum(per_move.move_seconds.values())
        cpu = per_move.move_cpu[move] if move else sum(per_move.move_cpu.values())
        print(f"  {move or 'total':>12} {wall / sample * 1000:6.2f} / {cpu / sample * 1000:5.2f}")

    if args.profile:
        profile(ours, args.profile, next_i)

    headline = max(modes)
    value, baseline = results[headline]
    print(
        f"target: >= 1,000 cases/s on PostgreSQL; result line: {headline} process(es), {db.vendor}"
    )
    emit(bench=NAME, value=value, unit="cases/s", baseline=baseline, n=args.size)


if __name__ == "__main__":
    main()
