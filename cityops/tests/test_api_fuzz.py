"""Every operation of the OpenAPI document under generated requests (cityops.fuzz): no 5xx, only
documented statuses, answers that match their schemas. Bounded and seeded for CI; the release
run is ``manage.py api_fuzz``."""

from __future__ import annotations

import pytest

from cases.tests.api_client import as_user
from cases.tests.conftest import T0, flow, grid, received, roads, staff, standard, t0  # noqa: F401
from cityops.fuzz import fuzz

pytestmark = pytest.mark.django_db

EXAMPLES = 4


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(T0, tick=False)


def test_the_whole_api_under_generated_requests(client, flow, staff):  # noqa: F811
    pytest.importorskip("schemathesis")
    spec = client.get("/api/v1/openapi.json").json()
    case, task = flow.accepted()
    api = as_user(staff["admin"]).client
    result = fuzz(
        spec, api, examples=EXAMPLES, seed=2026, ids={"number": case.number, "task_id": task.pk}
    )
    assert result.operations >= 60 and result.requests >= 2 * result.operations
    assert result.failures == [], "\n".join(result.failures)
