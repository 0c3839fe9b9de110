"""Everything the demo city holds beyond its map and staff: filing standards for the demo's
extra categories, routing, sensors, cameras and a year of cases (``seed_world``), and
removing it again (``reset_world``, for ``seed_demo --reset``).
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import TextIO

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Q

from catalog.services import import_standards
from core.spatial import grid_index
from demo import history, seed_cases, seed_devices
from demo.names import CITY_CODE
from demo.places import Places
from demo.seed_routing import seed_routing
from evaluation.models import PublicResults

CITY_PATH = f"/{CITY_CODE}/"
# Filing standards for categories the demo reports but the starter set does not cover
# (油烟, 噪声, 满溢, 乱停车 ...): marked as CityOps examples, upserted by code.
DEMO_STANDARDS_FILE = Path(__file__).resolve().parent / "data" / "demo_filing_standards.csv"


def _say(stdout: TextIO | None, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")


def seed_world(
    *, seed: int, cases: int, stdout: TextIO | None = None, now: datetime | None = None
) -> dict:
    """Seed standards, routing, devices, cameras and cases into the freshly built city."""
    # The grids were bulk-inserted in this transaction: the point -> grid index must see them.
    grid_index.invalidate()
    timings: dict[str, float] = {}
    started = time.monotonic()
    standards = import_standards(path=DEMO_STANDARDS_FILE)
    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    routing = seed_routing(actor=admin)
    timings["routing"] = time.monotonic() - started
    _say(
        stdout,
        f"Routing: {routing['rules']} rules, {routing['scenarios']} joint scenarios, "
        f"{routing['escalation_rules']} escalation rules; "
        f"{standards.created} demo filing standards.",
    )
    started = time.monotonic()
    places = Places.load()
    devices = seed_devices.seed_devices(seed=seed, places=places)
    cameras = seed_devices.seed_cameras(seed=seed, places=places)
    timings["devices"] = time.monotonic() - started
    by_type = ", ".join(f"{n} {code}" for code, n in devices.items())
    _say(stdout, f"Devices: {sum(devices.values())} ({by_type}); {cameras} video cameras.")
    report = seed_cases.seed_cases(seed=seed, count=cases, now=now, places=places)
    timings["cases"] = report.seconds
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(report.statuses.items()))
    lights = ", ".join(f"{n} {c}" for c, n in sorted(report.lights.items()))
    _say(
        stdout,
        f"Cases: {report.bulk + report.live} in {report.seconds:.1f} s "
        f"({report.bulk} from the history import, {report.live} through the services with "
        f"{report.moves} moves, {report.duplicates} duplicate reports attached): {statuses}. "
        f"Open tasks by light: {lights}. Evaluation facts: {report.facts};"
        f" reporters' ratings: {report.ratings}.",
    )
    for error in report.errors[:5]:
        _say(stdout, f"  problem: {error}")
    # The demo city publishes its monthly results in the citizen portal (a real city chooses).
    PublicResults(pk=1, enabled=True).save()
    return {
        "routing": routing,
        "devices": devices,
        "cameras": cameras,
        "cases": report,
        "timings": timings,
    }


def reset_world() -> dict[str, int]:
    """Delete what ``seed_world`` made in the demo city (cases, their seeded ratings, reports,
    routing, devices, cameras). Rows that still protect them (a citizen's rating, an Open311 submission) raise
    ProtectedError, which the caller reports: someone's work is not deleted silently."""
    from cases.models import Case
    from dispatch.models import JointScenario, RoutingRule
    from intake.models import IntakeReport
    from iot.models import Device

    deleted: dict[str, int] = {}

    def gone(name: str, queryset) -> None:
        _total, per_model = queryset.delete()
        deleted[name] = per_model.get(queryset.model._meta.label, 0)

    in_city = Q(grid__path__startswith=CITY_PATH) | Q(area__path__startswith=CITY_PATH)
    # The seed's call-back ratings (demo.ratings: phone/SMS, no portal report) go with their
    # cases; a rating a citizen gave through the portal still blocks the reset.
    from portal.models import Satisfaction, SatisfactionChannel

    gone(
        "seeded ratings",
        Satisfaction.objects.filter(
            area_path__startswith=CITY_PATH,
            report__isnull=True,
            channel__in=[SatisfactionChannel.PHONE, SatisfactionChannel.SMS],
        ),
    )
    gone(
        "intake reports",
        IntakeReport.objects.filter(in_city | Q(case__area_path__startswith=CITY_PATH)),
    )
    gone("cases", Case.objects.filter(area_path__startswith=CITY_PATH))
    # Their facts went with them (cascade); the sums of those facts go too (the department
    # rollups go with the departments).
    from evaluation.models import CategoryRollup, RegionRollup

    gone("region rollups", RegionRollup.objects.filter(area_path__startswith=CITY_PATH))
    gone("category rollups", CategoryRollup.objects.filter(area_path__startswith=CITY_PATH))
    gone("joint scenarios", JointScenario.objects.filter(area__path__startswith=CITY_PATH))
    gone("routing rules", RoutingRule.objects.filter(area__path__startswith=CITY_PATH))
    gone("devices", Device.objects.filter(code__startswith=seed_devices.DEVICE_PREFIX))
    from intake.models import VideoCamera

    gone("cameras", VideoCamera.objects.filter(camera_id__startswith=seed_devices.CAMERA_PREFIX))
    if apps.is_installed("hotline"):
        from hotline.models import ImportRun

        gone("import runs", ImportRun.objects.filter(file_name=history.HISTORY_FILE))
    return deleted
