"""Who sees what through the API: out of scope is 404 (existence does not leak), in scope but
not your move is 403. Personas: a disposer of department A against department B's task, a
street B operator against a street A case; and token auth reaching the same answers."""

from __future__ import annotations

import pytest

from cases.models import Case, CaseEvent
from cases.tests.api_client import as_user, error, ok, with_token
from cases.tests.conftest import T0, photo
from org.services import api_token_create

CASE_MOVES = [
    ("verify", {}),
    ("file", {"standard": "T000000"}),
    ("void", {"reason": "x"}),
    ("dispatch", {"departments": ["ST-BETA"]}),
    ("upgrade", {"reason": "x"}),
    ("suspend", {"reason": "x"}),
    ("resume", {}),
    ("start-check", {}),
    ("check-pass", {}),
    ("check-fail", {"reason": "x"}),
    ("close", {}),
]
TASK_MOVES = [
    ("accept", {}),
    ("return", {"reason": "x"}),
    ("extension", {"amount": 1, "reason": "x"}),
    ("extension/approve", {}),
    ("extension/reject", {"reason": "x"}),
    ("dispose", {}),
]


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(T0, tick=False)


def _numbers(page: dict) -> set[str]:
    return {item["number"] for item in page["items"]}


# --- a street B operator and a street A case -------------------------------------------------


def test_street_b_operator_cannot_see_a_street_a_case(flow, staff):
    alpha_case = flow.reported()
    beta = as_user(staff["beta_operator"])
    body = error(beta.get(f"/cases/{alpha_case.number}"), 404, "not_found")
    assert alpha_case.number in body["message"]
    error(beta.get(f"/cases/{alpha_case.number}/timeline"), 404, "not_found")
    assert alpha_case.number not in _numbers(ok(beta.get("/cases")))
    assert ok(beta.get("/cases", {"q": alpha_case.number}))["count"] == 0
    # The city desk sees it, so the 404 above is scope, not absence.
    assert alpha_case.number in _numbers(ok(as_user(staff["city_dispatcher"]).get("/cases")))


@pytest.mark.parametrize(("move", "body"), CASE_MOVES, ids=[m for m, _ in CASE_MOVES])
def test_every_case_move_outside_scope_is_404_and_changes_nothing(flow, staff, move, body):
    alpha_case = flow.reported()
    events = CaseEvent.objects.filter(case=alpha_case).count()
    # The acceptor of street B may file, but not in street A: 404, not 403.
    error(as_user(staff["beta_operator"]).post(f"/cases/{alpha_case.number}/{move}", body), 404)
    # Same for a district West dispatcher on a district East case.
    error(as_user(staff["west_dispatcher"]).post(f"/cases/{alpha_case.number}/{move}", body), 404)
    assert Case.objects.get(pk=alpha_case.pk).version == alpha_case.version
    assert CaseEvent.objects.filter(case=alpha_case).count() == events


def test_photo_upload_outside_scope_is_404(flow, staff):
    alpha_case = flow.reported()
    response = as_user(staff["beta_operator"]).upload(
        alpha_case.number, kind="before", photos=[photo()]
    )
    error(response, 404, "not_found")
    assert not alpha_case.evidence.exists()


def test_a_visible_case_but_not_your_move_is_403(flow, staff):
    case = flow.reported()
    # The Alpha inspector sees the case but filing is for acceptors and shift leaders.
    body = error(
        as_user(staff["alpha_inspector"]).post(
            f"/cases/{case.number}/file", {"standard": flow.standard.code}
        ),
        403,
        "role_required",
    )
    assert "File" in body["message"]


def test_reporting_outside_ones_scope_is_403(staff):
    body = error(
        as_user(staff["beta_operator"]).post(
            "/cases",
            {"source": "hotline_12345", "description": "Noise", "lon": 121.505, "lat": 29.865},
        ),
        403,
        "out_of_scope",
    )
    assert "330203001001001" in body["message"]


def test_district_lists_are_disjoint(flow, staff, west_grid):
    east_case = flow.reported()
    west_case = flow.reported()
    Case.objects.filter(pk=west_case.pk).update(grid=west_grid, area_path=west_grid.path)
    west = _numbers(ok(as_user(staff["west_dispatcher"]).get("/cases")))
    city = _numbers(ok(as_user(staff["city_dispatcher"]).get("/cases")))
    admin = _numbers(ok(as_user(staff["admin"]).get("/cases")))
    assert west == {west_case.number}
    assert city == admin == {east_case.number, west_case.number}


