"""Bench: the pages people open all day, at a city's size against the demo's size.

    .venv/bin/python bench/pages.py [--size 2600000] [--repeat 20] [--seed 1] [--keep]
    .venv/bin/python bench/pages.py --reuse DATABASE --workdir DIR [--repeat 20]

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

``--keep`` keeps the database, its var files and the demo-size figures (``pages-demo.json`` in
the work directory); ``--reuse`` measures such a kept database again (after a change to the
code) against the kept demo-size figures, without building the data again.

Result line: the worst page's p95 at ``--size`` (ms) against the same page's p95 on the demo's
data; targets (issue 15): every page p95 <= 200 ms, ratio >= 0.8 (size costs little).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import tempfile
import time

from _common import emit

NAME = "pages"
DEFAULT_SIZE = 2_600_000
DEMO_FIGURES = "pages-demo.json"


def pages() -> list[tuple[str, str, str]]:
    """(label, who, path) of every page measured, picked from the database as it is."""
    from areas.models import AdminArea
    from cases.models import Case, Task
    from cases.states import OPEN_TASK_STATUSES
    from cases.views.workbench import QUEUES
    from iot.models import Device
    from portal.models import CitizenReport

    picked = [("home", "dispatcher", "/en/")]
    for queue in QUEUES:
        picked.append((f"workbench {queue}", "dispatcher", f"/en/cases/?queue={queue}"))
    district = AdminArea.objects.filter(level="district").order_by("code").first()
    for queue in QUEUES:  # the same tabs filtered by a district (and a text, the slow way)
        picked.append(
            (
                f"workbench {queue} district",
                "dispatcher",
                f"/en/cases/?queue={queue}&area={district.pk}",
            )
        )
    picked.append(("workbench all text", "dispatcher", "/en/cases/?queue=all&q=%E8%B7%AF%E7%81%AF"))
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
    picked.append(("citizen tracking", "", f"/en/citizen/t/{report.token}/"))
    picked.append(("devices", "dispatcher", "/en/iot/devices/"))
    picked.append(("alarms", "dispatcher", "/en/iot/alarms/"))
    picked.append(("api cases", "dispatcher", "/api/v1/cases?limit=50"))
    picked.append(("api cases closed", "dispatcher", "/api/v1/cases?limit=50&status=closed"))
    device = Device.objects.order_by("code").first()
    district = device.area_path.split("/")[2] if device else "330203"
    picked.append(("api cases district", "dispatcher", f"/api/v1/cases?limit=50&area={district}"))
    picked.append(("api source counts", "dispatcher", "/api/v1/intake/sources/counts"))
    for label, query in (
        ("api cases category", "category=01023"),
        ("api cases urgent", "priority=urgent"),
        ("api cases text", "q=%E8%B7%AF%E7%81%AF"),  # 路灯
        ("api cases red", "light=red"),
    ):
        picked.append((label, "dispatcher", f"/api/v1/cases?limit=50&{query}"))
    return picked


def citizen_report() -> None:
    """One citizen's photo report (随手拍) among the live work: its tracking page is measured."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from areas.models import UnitGrid
    from cases.factories import image_bytes
    from portal import services

    grid = UnitGrid.objects.filter(is_active=True).order_by("code").first()
    services.portal_report(
        description="路灯不亮，晚上很黑",
        lon=grid.centroid_lon,
        lat=grid.centroid_lat,
        reporter_phone="13800000000",
        photos=[SimpleUploadedFile("snap.jpg", image_bytes(), content_type="image/jpeg")],
    )


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


def report(picked, small: dict, big: dict, size: int) -> None:
    """The table of every page, then the result line (a page missing from ``small``, the kept
    demo-size figures of an older run, has no baseline)."""
    print(f"{'page':<24} {'demo p50/p95':>16} {'size p50/p95':>16}")
    for label, _who, _path in picked:
        flag = "" if big[label][1] <= 200 else "  > 200 ms"
        demo = f"{small[label][0]:>7.1f}/{small[label][1]:>6.1f}ms" if label in small else " " * 16
        print(f"{label:<24} {demo} {big[label][0]:>7.1f}/{big[label][1]:>6.1f}ms{flag}")
    worst = max(big, key=lambda k: big[k][1])
    baseline = small.get(worst, (0, 0))[1]
    emit(bench=NAME, value=big[worst][1], unit="ms", baseline=baseline, n=size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE, help="cases (default 2.6 M)")
    parser.add_argument("--repeat", type=int, default=20, help="requests of each page")
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
        from portal.models import CitizenReport

        if not CitizenReport.objects.exists():  # kept by a run before the bench made one
            citizen_report()
        picked = pages()
        kept = os.path.join(args.workdir, DEMO_FIGURES)
        small = {}
        if os.path.exists(kept):
            with open(kept) as f:
                small = {label: tuple(v) for label, v in json.load(f).items()}
        from cases.models import Case

        report(picked, small, measure(picked, args.repeat), Case.objects.count())
        return

    workdir = tempfile.mkdtemp(prefix="cityops-bench-pages-")
    maintenance, dbname = generator.demo_city_database(workdir, args.seed)
    try:
        from django.db import connection, transaction

        from demo import seed_cases
        from demo.places import Places

        began = time.perf_counter()
        with transaction.atomic():
            seed_cases.seed_cases(seed=args.seed, count=3000, places=Places.load())
            citizen_report()
        print(f"a day of live work: the demo's 3,000 cases in {time.perf_counter() - began:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        picked = pages()
        small = measure(picked, args.repeat)
        with open(os.path.join(workdir, DEMO_FIGURES), "w") as f:
            json.dump(small, f)

        imported = generator.import_year(workdir, args.size, args.seed, bench=NAME)
        print(f"historical import of {args.size:,}: {imported:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        report(picked, small, measure(picked, args.repeat), args.size)
    finally:
        generator.finish(maintenance, dbname, workdir, keep=args.keep)


if __name__ == "__main__":
    main()
