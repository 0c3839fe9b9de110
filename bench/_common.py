"""Shared helpers for the benchmarks: import path, timing, and the DESIGN.md result line.

Every bench prints, as its **last line**, one JSON object:
``{"bench": name, "value": v, "unit": u, "baseline": b, "ratio": v / b, "n": items}``
(DESIGN.md "Benchmarks"); anything before that line is for people.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_PG_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
GRID_CELL = 0.01  # degrees: the bench city's four grids are squares this wide
ROOT = Path(__file__).resolve().parent.parent
# ``python bench/x.py`` puts bench/ first on sys.path; CityOps itself lives one level up.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def setup_django() -> None:
    """For benches that need the ORM (not point_to_grid, which is DB-free)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
    import django

    django.setup()


def best_time(func: Callable[[], object], *, repeat: int) -> tuple[float, object]:
    """Best wall-clock seconds of ``repeat`` runs (least disturbed by other load) and a result."""
    best, result = float("inf"), None
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def emit(*, bench: str, value: float, unit: str, baseline: float, n: int) -> dict:
    """Print the DESIGN.md result line (must be the last thing the bench prints)."""
    line = {
        "bench": bench,
        "value": round(value, 3),
        "unit": unit,
        "baseline": round(baseline, 3),
        # Higher is better: value / baseline for rates, baseline / value for times (DESIGN.md).
        "ratio": (
            round((baseline / value) if unit == "ms" else (value / baseline), 4)
            if baseline and value
            else None
        ),
        "n": n,
    }
    print(json.dumps(line), flush=True)
    return line


# --- the database -------------------------------------------------------------------------


@dataclass
class BenchDatabase:
    vendor: str
    url: str  # DATABASE_URL of the bench database
    server_url: str = ""  # PostgreSQL maintenance database, for CREATE/DROP
    name: str = ""
    path: str = ""  # SQLite file

    @classmethod
    def create(cls, vendor: str, workdir: str, *, async_commit: bool = False) -> BenchDatabase:
        if vendor == "sqlite":
            path = os.path.join(workdir, "bench.sqlite3")
            return cls(vendor="sqlite", url=f"sqlite:///{path}", path=path)
        import psycopg

        configured = os.environ.get("DATABASE_URL", "")
        server = configured if configured.startswith(("postgres://", "postgresql://")) else ""
        parts = urlsplit(server or DEFAULT_PG_SERVER)
        maintenance = urlunsplit(parts._replace(path="/postgres"))
        name = f"cityops_bench_{os.getpid()}"
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
            if async_commit:
                conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        url = urlunsplit(parts._replace(path=f"/{name}"))
        return cls(vendor="postgresql", url=url, server_url=maintenance, name=name)

    def drop(self) -> None:
        if self.vendor != "postgresql":
            return
        import psycopg

        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


# --- the city -----------------------------------------------------------------------------


@dataclass
class City:
    grids: list
    standard: object
    department: object
    inspector: object
    leader: object
    dispatcher: object
    disposer: object


def seed_city() -> City:
    """The smallest city a case lifecycle needs, written with the factories the tests use."""
    from decimal import Decimal

    from django.contrib.auth import get_user_model

    from areas.factories import AdminAreaFactory, UnitGridFactory, box_polygon
    from areas.models import AreaLevel
    from cases import permissions
    from cases.factories import FilingStandardFactory
    from core.models import TimeUnit
    from org.factories import DEFAULT_PASSWORD, DepartmentFactory
    from org.models import DepartmentLevel, DepartmentType, Role
    from org.services import staff_create

    city = AdminAreaFactory(code="330200", name="Benchcity", level=AreaLevel.CITY)
    district = AdminAreaFactory(code="330203", name="East", level=AreaLevel.DISTRICT, parent=city)
    street = AdminAreaFactory(
        code="330203001", name="Alpha", level=AreaLevel.STREET, parent=district
    )
    community = AdminAreaFactory(
        code="330203001001", name="Alpha-1", level=AreaLevel.COMMUNITY, parent=street
    )
    grids = []
    for seq in range(4):
        lon, lat = 121.50 + (seq % 2) * GRID_CELL, 29.85 + (seq // 2) * GRID_CELL
        grids.append(
            UnitGridFactory(
                community=community,
                code=f"330203001001{seq + 1:03d}",
                polygon=box_polygon(lon, lat, lon + GRID_CELL, lat + GRID_CELL),
            )
        )
    roads = DepartmentFactory(
        code="BENCH-ROADS",
        name="City roads bureau",
        level=DepartmentLevel.CITY,
        type=DepartmentType.PROFESSIONAL,
        area=city,
    )
    standard = FilingStandardFactory(
        code="BENCH", time_limit=Decimal("4"), time_unit=TimeUnit.WORK_HOUR
    )
    made = {
        "inspector": staff_create(
            username="bench_inspector", password=DEFAULT_PASSWORD, role=Role.INSPECTOR, areas=[city]
        ),
        "leader": staff_create(
            username="bench_leader", password=DEFAULT_PASSWORD, role=Role.SHIFT_LEADER, areas=[city]
        ),
        "dispatcher": staff_create(
            username="bench_dispatcher",
            password=DEFAULT_PASSWORD,
            role=Role.DISPATCHER,
            areas=[city],
        ),
        "disposer": staff_create(
            username="bench_disposer",
            password=DEFAULT_PASSWORD,
            role=Role.DISPOSER,
            department=roads,
        ),
    }
    # Fresh user rows, as the authentication middleware would load them for a request; their
    # profile and area scope are then read once and kept on the instance (cases.permissions).
    users = {}
    for key, profile in made.items():
        user = get_user_model().objects.get(pk=profile.user_id)
        permissions.role_of(user)
        permissions.area_paths(user)
        users[key] = user
    for grid in grids:
        grid.refresh_from_db()
    return City(grids=grids, standard=standard, department=roads, **users)


@contextmanager
def bench_database(
    vendor: str, *, keep: bool = False, async_commit: bool = False
) -> Iterator[tuple[BenchDatabase, str]]:
    """A fresh bench database and work directory, ``DATABASE_URL`` pointing at it; both are
    dropped at the end unless ``keep``. Django is set up (and migrated) by the bench itself."""
    workdir = tempfile.mkdtemp(prefix="cityops-bench-")
    db = BenchDatabase.create(vendor, workdir, async_commit=async_commit)
    os.environ["DATABASE_URL"] = db.url
    try:
        yield db, workdir
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001, S110 - Django may not be set up yet
            pass
        if keep:
            print(f"kept database {db.name or db.path}")
        else:
            db.drop()
            shutil.rmtree(workdir, ignore_errors=True)
