"""Writes for the demo city: ``seed_demo`` builds it, ``demo_reset`` removes it.

The city comes from ``demo.layout.city_layout(seed)`` (geometry, names) and ``demo.roster``
(departments, staff), written with the factories the tests use. Grids are bulk-inserted with
their derived fields filled exactly as ``UnitGrid.save()`` would; the city and districts keep
their official outlines, the streets' and communities' boundaries are then derived from the
grids by ``areas.services.refresh_area_boundaries``. What the city holds
beyond map and staff (routing, sensors, cameras, cases) is ``demo.world``; its vehicles and
worker badges (with yesterday's tracks) are ``demo.seed_trackers``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import time
from collections import Counter
from datetime import datetime
from typing import TextIO

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError

from areas.factories import AdminAreaFactory, UnitGridFactory
from areas.geometry import fill_grid_geometry_fields
from areas.models import LEVEL_ORDER, AdminArea, AreaLevel, UnitGrid
from areas.services import refresh_area_boundaries
from cases.models import Case
from core.errors import Conflict
from core.spatial import grid_index
from demo import (
    roster,
    seed_components,
    seed_devices,
    seed_plans,
    seed_signs,
    seed_trackers,
    world,
)
from demo.credentials import DemoCredentials, Login, write_credentials
from demo.layout import CityLayout, city_layout
from demo.names import CITY_CODE
from demo.seed_cases import DEFAULT_CASES
from open311 import demo as open311_demo
from org.factories import DEFAULT_PASSWORD, DepartmentFactory, StaffProfileFactory
from org.models import ApiToken, Department, Role, StaffProfile
from org.services import api_token_create, token_digest

DEMO_PASSWORD = DEFAULT_PASSWORD
# The token's name records the seed, so a later `--if-empty` knows which city it is looking at.
TOKEN_NAME_PREFIX = "demo token, seed "
TOKEN_USERNAME = "dispatcher"
GRID_BATCH = 500
CITY_PATH = f"/{CITY_CODE}/"


# Reset, seed and the credentials refresh of one command all need the same layout (~1.5 s).
_layout = functools.lru_cache(maxsize=2)(city_layout)


class DemoDataExists(Conflict):
    """The database already holds data the demo city would collide with."""

    code = "demo_data_exists"


def demo_token_key(seed: int) -> str:
    """The dispatcher's API key for ``seed``: published in the credentials file, so demo only."""
    digest = hashlib.sha256(f"cityops-demo-api-token:{seed}".encode()).digest()
    return "demo_" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def demo_exists() -> bool:
    return AdminArea.objects.filter(code=CITY_CODE).exists()


def existing_data(layout: CityLayout) -> dict[str, int]:
    """What is already there that seeding would collide with (name -> count), empty if nothing."""
    usernames = [s.username for s in roster.staff(layout)]
    found = {
        "areas": AdminArea.objects.count(),
        "grids": UnitGrid.objects.count(),
        "departments": Department.objects.count(),
        "demo users": get_user_model().objects.filter(username__in=usernames).count(),
    }
    return {name: n for name, n in found.items() if n}


