"""督办回复: a 督办 asks the department to report back; its reply goes on the supervision
records and the trail, and the task leaves the 督办待回复 queue (desk and phone)."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from cases.models import CaseEvent
from cases.states import CaseAction
from cases.tests.api_client import as_user
from core.errors import Conflict, PermissionDenied, ValidationFailed
from dispatch import queues, scanner, selectors, services
from dispatch.models import Supervision, SupervisionKind
from dispatch.tests.conftest import T0, local
from org.factories import DEFAULT_PASSWORD
from org.models import Role
from org.services import staff_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def alpha_disposer(units):
    return staff_create(
        username="disposer_alpha",
        password=DEFAULT_PASSWORD,
        role=Role.DISPOSER,
        department=units.alpha,
    ).user


@pytest.fixture
def pressed(clock, filed, staff):
    """The Alpha street office's task, supervised by the leader (人工督办)."""
    [task] = services.route(case=filed(), actor=staff["city_dispatcher"])
    services.supervise(task=task, actor=staff["city_leader"], note="Finish before noon")
    return task


def test_a_reply_answers_the_supervision_and_goes_on_the_trail(pressed, alpha_disposer):
    assert services.may_reply(alpha_disposer, pressed)
    [record] = services.reply_supervision(
        task=pressed, actor=alpha_disposer, note="Crew on site, done by 11:00"
    )
    record.refresh_from_db()
    assert (record.reply, record.replied_by) == ("Crew on site, done by 11:00", alpha_disposer)
    assert record.replied_at is not None
    event = CaseEvent.objects.filter(case=pressed.case).latest("pk")
    assert (event.action, event.actor, event.note) == (
        CaseAction.SUPERVISION_REPLY,
        alpha_disposer,
        "Crew on site, done by 11:00",
    )
    assert not services.may_reply(alpha_disposer, pressed)  # nothing left to answer
    with pytest.raises(Conflict):
        services.reply_supervision(task=pressed, actor=alpha_disposer, note="again")


def test_only_the_tasks_department_replies_and_it_says_something(pressed, staff, alpha_disposer):
    with pytest.raises(PermissionDenied):
        services.reply_supervision(task=pressed, actor=staff["roads_disposer"], note="x")
    with pytest.raises(PermissionDenied):
        services.reply_supervision(task=pressed, actor=staff["city_dispatcher"], note="x")
    with pytest.raises(ValidationFailed):
        services.reply_supervision(task=pressed, actor=alpha_disposer, note="  ")
    assert not Supervision.objects.filter(replied_at__isnull=False).exists()


def test_a_reminder_asks_no_reply_but_a_red_light_supervision_does(clock, filed, staff):
    [task] = services.route(case=filed(), actor=staff["city_dispatcher"])
    clock.move_to(local(2026, 11, 23, 14, 30))
    scanner.scan()  # yellow: 催办
    assert not selectors.unanswered([task.pk]).exists()
    clock.move_to(local(2026, 11, 23, 15, 1))
    scanner.scan()  # red: 督办, "report back"
    assert [s.kind for s in selectors.unanswered([task.pk])] == [SupervisionKind.SUPERVISE]


def test_the_queue_holds_the_task_until_the_reply(pressed, staff, alpha_disposer):
    queue = queues.REPLIES
    assert list(queue.tasks(alpha_disposer)) == [pressed]
    assert list(queue.tasks(staff["city_dispatcher"])) == [pressed]
    assert not queue.tasks(staff["roads_disposer"]).exists()
    client = Client()
    client.force_login(alpha_disposer)
    phone = client.get("/en/cases/m/tasks/")
    [card] = phone.context["cards"]
    assert [s.text for s in card["supervisions"]] and "Finish before noon" in (
        card["supervisions"][0].text
    )
    html = phone.content.decode()
    assert 'data-move="supervision_reply"' in html
    response = client.post(
        f"/en/cases/{pressed.case.number}/do/supervision_reply/",
        {"task": pressed.pk, "note": "Done by 11:00", "next": "/en/cases/m/tasks/"},
    )
    assert response.status_code == 302
    assert not queue.tasks(alpha_disposer).exists()
    assert not queue.tasks(staff["city_dispatcher"]).exists()


def test_the_api_reply_and_the_record_it_returns(pressed, alpha_disposer, staff):
    api = as_user(alpha_disposer)
    response = api.post(f"/dispatch/tasks/{pressed.pk}/reply", {"note": "On it"})
    assert response.status_code == 200, response.json()
    [record] = response.json()
    assert (record["reply"], record["replied_by"], record["kind"]) == (
        "On it",
        "disposer_alpha",
        "manual",
    )
    again = api.post(f"/dispatch/tasks/{pressed.pk}/reply", {"note": "On it"})
    assert again.status_code == 409
    other = as_user(staff["roads_disposer"])
    assert other.post(f"/dispatch/tasks/{pressed.pk}/reply", {"note": "x"}).status_code == 404
