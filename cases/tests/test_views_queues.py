"""Work queues (cases.queues) on the workbench and the phone: 待审批延期 and 待处理回退 with counts,
the request's reason on the row, and the decision made right in the queue."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.contrib.messages import get_messages

from cases import queues, services
from cases.models import Task
from cases.states import CaseStatus, TaskStatus
from cases.tests.conftest import T0

URL = "/en/cases/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def counts(response) -> dict[str, int]:
    return {t.key: t.count for t in response.context["tabs"]}


def cards(response) -> list[int]:
    return [c["task"].pk for c in response.context["cards"]]


@pytest.fixture
def asking(flow, staff, t0):
    """A task whose department asked for 2 more working hours (延期申请)."""
    case, [task] = flow.dispatched()
    services.task_accept(task=task, actor=staff["roads_disposer"], now=t0)
    services.task_request_extension(
        task=task, actor=staff["roads_disposer"], amount=Decimal(2), reason="Parts on order", now=t0
    )
    return Task.objects.get(pk=task.pk)


def test_the_extension_queue_lists_the_request_with_its_reason(asking, staff, as_user):
    response = as_user(staff["city_dispatcher"]).get(URL, {"queue": "extensions"})
    assert response.status_code == 200
    assert counts(response)["extensions"] == 1
    assert cards(response) == [asking.pk]
    html = response.content.decode()
    assert "Parts on order" in html
    assert 'data-move="approve_extension"' in html and 'data-move="reject_extension"' in html


def test_approving_from_the_queue_moves_the_deadline_and_comes_back_to_the_queue(
    asking, staff, as_user
):
    client = as_user(staff["city_dispatcher"])
    before = asking.deadline_at
    response = client.post(
        f"{URL}{asking.case.number}/do/approve_extension/",
        {"task": asking.pk, "amount": "2", "note": "", "next": f"{URL}?queue=extensions"},
    )
    assert response.status_code == 302 and response["Location"] == f"{URL}?queue=extensions"
    task = Task.objects.get(pk=asking.pk)
    assert task.status == TaskStatus.ACCEPTED and task.deadline_at > before
    after = client.get(URL, {"queue": "extensions"})
    assert counts(after)["extensions"] == 0 and cards(after) == []
    assert "No cases in this queue." not in after.content.decode()  # the queue's own words


def test_refusing_from_the_queue_needs_a_reason(asking, staff, as_user):
    client = as_user(staff["city_dispatcher"])
    response = client.post(
        f"{URL}{asking.case.number}/do/reject_extension/",
        {"task": asking.pk, "reason": "", "next": f"{URL}?queue=extensions"},
    )
    assert response.status_code == 302
    assert Task.objects.get(pk=asking.pk).status == TaskStatus.EXTENSION_REQUESTED
    assert any("not done" in str(m) for m in get_messages(response.wsgi_request))


def test_the_queues_follow_the_area_scope(asking, staff, as_user):
    response = as_user(staff["west_dispatcher"]).get(URL, {"queue": "extensions"})
    assert counts(response)["extensions"] == 0 and cards(response) == []


def test_the_returns_queue_holds_shares_and_lead_returns_until_handled(
    flow, staff, roads, alpha_office, t0, as_user
):
    joint, [lead, share] = flow.dispatched(departments=[roads, alpha_office], lead=roads)
    services.task_return(task=share, actor=staff["alpha_disposer"], reason="Not a street job")
    single, [alone] = flow.dispatched()
    services.task_return(task=alone, actor=staff["roads_disposer"], reason="Not roads")
    client = as_user(staff["city_dispatcher"])
    response = client.get(URL, {"queue": "returns"})
    assert counts(response)["returns"] == 2
    assert sorted(cards(response)) == sorted([share.pk, alone.pk])
    html = response.content.decode()
    assert "Not a street job" in html and "Not roads" in html
    assert 'data-move="settle_share"' in html  # the share is decided in the queue
    # Settled, the share leaves the queue; dispatched again, the lead return leaves it too.
    services.task_settle_share(task=share, actor=staff["city_dispatcher"], reason="Roads covers it")
    services.case_dispatch(case=single, actor=staff["city_dispatcher"], departments=[alpha_office])
    after = client.get(URL, {"queue": "returns"})
    assert counts(after)["returns"] == 0
    joint.refresh_from_db()
    assert joint.status == CaseStatus.DISPATCHED


def test_disposers_and_inspectors_have_no_desk_queues(staff):
    assert [q.key for q in queues.queues_for(staff["roads_disposer"])] == ["escalated", "replies"]
    assert queues.queues_for(staff["alpha_inspector"]) == []
    keys = [q.key for q in queues.queues_for(staff["city_dispatcher"])]
    assert keys == ["extensions", "returns", "escalated", "replies"]


def test_an_unknown_queue_falls_back_to_the_roles_default(staff, as_user):
    response = as_user(staff["city_dispatcher"]).get(URL, {"queue": "nope"})
    assert response.status_code == 200 and response.context["queue"] == CaseStatus.FILED
