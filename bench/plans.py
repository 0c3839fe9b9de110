"""Bench: one day's work orders of planned work (plans.scheduler.generate) for ``--size`` plan
items, and a rerun that must create none.

    .venv/bin/python bench/plans.py [--size 100000] [--database postgresql|sqlite] [--keep]

Data: its own database, migrated, the bench's small city (_common.seed_city) and one plan of
the city roads bureau with ``--size`` items (grids), twice a day (08:00 and 14:00) on every
day: 2 x size orders a day.

Timed: ``generate`` for a day (target <= 60 s at 100 k items), then again for the same day
(must create 0). Baseline in the same run: the plain bulk insert of the same number of orders
(``bulk_create`` without the idempotency: no conflict handling, no counting) for another day.
Result line: value = CityOps orders/s, baseline = plain insert orders/s, ratio = value /
baseline.
"""

from __future__ import annotations

import argparse
import time
from datetime import date, datetime, timedelta
from datetime import time as clock

from _common import bench_database, emit, seed_city, setup_django

NAME = "plans"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    with bench_database(args.database, keep=args.keep) as (_db, _workdir):
        setup_django()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        _bench(args)


def _bench(args) -> None:
    from django.utils import timezone

    from plans import scheduler
    from plans.models import Frequency, Plan, PlanItem, WorkOrder

    city = seed_city()
    plan = Plan.objects.create(
        name="bench rounds",
        department=city.department,
        frequency=Frequency.EVERY_DAY,
        times=["08:00", "14:00"],
        starts_on=date(2026, 1, 1),
    )
    grids = city.grids
    PlanItem.objects.bulk_create(
        (
            PlanItem(plan=plan, grid=grids[n % len(grids)], area_path=grids[n % len(grids)].path)
            for n in range(args.size)
        ),
        batch_size=5000,
    )
    day = date(2026, 10, 12)
    started = time.perf_counter()
    made = scheduler.generate(day)
    ours = time.perf_counter() - started
    started = time.perf_counter()
    again = scheduler.generate(day)
    rerun = time.perf_counter() - started
    if made != 2 * args.size or again != 0:
        raise SystemExit(
            f"generate made {made} (wanted {2 * args.size}), the rerun {again} (wanted 0)"
        )
    tz = timezone.get_current_timezone()
    other = date(2026, 10, 13)
    starts = [
        datetime.combine(other, clock(8), tzinfo=tz),
        datetime.combine(other, clock(14), tzinfo=tz),
    ]
    items = list(PlanItem.objects.filter(plan=plan).values_list("pk", "area_path"))
    started = time.perf_counter()
    WorkOrder.objects.bulk_create(
        (
            WorkOrder(
                item_id=pk,
                plan_id=plan.pk,
                department_id=plan.department_id,
                area_path=path,
                starts_at=start,
                due_at=start + timedelta(minutes=120),
            )  # fmt: skip
            for pk, path in items
            for start in starts
        ),
        batch_size=5000,
    )
    plain = time.perf_counter() - started
    print(
        f"{args.size:,} items: {made:,} orders in {ours:.1f} s (target <= 60 s), the rerun "
        f"created {again} in {rerun:.1f} s; the plain bulk insert of as many took {plain:.1f} s",
        flush=True,
    )
    emit(bench=NAME, value=made / ours, unit="orders/s", baseline=made / plain, n=made)


if __name__ == "__main__":
    main()
