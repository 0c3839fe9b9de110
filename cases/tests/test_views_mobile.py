"""Phone pages: the disposer's task list and moves, the inspector's verify/check list. (The
inspector's report is an intake channel: intake/tests/test_channel_inspector.py.)"""

from __future__ import annotations

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from cases import services
from cases.models import Case
from cases.states import CaseStatus, SourceChannel, TaskStatus
from cases.tests.conftest import local, photo

TASKS = "/en/cases/m/tasks/"
INSPECT = "/en/cases/m/inspect/"
ALPHA_1 = (121.505, 29.865)  # inside grid 330203001001001 (street Alpha)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(local(23, 10), tick=False):
        yield


def act_url(case: Case, action: str) -> str:
    return reverse("cases:act", args=[case.number, action])


def notes(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_urls():
    assert (reverse("cases:my_tasks"), reverse("cases:inspect")) == (
        TASKS,
        INSPECT,
    )


def test_phone_pages_send_other_roles_to_their_own_page(client, staff):
    client.force_login(staff["city_dispatcher"])
    assert client.get(TASKS)["Location"] == reverse("cases:workbench")
    assert client.get(INSPECT)["Location"] == reverse("cases:workbench")
    client.force_login(staff["roads_disposer"])
    assert client.get(INSPECT)["Location"] == TASKS
    assert client.get("/en/intake/m/report/")["Location"] == TASKS


def test_disposer_lists_only_their_departments_open_tasks(client, flow, staff):
    case, [task] = flow.dispatched()
    client.force_login(staff["roads_disposer"])
    response = client.get(TASKS)
    body = response.content.decode()
    assert [c["task"] for c in response.context["cards"]] == [task]
    assert f'data-case="{case.number}"' in body and 'data-light="green"' in body
    assert [m.action for m in response.context["cards"][0]["moves"]] == ["accept", "return"]
    assert 'name="viewport"' in body
    client.force_login(staff["alpha_disposer"])
    response = client.get(TASKS)
    assert response.context["cards"] == [] and case.number not in response.content.decode()


def test_accept_from_the_phone_returns_to_the_list(client, flow, staff):
    case, [task] = flow.dispatched()
    client.force_login(staff["roads_disposer"])
    response = client.post(act_url(case, "accept"), {"task": task.pk, "next": TASKS})
    assert response.status_code == 302 and response["Location"] == TASKS
    task.refresh_from_db()
    assert (task.status, task.assignee) == (TaskStatus.ACCEPTED, staff["roads_disposer"])
    moves = [m.action for m in client.get(TASKS).context["cards"][0]["moves"]]
    assert moves == ["dispose", "request_extension", "return"]


def test_dispose_form_opens_the_phone_camera(client, flow, staff):
    case, task = flow.accepted()
    client.force_login(staff["roads_disposer"])
    body = client.get(TASKS).content.decode()
    assert 'enctype="multipart/form-data"' in body
    assert 'accept="image/*"' in body and 'capture="environment"' in body


def test_dispose_with_a_photo(client, flow, staff):
    case, task = flow.accepted()
    client.force_login(staff["roads_disposer"])
    response = client.post(
        act_url(case, "dispose"),
        {"task": task.pk, "note": "cover replaced", "photos": [photo("done.jpg")], "next": TASKS},
    )
    assert response["Location"] == TASKS
    assert notes(response) == [f"Dispose 处置: done on case {case.number}."]
    case.refresh_from_db()
    assert case.status == CaseStatus.DISPOSED
    assert case.evidence.get().kind == "after"
    assert client.get(TASKS).context["cards"] == []


def test_dispose_without_a_photo_is_refused_with_a_message(client, flow, staff):
    case, task = flow.accepted()
    client.force_login(staff["roads_disposer"])
    response = client.post(act_url(case, "dispose"), {"task": task.pk, "next": TASKS})
    assert response.status_code == 302
    assert notes(response) == [
        "Dispose 处置 was not done: After-photos: Take or choose at least one photo."
    ]
    task.refresh_from_db()
    assert task.status == TaskStatus.ACCEPTED


def test_a_file_that_is_not_a_photo_is_refused_with_its_name(client, flow, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case, task = flow.accepted()
    client.force_login(staff["roads_disposer"])
    fake = SimpleUploadedFile("notes.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(act_url(case, "dispose"), {"task": task.pk, "photos": [fake]})
    assert response.status_code == 302
    assert "notes.jpg is not a JPEG, PNG or WebP photo." in notes(response)[0]


def test_return_needs_a_reason_and_sends_the_case_back(client, flow, staff):
    case, [task] = flow.dispatched()
    client.force_login(staff["roads_disposer"])
    client.post(act_url(case, "return"), {"task": task.pk, "reason": "water pipe, not a road"})
    case.refresh_from_db()
    assert (case.status, case.returned_count) == (CaseStatus.FILED, 1)
    assert case.events.last().reason == "water pipe, not a road"


def test_request_extension(client, flow, staff):
    case, task = flow.accepted()
    client.force_login(staff["roads_disposer"])
    client.post(
        act_url(case, "request_extension"),
        {"task": task.pk, "amount": "2", "reason": "parts on order"},
    )
    task.refresh_from_db()
    assert (task.status, task.extension_amount) == (TaskStatus.EXTENSION_REQUESTED, 2)
    # The desk now sees the decision on the case page.
    client.force_login(staff["city_dispatcher"])
    moves = client.get(reverse("cases:case", args=[case.number])).context["moves"]
    assert [(m.action, m.task) for m in moves if "extension" in m.action] == [
        ("approve_extension", task),
        ("reject_extension", task),
    ]


def test_inspector_lists_cases_to_verify_and_to_check_in_their_areas(client, flow, staff):
    unverified = flow.reported(trusted=False, source=SourceChannel.CITIZEN)
    disposed, _task = flow.disposed()
    flow.reported()  # trusted: nothing for the inspector
    client.force_login(staff["alpha_inspector"])
    response = client.get(INSPECT)
    assert [c["case"] for c in response.context["verify_cards"]] == [unverified]
    assert [c["case"] for c in response.context["check_cards"]] == [disposed]
    assert [m.action for m in response.context["verify_cards"][0]["moves"]] == ["verify"]
    assert [m.action for m in response.context["check_cards"][0]["moves"]] == [
        "check_pass",
        "check_fail",
    ]
    client.force_login(staff["gamma_inspector"])
    response = client.get(INSPECT)
    assert response.context["verify_cards"] == [] and response.context["check_cards"] == []


def test_inspector_verifies_and_passes_a_check_with_a_photo(client, flow, staff):
    unverified = flow.reported(trusted=False, source=SourceChannel.CITIZEN)
    disposed, _task = flow.disposed()
    client.force_login(staff["alpha_inspector"])
    client.post(
        act_url(unverified, "verify"),
        {"finding": "confirmed", "note": "it is there", "next": INSPECT},
    )
    response = client.post(
        act_url(disposed, "check_pass"), {"photos": [photo("check.jpg")], "next": INSPECT}
    )
    assert response["Location"] == INSPECT
    unverified.refresh_from_db()
    disposed.refresh_from_db()
    assert unverified.verified_at is not None
    assert disposed.status == CaseStatus.CHECKING and disposed.check_passed_at is not None
    assert disposed.evidence.filter(kind="check").count() == 1
    response = client.get(INSPECT)
    assert response.context["verify_cards"] == [] and response.context["check_cards"] == []


def test_verify_on_the_phone_offers_the_three_findings_and_a_camera(client, flow, staff):
    case = flow.reported(trusted=False, source=SourceChannel.CITIZEN)
    client.force_login(staff["alpha_inspector"])
    page = client.get(INSPECT).content.decode()
    form = page[page.index('data-move="verify"') :]
    form = form[: form.index("</form>")]
    for value in ("confirmed", "false", "elsewhere"):
        assert f'value="{value}"' in form
    assert 'capture="environment"' in form
    # 不属实 without a reason is refused on the spot, nothing changes.
    response = client.post(act_url(case, "verify"), {"finding": "false", "next": INSPECT})
    assert "a reason is needed" in " ".join(notes(response))
    case.refresh_from_db()
    assert case.verify_finding == ""


def test_a_finding_of_not_true_leaves_the_inspector_list_and_reaches_the_desk(client, flow, staff):
    case = flow.reported(trusted=False, source=SourceChannel.CITIZEN)
    client.force_login(staff["alpha_inspector"])
    client.post(
        act_url(case, "verify"),
        {"finding": "false", "note": "no pothole, the road is fine", "photos": [photo("ok.jpg")]},
    )
    case.refresh_from_db()
    assert case.verify_finding == "false" and case.evidence.filter(kind="before").count() == 1
    assert client.get(INSPECT).context["verify_cards"] == []
    client.force_login(staff["shift_leader"])
    page = client.get(reverse("cases:case", args=[case.number])).content.decode()
    assert 'id="verify-finding"' in page and "no pothole, the road is fine" in page
    assert 'data-move="refuse"' in page and 'data-move="reverify"' in page
    assert 'data-move="file"' not in page
    listing = client.get("/en/cases/?queue=verifying").content.decode()
    assert 'data-finding="false"' in listing
    client.post(act_url(case, "refuse"), {"reason": "the road is fine"})
    case.refresh_from_db()
    assert case.status == CaseStatus.VOIDED


def test_the_check_card_shows_the_after_photo_beside_the_before_photo(client, flow, staff):
    case, task = flow.accepted()
    services.evidence_attach(
        case=case, actor=staff["alpha_inspector"], photos=[photo("before.jpg")], kind="before"
    )
    services.task_dispose(task=task, actor=staff["roads_disposer"], photos=[photo("after.jpg")])
    client.force_login(staff["alpha_inspector"])
    page = client.get(INSPECT).content.decode()
    card = page[page.index(f'data-case="{case.number}"') :]
    assert card.index('data-kind="before"') < card.index('data-kind="after"')
    [check] = client.get(INSPECT).context["check_cards"]
    assert [e.kind for e in check["before"]] == ["before"]
    assert [e.kind for e in check["after"]] == ["after"]


def test_failed_check_sends_the_work_back(client, flow, staff):
    case, task = flow.disposed()
    client.force_login(staff["alpha_inspector"])
    client.post(act_url(case, "check_fail"), {"reason": "cover still loose"})
    case.refresh_from_db()
    task.refresh_from_db()
    assert (case.status, task.status, case.rework_count) == ("dispatched", "rework", 1)


def test_the_disposer_card_shows_what_matters(client, flow, staff, t0):
    """紧急 badge, closing condition 结案条件, the reporter's before-photos, a small map with the
    point, and the 督办 addressed to the task (from the dispatch app)."""
    from cases import services
    from dispatch import services as dispatch_services

    case, [task] = flow.dispatched(photos=[photo("before.jpg")], lon=ALPHA_1[0], lat=ALPHA_1[1])
    services.case_upgrade(case=case, actor=staff["city_dispatcher"], reason="Gas smell", now=t0)
    dispatch_services.supervise(task=task, actor=staff["city_leader"], note="Fix it by noon")
    client.force_login(staff["roads_disposer"])
    response = client.get(TASKS)
    [card] = response.context["cards"]
    assert [e.kind for e in card["before"]] == ["before"]
    assert (card["map"]["lon"], card["map"]["lat"]) == ALPHA_1
    assert [s.badge for s in card["supervisions"]] == ["Supervision by a person 人工督办"]
    html = response.content.decode()
    assert "data-urgent" in html and "Fix it by noon" in html
    assert case.standard.closing_condition in html
    assert f'id="{card["map_id"]}"' in html and 'class="card-map"' in html
    assert 'data-kind="before"' in html


def test_a_card_without_a_point_or_photos_shows_neither(client, flow, staff):
    _case, [_task] = flow.dispatched()
    client.force_login(staff["roads_disposer"])
    [card] = client.get(TASKS).context["cards"]
    assert card["before"] == [] and card["supervisions"] == []
    assert card["map"]["lon"] is None and card["map"]["grid"]  # the unit grid instead
