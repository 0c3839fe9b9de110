"""A seeded demo world shared by the tests of one module (seeding takes seconds, not millis).

``seeded_world`` builds the demo city with a few hundred cases once per test module, inside a
transaction that is rolled back when the module ends; each test's own ``db`` transaction is a
savepoint inside it, so tests still cannot see each other's writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.test import override_settings

from demo.credentials import read_credentials
from org.factories import hashed_password

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The demo's "now": a plain Monday morning (no holiday within the sixty days before it ends).
NOW = datetime(2026, 11, 23, 10, 30, tzinfo=SHANGHAI)
WORLD_CASES = 240
WORLD_SEED = 1


@dataclass
class SeededWorld:
    seed: int
    now: datetime
    var_dir: Path
    credentials: dict
    output: str


@pytest.fixture(scope="module")
def seeded_world(django_db_setup, django_db_blocker, tmp_path_factory):
    import io

    from demo.services import seed_demo

    var_dir = tmp_path_factory.mktemp("demo-var")
    out = io.StringIO()
    with (
        django_db_blocker.unblock(),
        override_settings(VAR_DIR=var_dir, MEDIA_ROOT=var_dir / "media"),
    ):
        with transaction.atomic():
            seed_demo(seed=WORLD_SEED, cases=WORLD_CASES, now=NOW, stdout=out)
            yield SeededWorld(
                seed=WORLD_SEED,
                now=NOW,
                var_dir=var_dir,
                credentials=read_credentials(var_dir / "demo-credentials.json"),
                output=out.getvalue(),
            )
            transaction.set_rollback(True)
    # org.factories caches the demo password's hash per process; it was made with this
    # module's hasher, which the next test's (conftest.py: MD5) may not be able to check.
    hashed_password.cache_clear()
