"""Each move through the API: it works, and it refuses with the right status and code.

409 the state does not allow it, 403 a visible case but the wrong role or department,
404 a case or task outside the caller's scope (and the case unchanged), 422 bad input.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from cases.models import Case, Task
from cases.tests.api_client import as_user, error, ok
from cases.tests.conftest import T0, photo

LATER = T0 + timedelta(hours=3)  # after every step the flow fixture takes


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(LATER, tick=False)


@pytest.fixture
def api(staff):
    """``api("city_dispatcher")`` -> a client logged in as that persona."""
    return lambda name: as_user(staff[name])


def status_of(number: str) -> str:
    return Case.objects.get(number=number).status


# --- case moves ------------------------------------------------------------------------------


def test_verify_only_while_verifying_and_only_by_an_inspector(flow, api):
    trusted = flow.reported()
    error(api("alpha_inspector").post(f"/cases/{trusted.number}/verify"), 409, "illegal_move")
    doubtful = flow.reported(trusted=False)
    error(api("city_dispatcher").post(f"/cases/{doubtful.number}/verify"), 403, "role_required")
    ok(api("alpha_inspector").post(f"/cases/{doubtful.number}/verify"))
    error(api("alpha_inspector").post(f"/cases/{doubtful.number}/verify"), 409, "already_done")


def test_verify_findings_and_the_desks_answers_through_the_api(flow, api):
    case = flow.reported(trusted=False)
    path = f"/cases/{case.number}"
    error(api("alpha_inspector").post(f"{path}/verify", {"finding": "perhaps"}), 422)
    error(api("alpha_inspector").post(f"{path}/verify", {"finding": "elsewhere"}), 422)
    body = ok(
        api("alpha_inspector").post(
            f"{path}/verify", {"finding": "elsewhere", "note": "next community"}
        )
    )
    assert body["verify_finding"] == "elsewhere" and body["verified_at"] is None
    assert {"reverify", "refuse"} <= set(ok(api("shift_leader").get(path))["actions"])
    error(api("shift_leader").post(f"{path}/reverify", {"grid": "NOPE"}), 422)
    body = ok(api("shift_leader").post(f"{path}/reverify", {"grid": "330203001002001"}))
    assert body["verify_finding"] == "" and body["grid_code"] == "330203001002001"
    ok(api("alpha_inspector").post(f"{path}/verify", {"finding": "false", "note": "fine"}))
    error(api("city_dispatcher").post(f"{path}/refuse", {"reason": "x"}), 403, "role_required")
    body = ok(api("shift_leader").post(f"{path}/refuse", {"reason": "The road is fine"}))
    assert body["status"] == "voided"


def test_file_checks_role_standard_and_state(flow, api, standard):
    case = flow.reported()
    error(
        api("alpha_inspector").post(f"/cases/{case.number}/file", {"standard": standard.code}),
        403,
        "role_required",
    )
    body = error(
        api("shift_leader").post(f"/cases/{case.number}/file", {"standard": "NOPE"}), 422, "invalid"
    )
    assert "NOPE" in body["message"]
    error(api("shift_leader").post(f"/cases/{case.number}/file", {}), 422, "invalid")
    case = ok(
        api("shift_leader").post(
            f"/cases/{case.number}/file", {"standard": standard.code, "priority": "urgent"}
        )
    )
    assert case["priority"] == "urgent"
    error(
        api("shift_leader").post(f"/cases/{case['number']}/file", {"standard": standard.code}),
        409,
        "illegal_move",
    )


def test_void_needs_a_reason_and_is_refused_after_dispatch(flow, api):
    case = flow.filed()
    error(api("shift_leader").post(f"/cases/{case.number}/void", {}), 422, "invalid")
    error(
        api("shift_leader").post(f"/cases/{case.number}/void", {"reason": "  "}),
        422,
        "reason_required",
    )
    error(
        api("city_dispatcher").post(f"/cases/{case.number}/void", {"reason": "Duplicate"}),
        403,
        "role_required",
    )
    body = ok(api("shift_leader").post(f"/cases/{case.number}/void", {"reason": "Duplicate"}))
    assert body["status"] == "voided"
    dispatched, _tasks = flow.dispatched()
    body = error(
        api("shift_leader").post(f"/cases/{dispatched.number}/void", {"reason": "Duplicate"}),
        409,
        "illegal_move",
    )
    assert "Dispatched" in body["message"]


def test_dispatch_to_a_joint_case_with_a_lead(flow, api):
    case = flow.filed()
    body = ok(
        api("city_dispatcher").post(
            f"/cases/{case.number}/dispatch",
            {"departments": ["CITY-ROADS", "ST-ALPHA"], "lead": "ST-ALPHA", "note": "joint"},
        )
    )
    assert [(t["department"]["code"], t["is_lead"]) for t in body["tasks"]] == [
        ("ST-ALPHA", True),
        ("CITY-ROADS", False),
    ]
    error(
        api("city_dispatcher").post(
            f"/cases/{case.number}/dispatch", {"departments": ["ST-ALPHA"]}
        ),
        409,
        "illegal_move",
    )


def test_dispatch_refuses_unknown_departments_wrong_roles_and_unfiled_cases(flow, api):
    filed = flow.filed()
    body = error(
        api("city_dispatcher").post(
            f"/cases/{filed.number}/dispatch", {"departments": ["CITY-ROADS", "NOWHERE"]}
        ),
        422,
        "invalid",
    )
    assert "NOWHERE" in body["message"]
    error(api("city_dispatcher").post(f"/cases/{filed.number}/dispatch", {"departments": []}), 422)
    error(
        api("alpha_inspector").post(
            f"/cases/{filed.number}/dispatch", {"departments": ["ST-ALPHA"]}
        ),
        403,
        "role_required",
    )
    reported = flow.reported()
    error(
        api("city_dispatcher").post(
            f"/cases/{reported.number}/dispatch", {"departments": ["ST-ALPHA"]}
        ),
        409,
        "illegal_move",
    )
    assert status_of(reported.number) == "reported"


def test_upgrade_once_with_a_reason(flow, api):
    case, _tasks = flow.dispatched()
    path = f"/cases/{case.number}/upgrade"
    error(api("city_dispatcher").post(path, {"reason": ""}), 422, "reason_required")
    error(api("alpha_inspector").post(path, {"reason": "Traffic hazard"}), 403, "role_required")
    body = ok(api("city_leader").post(path, {"reason": "Traffic hazard"}))
    assert body["priority"] == "urgent"
    assert body["tasks"][0]["time_unit"] == "urgent_hour"
    error(api("city_dispatcher").post(path, {"reason": "Again"}), 409, "already_done")


def test_suspend_and_resume(flow, api):
    filed = flow.filed()
    error(
        api("city_dispatcher").post(f"/cases/{filed.number}/suspend", {"reason": "Winter"}),
        409,
        "illegal_move",
    )
    case, _tasks = flow.dispatched()
    error(api("city_dispatcher").post(f"/cases/{case.number}/resume"), 409, "illegal_move")
    error(
        api("roads_disposer").post(f"/cases/{case.number}/suspend", {"reason": "Winter"}),
        403,
        "role_required",
    )
    body = ok(api("city_dispatcher").post(f"/cases/{case.number}/suspend", {"reason": "Winter"}))
    assert body["status"] == "suspended"
    assert body["tasks"][0]["paused_at"] is not None
    body = ok(api("city_dispatcher").post(f"/cases/{case.number}/resume", {"note": "Spring"}))
    assert body["status"] == "dispatched" and body["tasks"][0]["paused_at"] is None


def test_start_check_and_check_pass_need_a_disposed_case(flow, api):
    case, _tasks = flow.dispatched()
    error(api("alpha_inspector").post(f"/cases/{case.number}/start-check"), 409, "illegal_move")
    error(api("alpha_inspector").post(f"/cases/{case.number}/check-pass"), 409, "illegal_move")
    disposed, _task = flow.disposed()
    error(
        api("city_dispatcher").post(f"/cases/{disposed.number}/start-check"), 403, "role_required"
    )
    ok(api("alpha_inspector").post(f"/cases/{disposed.number}/check-pass"))
    error(api("alpha_inspector").post(f"/cases/{disposed.number}/check-pass"), 409, "already_done")


def test_check_fail_sends_the_task_back_for_rework(flow, api):
    case, task = flow.disposed()
    path = f"/cases/{case.number}/check-fail"
    error(api("alpha_inspector").post(path, {"reason": "Still loose", "tasks": [999999]}), 422)
    error(api("alpha_inspector").post(path, {"reason": ""}), 422, "reason_required")
    body = ok(api("alpha_inspector").post(path, {"reason": "Still loose", "tasks": [task.pk]}))
    assert body["status"] == "dispatched" and body["rework_count"] == 1
    assert body["tasks"][0]["status"] == "rework"
    error(api("alpha_inspector").post(path, {"reason": "Again"}), 409, "illegal_move")


def test_close_needs_a_passed_check_and_the_shift_leader(flow, api):
    case, _task = flow.disposed()
    ok(api("alpha_inspector").post(f"/cases/{case.number}/start-check"))
    error(api("shift_leader").post(f"/cases/{case.number}/close"), 409, "check_required")
    ok(api("alpha_inspector").post(f"/cases/{case.number}/check-pass"))
    error(api("alpha_inspector").post(f"/cases/{case.number}/close"), 403, "role_required")
    assert ok(api("shift_leader").post(f"/cases/{case.number}/close"))["status"] == "closed"
    error(api("shift_leader").post(f"/cases/{case.number}/close"), 409, "illegal_move")


def test_unknown_case_is_404(staff, api):
    error(api("admin").get("/cases/NB2026112399999"), 404, "not_found")
    error(api("admin").post("/cases/NB2026112399999/close"), 404, "not_found")


def test_anonymous_caller_gets_401(client, flow):
    case = flow.reported()
    error(client.get("/api/v1/cases"), 401, "unauthorized")
    error(client.post(f"/api/v1/cases/{case.number}/void", {}), 401, "unauthorized")


# --- task moves ------------------------------------------------------------------------------


def test_accept_twice_is_a_conflict_and_desk_staff_may_not_accept(flow, api):
    _case, (task,) = flow.dispatched()
    error(api("city_dispatcher").post(f"/tasks/{task.pk}/accept"), 403, "role_required")
    ok(api("roads_disposer").post(f"/tasks/{task.pk}/accept"))
    error(api("roads_disposer").post(f"/tasks/{task.pk}/accept"), 409, "illegal_move")
    error(api("roads_disposer").post("/tasks/999999/accept"), 404, "not_found")


def test_return_needs_a_reason_and_sends_the_case_back_to_filed(flow, api):
    _case, (task,) = flow.dispatched()
    error(api("roads_disposer").post(f"/tasks/{task.pk}/return", {"reason": ""}), 422)
    body = ok(api("roads_disposer").post(f"/tasks/{task.pk}/return", {"reason": "Not ours"}))
    assert body["status"] == "filed" and body["needs_fallback"] and body["returned_count"] == 1
    error(api("roads_disposer").post(f"/tasks/{task.pk}/return", {"reason": "x"}), 409)


def test_a_helpers_return_waits_for_the_desk_who_reroutes_or_settles_it(
    flow, api, roads, alpha_office
):
    case, (_lead, share) = flow.dispatched(departments=[roads, alpha_office], lead=roads)
    body = ok(api("alpha_disposer").post(f"/tasks/{share.pk}/return", {"reason": "Not ours"}))
    assert body["status"] == "dispatched" and not body["needs_fallback"]
    waiting = {t["department"]["code"]: t["awaits_desk"] for t in body["tasks"]}
    assert waiting == {"CITY-ROADS": False, "ST-ALPHA": True}
    path = f"/tasks/{share.pk}/reroute"
    error(api("alpha_disposer").post(path, {"department": "ST-BETA"}), 403, "role_required")
    error(api("city_dispatcher").post(path, {"department": "NOPE"}), 422)
    error(api("city_dispatcher").post(path, {"department": "CITY-ROADS"}), 422)
    body = ok(api("city_dispatcher").post(path, {"department": "ST-BETA", "note": "Beta"}))
    codes = {t["department"]["code"]: t["status"] for t in body["tasks"]}
    assert codes == {"CITY-ROADS": "pending", "ST-ALPHA": "returned", "ST-BETA": "pending"}
    assert not any(t["awaits_desk"] for t in body["tasks"])
    error(api("city_dispatcher").post(path, {"department": "ST-BETA"}), 409, "already_done")
    settle = f"/tasks/{share.pk}/settle"
    error(api("city_dispatcher").post(settle, {"reason": "x"}), 409, "already_done")


def test_extension_request_approve_and_reject(flow, api):
    _case, (task,) = flow.dispatched()
    path = f"/tasks/{task.pk}/extension"
    error(api("roads_disposer").post(path, {"amount": 2, "reason": "Parts"}), 409, "illegal_move")
    ok(api("roads_disposer").post(f"/tasks/{task.pk}/accept"))
    error(api("roads_disposer").post(path, {"amount": 0, "reason": "Parts"}), 422, "invalid")
    error(api("roads_disposer").post(path, {"amount": 2}), 422, "invalid")
    body = ok(api("roads_disposer").post(path, {"amount": 2, "reason": "Parts on order"}))
    assert body["tasks"][0]["status"] == "extension_requested"
    assert body["tasks"][0]["extension_amount"] == 2.0
    error(api("roads_disposer").post(f"{path}/approve"), 403, "role_required")
    desk_inbox = ok(api("city_dispatcher").get("/tasks", {"status": "extension_requested"}))
    assert [t["id"] for t in desk_inbox["items"]] == [task.pk]
    before = body["tasks"][0]["deadline_at"]
    body = ok(api("city_dispatcher").post(f"{path}/approve", {"note": "Fine"}))
    assert body["tasks"][0]["status"] == "accepted" and body["tasks"][0]["extended"] == 2.0
    assert body["tasks"][0]["deadline_at"] > before
    error(api("city_dispatcher").post(f"{path}/approve"), 409, "illegal_move")
    ok(api("roads_disposer").post(path, {"amount": 1, "reason": "More rain"}))
    error(api("city_dispatcher").post(f"{path}/reject", {"reason": ""}), 422, "reason_required")
    body = ok(api("city_dispatcher").post(f"{path}/reject", {"reason": "Work in the dry spell"}))
    assert body["tasks"][0]["status"] == "accepted" and body["tasks"][0]["extended"] == 2.0


def test_dispose_needs_an_uploaded_after_photo(flow, api):
    case, task = flow.accepted()
    disposer = api("roads_disposer")
    error(disposer.post(f"/tasks/{task.pk}/dispose"), 422, "after_photo_required")
    assert Task.objects.get(pk=task.pk).status == "accepted"
    ok(disposer.upload(case.number, kind="after", task=task.pk, photos=[photo()]), 201)
    assert ok(disposer.post(f"/tasks/{task.pk}/dispose"))["status"] == "disposed"
    error(disposer.post(f"/tasks/{task.pk}/dispose"), 409, "illegal_move")


def test_dispose_before_accepting_is_refused(flow, api):
    case, (task,) = flow.dispatched()
    disposer = api("roads_disposer")
    ok(disposer.upload(case.number, kind="after", task=task.pk, photos=[photo()]), 201)
    error(disposer.post(f"/tasks/{task.pk}/dispose"), 409, "illegal_move")


# --- photos ----------------------------------------------------------------------------------


def test_photo_upload_refusals(flow, api):
    case, task = flow.accepted()
    disposer = api("roads_disposer")
    body = error(disposer.upload(case.number, kind="after", photos=[photo()]), 422, "invalid")
    assert "task" in body["message"]
    error(disposer.upload(case.number, kind="after", task=999999, photos=[photo()]), 422)
    error(disposer.upload(case.number, kind="sideways", task=task.pk, photos=[photo()]), 422)
    error(disposer.upload(case.number, kind="after", task=task.pk, photos=[]), 422)
    too_many = [photo(f"p{i}.jpg") for i in range(10)]
    error(disposer.upload(case.number, kind="after", task=task.pk, photos=too_many), 422)
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("evil.jpg", b"<script>", content_type="image/jpeg")
    body = error(disposer.upload(case.number, kind="after", task=task.pk, photos=[fake]), 422)
    assert body["code"] == "photo_type" and "evil.jpg" in body["message"]
    assert not case.evidence.exists()


def test_photos_on_a_closed_case_are_refused(flow, api):
    case, _task = flow.check_passed()
    ok(api("shift_leader").post(f"/cases/{case.number}/close"))
    error(
        api("alpha_inspector").upload(case.number, kind="check", photos=[photo()]),
        409,
        "illegal_move",
    )
