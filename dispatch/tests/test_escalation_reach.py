"""Escalation reaches someone who can act (升级督办): the department a late task was escalated
to sees the case (page and API), finds the task in its queue, and may press the late
department (督办); other departments still get a 404, in the reader's language."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cases import queues as queues_module
from cases.api_selectors import visible_cases, visible_tasks
from cases.tests.api_client import as_user
from dispatch import scanner, selectors, services
from dispatch.models import EscalationRule, Supervision, SupervisionKind
from dispatch.tests.conftest import T0, local
from org.factories import DEFAULT_PASSWORD
from org.models import DepartmentLevel, Role
from org.services import staff_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalated(filed, staff, units):
    """Alpha street's task, 2 h past its 4 h limit: escalated to the East district office."""
    EscalationRule.objects.create(from_level=DepartmentLevel.STREET, after_hours=2)
    with time_machine.travel(T0, tick=False) as clock:
        case = filed()
        [task] = services.route(case=case, actor=staff["city_dispatcher"])
        for when in (local(2026, 11, 23, 15, 1), local(2026, 11, 23, 17, 3)):
            clock.move_to(when)
            scanner.scan()
    assert Supervision.objects.filter(task=task, kind=SupervisionKind.ESCALATE).exists()
    return task


def disposer_of(department, name: str):
    return staff_create(
        username=name, password=DEFAULT_PASSWORD, role=Role.DISPOSER, department=department
    ).user


@pytest.fixture
def east_disposer(units):
    return disposer_of(units.east, "disposer_east")


@pytest.fixture
def env_disposer(units):
    return disposer_of(units.env, "disposer_env")


def test_the_target_department_sees_the_case_and_all_its_tasks(
    escalated, east_disposer, env_disposer
):
    assert list(visible_cases(east_disposer)) == [escalated.case]
    assert list(visible_tasks(east_disposer)) == [escalated]
    assert not visible_cases(env_disposer).exists()
    assert not visible_tasks(env_disposer).exists()


def test_the_target_finds_the_task_in_its_queue_until_a_new_clock_settles_it(escalated, units):
    assert list(selectors.escalated_tasks(units.east.pk)) == [escalated]
    assert not selectors.escalated_tasks(units.env.pk).exists()
    assert not selectors.escalated_tasks(units.alpha.pk).exists()


def test_the_target_supervises_the_late_department_through_the_api(
    escalated, east_disposer, env_disposer
):
    api = as_user(east_disposer)
    number = escalated.case.number
    assert api.get(f"/cases/{number}").status_code == 200
    response = api.post(f"/dispatch/tasks/{escalated.pk}/supervise", {"note": "Fix it today."})
    assert response.status_code == 201, response.json()
    record = Supervision.objects.get(pk=response.json()["id"])
    assert (record.kind, record.actor, record.to_department) == (
        SupervisionKind.MANUAL,
        east_disposer,
        escalated.department,
    )
    supervisions = api.get(f"/dispatch/cases/{number}/supervisions").json()
    assert [s["kind"] for s in supervisions][-2:] == ["escalate", "manual"]
    # Another department neither reads nor presses it: the same 404 as a missing task.
    other = as_user(env_disposer)
    for response in (
        other.get(f"/cases/{number}"),
        other.get(f"/dispatch/cases/{number}/supervisions"),
        other.post(f"/dispatch/tasks/{escalated.pk}/supervise", {"note": "x"}),
    ):
        assert response.status_code == 404


def test_the_late_department_cannot_supervise_itself(escalated, staff, units):
    alpha = disposer_of(units.alpha, "disposer_alpha")
    assert not services.may_supervise(alpha, escalated)
    assert services.may_supervise(staff["city_dispatcher"], escalated)
    response = as_user(alpha).post(f"/dispatch/tasks/{escalated.pk}/supervise", {"note": "x"})
    assert response.status_code == 403 and response.json()["code"] == "role_required"


def test_the_case_page_offers_the_target_the_supervise_move(escalated, east_disposer):
    client = Client()
    client.force_login(east_disposer)
    page = client.get(reverse("cases:case", args=[escalated.case.number]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'action="{reverse("cases:act", args=[escalated.case.number, "supervise"])}"' in html
    # ... and the move works from the page.
    response = client.post(
        reverse("cases:act", args=[escalated.case.number, "supervise"]),
        {"task": escalated.pk, "note": "今天处理完"},
    )
    assert response.status_code == 302
    assert Supervision.objects.filter(actor=east_disposer, kind=SupervisionKind.MANUAL).exists()


def test_an_out_of_scope_case_page_is_a_chinese_404_like_a_missing_one(
    escalated, env_disposer, settings
):
    settings.DEBUG = False
    client = Client(headers={"accept-language": "zh-hans"})
    client.force_login(env_disposer)
    with translation.override("zh-hans"):
        hidden = client.get(reverse("cases:case", args=[escalated.case.number]))
        missing = client.get(reverse("cases:case", args=["NO-SUCH-CASE"]))
    assert hidden.status_code == missing.status_code == 404
    for page in (hidden, missing):
        html = page.content.decode()
        assert "页面不存在" in html and "Not Found" not in html


def test_the_404_page_follows_english_too(env_disposer, settings, units):
    settings.DEBUG = False
    client = Client(headers={"accept-language": "en"})
    client.force_login(env_disposer)
    page = client.get(reverse("cases:case", args=["NO-SUCH-CASE"]))
    assert page.status_code == 404 and b"There is no such page" in page.content


def test_the_phone_task_page_has_the_escalated_queue_with_the_supervise_move(
    escalated, east_disposer
):
    client = Client()
    client.force_login(east_disposer)
    mine = client.get("/en/cases/m/tasks/")
    assert [(key, count) for key, _label, count in mine.context["tabs"]] == [
        (None, None),
        ("escalated", 1),
        ("replies", 0),
    ]
    assert mine.context["cards"] == []
    queue = client.get("/en/cases/m/tasks/", {"queue": "escalated"})
    assert [c["task"] for c in queue.context["cards"]] == [escalated]
    html = queue.content.decode()
    assert 'data-move="supervise"' in html and "Alpha street office" in html
    assert "escalated 1 tier(s)" in html


def test_the_desk_sees_escalations_in_its_area(escalated, staff, units):
    client = Client()
    client.force_login(staff["city_dispatcher"])
    response = client.get("/en/cases/", {"queue": "escalated"})
    assert [c["task"] for c in response.context["cards"]] == [escalated]
    outside = disposer_of(units.env, "disposer_env2")
    assert not queues_module.get("escalated").tasks(outside).exists()


def test_a_pressed_card_says_so_and_how_late_the_task_is(escalated, east_disposer):
    client = Client()
    client.force_login(east_disposer)
    client.post(
        reverse("cases:act", args=[escalated.case.number, "supervise"]),
        {"task": escalated.pk, "note": "今天处理完"},
    )
    with translation.override("zh-hans"):
        queue = client.get("/cases/m/tasks/", {"queue": "escalated"})
    [card] = queue.context["cards"]
    assert card["task"].last_pressed.actor == east_disposer
    html = queue.content.decode()
    assert "data-pressed" in html and "已超期" in html
    assert "截止时间：" in html  # the full-width colon in Chinese