def _say(stdout: TextIO | None, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")


def seed_demo(
    *,
    seed: int,
    stdout: TextIO | None = None,
    cases: int = DEFAULT_CASES,
    now: datetime | None = None,
) -> DemoCredentials:
    """Build the demo city for ``seed`` in an empty database and write the credentials file.

    Besides map and staff: routing, sensors, cameras and ``cases`` reports over the last sixty
    days up to ``now`` (demo.world), then vehicles, badges and the day before ``now``'s tracks
    (demo.seed_trackers). Refuses (DemoDataExists) when areas, grids, departments or
    demo usernames already exist: the caller decides whether to reset first.
    """
    started = time.monotonic()
    layout = _layout(seed)
    found = existing_data(layout)
    if found:
        listed = ", ".join(f"{n} {name}" for name, n in found.items())
        raise DemoDataExists(
            f"The database is not empty ({listed}); the demo city is only built in an empty "
            "database. Use --reset to delete the demo data first, or --if-empty to keep it.",
            details=found,
        )
    _say(stdout, f"Laid out the demo city for seed {seed} in {time.monotonic() - started:.1f} s.")
    with transaction.atomic():
        areas = _create_areas(layout)
        _create_grids(layout, areas)
        refresh_area_boundaries()
        departments = _create_departments(layout, areas)
        _create_staff(layout, areas, departments)
        dispatcher = get_user_model().objects.get(username=TOKEN_USERNAME)
        api_token_create(
            user=dispatcher, name=f"{TOKEN_NAME_PREFIX}{seed}", key=demo_token_key(seed)
        )
        open311_demo.ensure_client(seed)
        _say(stdout, f"Built the map and staff in {time.monotonic() - started:.1f} s.")
        _seed_components(seed=seed, stdout=stdout)
        world.seed_world(seed=seed, cases=cases, stdout=stdout, now=now)
        tied = seed_components.link_devices()
        _say(stdout, f"Tied {tied} manhole-cover sensors to the covers they watch.")
        _seed_tracking(seed=seed, now=now, stdout=stdout)
        _seed_plans(seed=seed, now=now, stdout=stdout)
        _seed_signs(seed=seed, now=now, stdout=stdout)
        # bulk_create sends no post_save, so the point -> grid index is told here.
        transaction.on_commit(grid_index.invalidate)
    credentials = demo_credentials(layout)
    path = write_credentials(credentials.as_json())
    counts = credentials.counts
    classes = Counter(grid.area_class for grid in layout.grids)
    _say(
        stdout,
        f"Seeded {layout.city.name} in {time.monotonic() - started:.1f} s: "
        f"{counts['cities']} city, {counts['districts']} districts, {counts['streets']} streets, "
        f"{counts['communities']} communities, {counts['grids']} unit grids "
        f"(A {classes['A']} / B {classes['B']} / C {classes['C']}), "
        f"{counts['departments']} departments, {counts['staff']} staff, 1 API token, "
        f"{counts['devices']} devices, {counts['vehicles']} vehicles, "
        f"{counts['badges']} worker badges, {counts['cases']} cases.",
    )
    _say(stdout, f"Demo logins (password {DEMO_PASSWORD!r}) written to {path}.")
    return credentials


def _seed_components(*, seed: int, stdout: TextIO | None) -> None:
    started = time.monotonic()
    made = seed_components.seed(seed=seed)
    _say(stdout, f"Component register: {made} components ({time.monotonic() - started:.1f} s).")


def _seed_plans(*, seed: int, now: datetime | None, stdout: TextIO | None) -> None:
    started = time.monotonic()
    made = seed_plans.seed(seed=seed, now=now)
    _say(
        stdout,
        f"Planned work: {made['plans']} plans, {made['items']} places, {made['orders']} work "
        f"orders, {made['inspected']} inspected ({made['failed']} failed, reworked) "
        f"({time.monotonic() - started:.1f} s).",
    )


def _seed_tracking(*, seed: int, now: datetime | None, stdout: TextIO | None) -> None:
    started = time.monotonic()
    report = seed_trackers.seed(seed=seed, now=now)
    _say(
        stdout,
        f"Tracking: {report.vehicles} vehicles, {report.badges} worker badges, "
        f"{report.geofences} geofences, {report.segments} road segments; yesterday's "
        f"{report.positions} positions raised {report.alarms} alarms "
        f"({time.monotonic() - started:.1f} s).",
    )


def _seed_signs(*, seed: int, now: datetime | None, stdout: TextIO | None) -> None:
    started = time.monotonic()
    report = seed_signs.seed(seed=seed, now=now)
    _say(
        stdout,
        f"Sign index: {report['figures']} figures of feeds and manual entry over "
        f"{seed_signs.DAYS} days; the index of the last {seed_signs.COMPUTED_DAYS} days "
        f"computed ({report['sign values']} values), the rest by the worker "
        f"({time.monotonic() - started:.1f} s).",
    )


def _create_areas(layout: CityLayout) -> dict[str, AdminArea]:
    areas: dict[str, AdminArea] = {}
    for spec in layout.areas:
        areas[spec.code] = AdminAreaFactory(
            code=spec.code,
            name=spec.name,
            level=spec.level,
            parent=areas[spec.parent_code] if spec.parent_code else None,
            boundary=spec.boundary if spec.surveyed else None,
            boundary_derived=False,
        )
    return areas


def _create_grids(layout: CityLayout, areas: dict[str, AdminArea]) -> int:
    grids = []
    for spec in layout.grids:
        community = areas[spec.community_code]
        grid = UnitGridFactory.build(
            community=community,
            code=spec.code,
            name=spec.name,
            area_class=spec.area_class,
            polygon=spec.polygon,
        )
        # What UnitGrid.save() does, which bulk_create skips.
        fill_grid_geometry_fields(grid)
        grid.path = f"{community.path}{grid.code}/"
        grids.append(grid)
    UnitGrid.objects.bulk_create(grids, batch_size=GRID_BATCH)
    return len(grids)


def _create_departments(layout: CityLayout, areas: dict[str, AdminArea]) -> dict[str, Department]:
    departments: dict[str, Department] = {}
    for spec in roster.departments(layout):
        departments[spec.code] = DepartmentFactory(
            code=spec.code,
            name=spec.name,
            short_name=spec.short_name,
            level=spec.level,
            type=spec.type,
            area=areas[spec.area_code],
            parent=departments[spec.parent_code] if spec.parent_code else None,
            contact_phone=spec.phone,
        )
    return departments


def _create_staff(
    layout: CityLayout, areas: dict[str, AdminArea], departments: dict[str, Department]
) -> None:
    for spec in roster.staff(layout):
        StaffProfileFactory(
            user__username=spec.username,
            user__first_name=spec.full_name,
            user__is_superuser=spec.is_superuser,
            role=spec.role,
            department=departments[spec.department_code] if spec.department_code else None,
            areas=[areas[code] for code in spec.area_codes],
        )


def demo_credentials(layout: CityLayout) -> DemoCredentials:
    """The credentials as the database has them: only accounts and a token that really exist."""
    specs = roster.staff(layout)
    profiles = {
        p.user.username: p
        for p in StaffProfile.objects.filter(user__username__in=[s.username for s in specs])
        .select_related("user", "department__area")
        .prefetch_related("areas")
    }
    logins = [_login(profiles[spec.username]) for spec in specs if spec.username in profiles]
    key = demo_token_key(layout.seed)
    token = ApiToken.objects.filter(digest=token_digest(key), is_active=True).first()
    api_token = {"username": token.user.username, "token": key} if token else None
    return DemoCredentials(
        seed=layout.seed,
        password=DEMO_PASSWORD,
        logins=logins,
        api_token=api_token,
        counts=_counts(),
        open311=open311_demo.section(layout.seed),
        devices=seed_devices.listed_devices(layout.seed),
        video_ai=seed_devices.listed_cameras(layout.seed),
        trackers=seed_trackers.listed_trackers(layout.seed),
    )


def _login(profile: StaffProfile) -> Login:
    areas = list(profile.areas.all())
    if areas:
        scope = ", ".join(f"{a.name} {a.code}" for a in areas)
    elif profile.department_id:
        scope = f"{profile.department.area.name} {profile.department.area.code}"
    else:
        scope = "all"
    return Login(
        role=profile.role,
        role_label=str(Role(profile.role).label),
        username=profile.user.username,
        password=DEMO_PASSWORD,
        scope=scope,
        department=profile.department.name if profile.department_id else None,
    )


def _counts() -> dict[str, int]:
    in_city = AdminArea.objects.filter(path__startswith=CITY_PATH)
    by_level = Counter(in_city.values_list("level", flat=True))
    return {
        "cities": by_level[AreaLevel.CITY],
        "districts": by_level[AreaLevel.DISTRICT],
        "streets": by_level[AreaLevel.STREET],
        "communities": by_level[AreaLevel.COMMUNITY],
        "grids": UnitGrid.objects.filter(path__startswith=CITY_PATH).count(),
        "departments": Department.objects.filter(area__path__startswith=CITY_PATH).count(),
        "staff": StaffProfile.objects.count(),
        "devices": seed_devices.device_count(),
        **seed_trackers.counts(),
        "cases": Case.objects.filter(area_path__startswith=CITY_PATH).count(),
    }


def seeded_with() -> int | None:
    """The seed the existing demo city was built with (from its API token's name), if known."""
    names = ApiToken.objects.filter(
        user__username=TOKEN_USERNAME, name__startswith=TOKEN_NAME_PREFIX
    ).values_list("name", flat=True)
    for name in names:
        suffix = name.removeprefix(TOKEN_NAME_PREFIX)
        if suffix.lstrip("-").isdigit():
            return int(suffix)
    return None


def refresh_credentials(*, seed: int, stdout: TextIO | None = None) -> DemoCredentials:
    """Rewrite the credentials file for the existing demo city (``seed_demo --if-empty``).

    The file describes the city that is there: if it was built with another seed, that seed's
    token is published (and the difference said), never a token that does not exist.
    """
    built = seeded_with()
    if built is not None and built != seed:
        _say(stdout, f"The demo city was built with seed {built}, not {seed}; keeping it.")
        seed = built
    credentials = demo_credentials(_layout(seed))
    path = write_credentials(credentials.as_json())
    _say(stdout, f"The demo city already exists; nothing seeded. Credentials rewritten to {path}.")
    return credentials


@transaction.atomic
def demo_reset(*, seed: int, stdout: TextIO | None = None) -> dict[str, int]:
    """Delete the demo city: what it holds (vehicles, badges and their tracks:
    demo.seed_trackers; cases, routing, devices, cameras: demo.world), its staff (by demo username), departments, grids and areas.

    Rows of other apps that still point at them (a citizen's rating, a vehicle...) make it
    refuse with the model named, rather than delete someone's work silently.
    """
    usernames = [s.username for s in roster.staff(_layout(seed))]
    deleted: dict[str, int] = {}
    try:
        deleted.update(seed_plans.reset())  # its places are road segments and components
        deleted.update(seed_trackers.reset())
        deleted.update(seed_signs.reset())
        deleted.update(world.reset_world())
        deleted.update(seed_components.reset())
        deleted["users"] = _delete(get_user_model().objects.filter(username__in=usernames))
        departments = Department.objects.filter(area__path__startswith=CITY_PATH)
        departments.update(parent=None)  # parent is PROTECTed; the whole set goes at once
        deleted["departments"] = _delete(departments)
        deleted["grids"] = _delete(UnitGrid.objects.filter(path__startswith=CITY_PATH))
        deleted["areas"] = 0
        for level in reversed(LEVEL_ORDER):
            deleted["areas"] += _delete(
                AdminArea.objects.filter(path__startswith=CITY_PATH, level=level)
            )
    except (ProtectedError, RestrictedError) as exc:
        rows = getattr(exc, "protected_objects", None) or exc.restricted_objects
        blockers = sorted({str(obj._meta.verbose_name_plural) for obj in rows})
        raise DemoDataExists(
            "Cannot reset the demo city: other rows still refer to it "
            f"({', '.join(blockers)}). Delete the database file instead "
            "(make clean-demo).",
        ) from None
    _say(stdout, "Deleted the demo city: " + ", ".join(f"{n} {k}" for k, n in deleted.items()))
    return deleted


def _delete(queryset) -> int:
    """Rows of the queryset's own model deleted (cascaded rows are not counted)."""
    _total, per_model = queryset.delete()
    return per_model.get(queryset.model._meta.label, 0)
