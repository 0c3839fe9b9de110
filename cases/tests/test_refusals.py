"""One rule for state refusals: a move the case's (or task's) state does not allow is a
``Conflict`` (409) wherever it is asked for: the service raises it, the API answers 409 with its
code, a page shows its message. Bad input stays a ``ValidationFailed`` (422)."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from cases import services
from cases.models import Task
from cases.states import TaskStatus
from cases.tests.api_client import as_user, error
from cases.tests.conftest import T0
from core.errors import Conflict, DomainError, ValidationFailed

LATER = T0 + timedelta(hours=3)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(LATER, tick=False):
        yield


def test_the_state_table_refuses_with_a_conflict_carrying_409(flow, staff):
    case = flow.reported()
    with pytest.raises(Conflict) as caught:
        services.case_close(case=case, actor=staff["shift_leader"])
    assert (caught.value.code, caught.value.http_status) == ("illegal_move", 409)
    assert "is possible only from Checking" in caught.value.message


def test_a_task_move_from_the_wrong_task_state_is_a_conflict(flow, staff):
    _case, [task] = flow.dispatched()
    services.task_accept(task=task, actor=staff["roads_disposer"])
    with pytest.raises(Conflict) as caught:
        services.task_accept(task=task, actor=staff["roads_disposer"])
    assert caught.value.code == "illegal_move"


def _verify_twice(flow, staff, standard):
    case = flow.reported(trusted=False)
    services.case_verify(case=case, actor=staff["alpha_inspector"])
    return partial(services.case_verify, case=case, actor=staff["alpha_inspector"])


def _file_unverified(flow, staff, standard):
    case = flow.reported(trusted=False)
    return partial(services.case_file, case=case, actor=staff["shift_leader"], standard=standard)


def _close_unchecked(flow, staff, standard):
    case, _task = flow.disposed()
    services.case_start_check(case=case, actor=staff["alpha_inspector"])
    return partial(services.case_close, case=case, actor=staff["shift_leader"])


def _upgrade_twice(flow, staff, standard):
    case = flow.filed()
    services.case_upgrade(case=case, actor=staff["shift_leader"], reason="Flooding")
    return partial(services.case_upgrade, case=case, actor=staff["shift_leader"], reason="Again")


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        (_verify_twice, "already_done"),
        (_file_unverified, "needs_verification"),
        (_close_unchecked, "check_required"),
        (_upgrade_twice, "already_done"),
    ],
)
def test_every_state_refusal_of_the_services_is_a_conflict(flow, staff, standard, setup, code):
    move = setup(flow, staff, standard)
    with pytest.raises(Conflict) as caught:
        move()
    assert caught.value.code == code


def test_bad_input_stays_a_validation_error_not_a_conflict(flow, staff):
    case = flow.filed()
    with pytest.raises(ValidationFailed) as caught:
        services.case_upgrade(case=case, actor=staff["shift_leader"], reason="  ")
    assert type(caught.value) is ValidationFailed and caught.value.http_status == 422


def test_approving_an_extension_nobody_asked_for_is_a_conflict_not_a_missing_amount(flow, staff):
    _case, task = flow.accepted()
    with pytest.raises(Conflict, match="only when it is Extension requested"):
        services.task_approve_extension(task=task, actor=staff["city_dispatcher"])


def test_no_plain_domain_error_leaves_the_case_services_for_a_refused_move(flow, staff):
    """A lost race and an illegal move look the same to a caller: reload and decide again."""
    case, [task] = flow.dispatched()
    moves = [
        partial(services.case_dispatch, case=case, actor=staff["city_dispatcher"], departments=[]),
        partial(services.task_dispose, task=task, actor=staff["roads_disposer"]),
        partial(services.case_resume, case=case, actor=staff["city_dispatcher"]),
        partial(services.case_check_pass, case=case, actor=staff["alpha_inspector"]),
        partial(services.case_void, case=case, actor=staff["shift_leader"], reason="dup"),
    ]
    refusals = []
    for move in moves:
        with pytest.raises(DomainError) as caught:
            move()
        refusals.append(type(caught.value))
    assert refusals == [Conflict] * len(moves)


# --- the API: 409 with the code, straight from the service --------------------------------------


def test_an_illegal_move_through_the_api_is_409_with_its_code_and_message(flow, staff):
    case = flow.reported()
    body = error(as_user(staff["shift_leader"]).post(f"/cases/{case.number}/close"), 409)
    assert body["code"] == "illegal_move" and "is possible only from Checking" in body["message"]


def test_a_stale_approval_through_the_api_is_409_after_the_role_check(flow, staff):
    _case, task = flow.accepted()
    path = f"/tasks/{task.pk}/extension/approve"
    error(as_user(staff["roads_disposer"]).post(path), 403, "role_required")
    body = error(as_user(staff["city_dispatcher"]).post(path), 409, "illegal_move")
    assert "Extension requested" in body["message"]


def test_bad_input_through_the_api_stays_422(flow, staff):
    case = flow.filed()
    error(
        as_user(staff["shift_leader"]).post(f"/cases/{case.number}/upgrade", {"reason": " "}),
        422,
    )


# --- the pages: the message, never a 500 ---------------------------------------------------------


def test_a_stale_move_from_a_page_is_a_message(client, flow, staff):
    case, [task] = flow.dispatched()
    services.task_accept(task=task, actor=staff["roads_disposer"])  # meanwhile, on the phone
    client.force_login(staff["roads_disposer"])
    response = client.post(
        reverse("cases:act", args=[case.number, "accept"]), {"task": task.pk, "note": ""}
    )
    assert response.status_code == 302
    [text] = [str(m) for m in get_messages(response.wsgi_request)]
    assert text.startswith("Accept 接收 was not done: This task is Accepted")
    assert Task.objects.get(pk=task.pk).status == TaskStatus.ACCEPTED
