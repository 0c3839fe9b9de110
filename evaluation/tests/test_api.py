"""/api/v1/evaluation: the page's numbers, documented, scoped, and robust to bad input."""

from __future__ import annotations

import pytest
import time_machine

from cases.tests.api_client import as_user, error, ok
from cases.tests.test_api_openapi import spec  # noqa: F401 - the fixture
from evaluation.tests.test_definitions import NOW, week  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
WEEK = {"from": "2026-11-23", "to": "2026-11-29"}


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_ranking_has_the_same_numbers_as_the_page(staff, week, roads):  # noqa: F811
    body = ok(as_user(staff["city_leader"]).get("/evaluation/departments?" + _q(WEEK)))
    assert (body["first"], body["last"]) == ("2026-11-23", "2026-11-29")
    [row] = body["rows"]
    assert row["department"]["code"] == roads.code and row["rank"] == 1
    assert row["counts"]["due"] == 6 and row["counts"]["overdue_open"] == 1
    assert str(row["values"]["on_time_rate"]) == "66.67"
    assert row["values"]["mean_hours"] is not None


def test_the_drill_down_lists_the_tasks_of_one_count(staff, week, roads):  # noqa: F811
    api = as_user(staff["city_leader"])
    body = ok(api.get(f"/evaluation/departments/{roads.code}/tasks?count=overdue_open&" + _q(WEEK)))
    assert body["count"] == 1 and [t["case"] for t in body["items"]] == [week["overdue"].number]
    late = ok(api.get(f"/evaluation/departments/{roads.code}/tasks?count=disposed&" + _q(WEEK)))
    assert [t["on_time"] for t in late["items"]].count(False) == 1


def test_scope_role_and_bad_input(staff, week, roads):  # noqa: F811
    error(
        as_user(staff["alpha_disposer"]).get(
            f"/evaluation/departments/{roads.code}/tasks?count=due"
        ),
        404,
    )
    from org.factories import DEFAULT_PASSWORD
    from org.models import Role
    from org.services import staff_create

    nobody = staff_create(username="nobody", password=DEFAULT_PASSWORD, role=Role.INSPECTOR)
    error(as_user(nobody.user).get("/evaluation/departments"), 403, "role_required")
    leader = as_user(staff["city_leader"])
    error(leader.get("/evaluation/departments?from=2026-11-29&to=2026-11-23"), 422)
    error(leader.get("/evaluation/departments?from=2000-01-01&to=2026-11-23"), 422)
    error(leader.get("/evaluation/departments?from=someday"), 422)
    error(leader.get(f"/evaluation/departments/{roads.code}/tasks?count=nonsense"), 422)
    error(leader.get("/evaluation/departments/NOPE/tasks?count=due"), 404)


def test_the_endpoints_survive_generated_requests(spec, staff, week, roads):  # noqa: F811
    schemathesis = pytest.importorskip("schemathesis")
    from cases.tests.test_api_openapi import _smoke

    schema = schemathesis.openapi.from_dict(spec)
    client = as_user(staff["city_leader"]).client
    operations = [
        r.ok()
        for r in schema.get_all_operations()
        if "evaluation" in (r.ok().definition.raw.get("tags") or [])
    ]
    assert len(operations) == 6  # departments, tasks, regions, headline, cases, posts
    for operation in operations:
        _smoke(operation, spec=spec, client=client, ids={"code": roads.code})


def _q(params: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(params)
