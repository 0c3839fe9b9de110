"""Reports arriving at the same moment: one problem still gives one case, one message one report.

PostgreSQL only (real concurrent connections); SQLite serialises writers for the whole
transaction, so the race cannot happen there.
"""

from __future__ import annotations

import pytest
from django.conf import settings

from cases.models import Case
from cases.tests.test_concurrency import race
from intake import services
from intake.models import IntakeReport
from intake.tests.conftest import ALPHA_LAT, ALPHA_LON, M_LON, T0

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="needs PostgreSQL: concurrent connections (SQLite serialises writers)",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
RACERS = 4


def report(i: int, category, *, external_id: str = ""):
    return lambda: services.receive_report(
        source="citizen",
        description="Manhole cover missing",
        category=category,
        lon=ALPHA_LON + i * M_LON,
        lat=ALPHA_LAT,
        external_id=external_id,
        now=T0,
    )


def test_simultaneous_reports_of_one_problem_open_one_case(small_city, manhole):
    results = race(*(report(i, manhole) for i in range(RACERS)))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Case.objects.count() == 1
    assert sum(r.created for r in results) == 1


def test_the_same_message_twice_at_once_is_one_report(small_city, manhole):
    results = race(*(report(0, manhole, external_id="dup-1") for _ in range(RACERS)))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert IntakeReport.objects.count() == 1 and Case.objects.count() == 1
    assert sum(r.repeat for r in results) == RACERS - 1
