"""Bench: the pages people open all day, at a city's size against the demo's size.

    .venv/bin/python bench/pages.py [--size 2600000] [--repeat 20] [--seed 1] [--keep]

Data: its own PostgreSQL database with the demo city (as bench/import.py) and a day of live work
(the demo's 3,000 cases over sixty days up to now, through the services: open, overdue, waiting
for checks, rated). Measured twice with the same requests: first on that alone (the baseline,
what the demo serves), then after ``--size`` finished cases of 2025 have been added by the
historical import (a city's year).

Each page ``--repeat`` times through Django's test client (the whole request: middleware,
view, template), as the person who works with it: the city dispatcher's workbench (every
queue tab), a case page, the disposer's and the inspector's phone lists, a citizen's tracking
page, the devices and alarms lists, ``/api/v1/cases`` (plain, closed ones, a district's); p95
and p50 of each, after one warm-up request. Every answer must be 200 before a time is printed.

Result line: the worst page's p95 at ``--size`` (ms) against the same page's p95 on the demo's
data; targets (issue 15): every page p95 <= 200 ms, ratio >= 0.8 (size costs little).
"""

from __future__ import annotations

import argparse
import importlib
import tempfile
import time

from _common import emit

NAME = "pages"
DEFAULT_SIZE = 2_600_000


def pages() -> list[tuple[str, str, str]]:
    """(label, who, path) of every page measured, picked from the database as it is."""
    from cases.models import Case, Task
    from cases.states import OPEN_TASK_STATUSES
    from cases.views.workbench import QUEUES
    from iot.models import Device
    from portal.models import CitizenReport

    picked = []
    for queue in QUEUES:
        picked.append((f"workbench {queue}", "dispatcher", f"/en/cases/?queue={queue}"))
    open_case = Case.objects.filter(tasks__status__in=OPEN_TASK_STATUSES).order_by("pk").first()
    picked.append(("case page", "dispatcher", f"/en/cases/{open_case.number}/"))
    working = (  # a department with open tasks (the first by code)
        Task.objects.filter(status__in=OPEN_TASK_STATUSES)
        .values_list("department__code", flat=True)
        .order_by("department__code")
        .first()
    )
    from org.models import StaffProfile

    disposer = StaffProfile.objects.filter(department__code=working, role="disposer").first()
    picked.append(("disposer's tasks", disposer.user.username, "/en/cases/m/tasks/"))
    inspector = StaffProfile.objects.filter(role="inspector").order_by("user__username").first()
    picked.append(("inspector's list", inspector.user.username, "/en/cases/m/inspect/"))
    report = CitizenReport.objects.order_by("pk").first()
    if report is not None:
        picked.append(("citizen tracking", "", f"/en/citizen/t/{report.token}/"))
    picked.append(("devices", "dispatcher", "/en/iot/devices/"))
    picked.append(("alarms", "dispatcher", "/en/iot/alarms/"))
    picked.append(("api cases", "dispatcher", "/api/v1/cases?limit=50"))
    picked.append(("api cases closed", "dispatcher", "/api/v1/cases?limit=50&status=closed"))
    device = Device.objects.order_by("code").first()
    district = device.area_path.split("/")[2] if device else "330203"
    picked.append(("api cases district", "dispatcher", f"/api/v1/cases?limit=50&area={district}"))
    return picked


def measure(picked, repeat: int) -> dict[str, float]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    clients: dict[str, Client] = {}
    found = {}
    for label, who, path in picked:
        client = clients.get(who)
        if client is None:
            client = clients[who] = Client()
            if who:
                client.force_login(get_user_model().objects.get(username=who))
        client.get(path)  # a first request warms the caches (templates, the grid index)
        times = []
        for _ in range(repeat):
            began = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - began) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{NAME}: {path} as {who or 'anonymous'}: {response.status_code}")
        times.sort()
        found[label] = (times[len(times) // 2], times[max(0, int(len(times) * 0.95 + 0.5) - 1)])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE, help="cases (default 2.6 M)")
    parser.add_argument("--repeat", type=int, default=20, help="requests of each page")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    generator = importlib.import_module("import")  # bench/import.py: the data and the database

    workdir = tempfile.mkdtemp(prefix="cityops-bench-pages-")
    maintenance, dbname = generator.demo_city_database(workdir, args.seed)
    try:
        from django.db import connection, transaction

        from demo import seed_cases
        from demo.places import Places

        began = time.perf_counter()
        with transaction.atomic():
            seed_cases.seed_cases(seed=args.seed, count=3000, places=Places.load())
        print(f"a day of live work: the demo's 3,000 cases in {time.perf_counter() - began:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        picked = pages()
        small = measure(picked, args.repeat)

        imported = generator.import_year(workdir, args.size, args.seed, bench=NAME)
        print(f"historical import of {args.size:,}: {imported:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        big = measure(picked, args.repeat)

        print(f"{'page':<24} {'demo p50/p95':>16} {'size p50/p95':>16}")
        for label, _who, _path in picked:
            flag = "" if big[label][1] <= 200 else "  > 200 ms"
            print(
                f"{label:<24} {small[label][0]:>7.1f}/{small[label][1]:>6.1f}ms "
                f"{big[label][0]:>7.1f}/{big[label][1]:>6.1f}ms{flag}"
            )
        worst = max(big, key=lambda k: big[k][1])
        emit(bench=NAME, value=big[worst][1], unit="ms", baseline=small[worst][1], n=args.size)
    finally:
        generator.finish(maintenance, dbname, workdir, keep=args.keep)


if __name__ == "__main__":
    main()