# --- disposers: department A against department B's task -------------------------------------


def test_disposer_of_another_department_cannot_see_or_act_on_the_task(flow, staff):
    case, (roads_task,) = flow.dispatched()  # to the city roads bureau only
    alpha = as_user(staff["alpha_disposer"])  # Alpha street office, whose area holds the case
    error(alpha.get(f"/cases/{case.number}"), 404, "not_found")
    assert ok(alpha.get("/cases"))["count"] == 0
    assert ok(alpha.get("/tasks"))["count"] == 0
    assert ok(alpha.get("/tasks", {"case": case.number}))["count"] == 0
    for move, body in TASK_MOVES:
        error(alpha.post(f"/tasks/{roads_task.pk}/{move}", body), 404, "not_found")
    error(
        alpha.upload(case.number, kind="after", task=roads_task.pk, photos=[photo()]),
        404,
        "not_found",
    )
    roads_task.refresh_from_db()
    assert roads_task.status == "pending"
    # Its own department does see and act.
    roads = as_user(staff["roads_disposer"])
    assert [t["id"] for t in ok(roads.get("/tasks"))["items"]] == [roads_task.pk]
    assert _numbers(ok(roads.get("/cases"))) == {case.number}
    ok(roads.post(f"/tasks/{roads_task.pk}/accept"))


def test_disposers_see_only_cases_dispatched_to_their_department(flow, staff):
    not_yet = flow.filed()
    # The roads bureau's area is the whole city, yet a case it has no task on stays unseen.
    roads = as_user(staff["roads_disposer"])
    error(roads.get(f"/cases/{not_yet.number}"), 404, "not_found")
    assert not_yet.number not in _numbers(ok(roads.get("/cases")))


def test_joint_case_each_department_acts_only_on_its_own_task(flow, staff, alpha_office):
    case, tasks = flow.dispatched(departments=[flow.roads, alpha_office])
    roads_task, alpha_task = tasks
    alpha = as_user(staff["alpha_disposer"])
    detail = ok(alpha.get(f"/cases/{case.number}"))  # a participant sees the whole case
    assert {t["department"]["code"] for t in detail["tasks"]} == {"CITY-ROADS", "ST-ALPHA"}
    assert [t["id"] for t in ok(alpha.get("/tasks"))["items"]] == [alpha_task.pk]
    error(alpha.post(f"/tasks/{roads_task.pk}/accept"), 404, "not_found")
    ok(alpha.post(f"/tasks/{alpha_task.pk}/accept"))


def test_desk_staff_see_tasks_by_area(flow, staff):
    _case, (task,) = flow.dispatched()
    assert [t["id"] for t in ok(as_user(staff["city_dispatcher"]).get("/tasks"))["items"]] == [
        task.pk
    ]
    assert ok(as_user(staff["west_dispatcher"]).get("/tasks"))["count"] == 0
    error(
        as_user(staff["west_dispatcher"]).post(
            f"/tasks/{task.pk}/extension/reject", {"reason": "x"}
        ),
        404,
    )


# --- token auth ------------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["Authorization", "X-API-Key"])
def test_token_auth_reaches_the_same_answers(flow, staff, header):
    case, (task,) = flow.dispatched()
    _row, roads_key = api_token_create(user=staff["roads_disposer"], name="app")
    _row, alpha_key = api_token_create(user=staff["alpha_disposer"], name="app")
    roads = with_token(roads_key, header=header)
    alpha = with_token(alpha_key, header=header)
    assert [t["id"] for t in ok(roads.get("/tasks"))["items"]] == [task.pk]
    error(alpha.post(f"/tasks/{task.pk}/accept"), 404, "not_found")
    body = ok(roads.post(f"/tasks/{task.pk}/accept", {"note": "via app"}))
    assert body["tasks"][0]["assignee"] == "disposer_roads"
    error(roads.post(f"/cases/{case.number}/close"), 403, "role_required")
    ok(roads.upload(case.number, kind="after", task=task.pk, photos=[photo()]), 201)
    assert ok(roads.post(f"/tasks/{task.pk}/dispose"))["status"] == "disposed"


def test_a_bad_token_is_401(flow):
    case = flow.reported()
    error(with_token("not-a-token").get(f"/cases/{case.number}"), 401, "unauthorized")
