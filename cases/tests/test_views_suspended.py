"""Suspended cases (挂账) look suspended on every card and list: the badge, the reason, who
suspended it and who may resume it (case page, workbench, phone task cards, work queues)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from cases import services
from cases.tests.conftest import T0

pytestmark = pytest.mark.django_db

REASON = "Waiting for the gas company to shut the main"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def suspended(flow, staff, t0):
    case, [task] = flow.dispatched()
    services.case_suspend(case=case, actor=staff["city_dispatcher"], reason=REASON, now=t0)
    case.refresh_from_db()
    return case, task


def test_the_case_page_says_why_and_who_may_resume(client, suspended, staff):
    case, _task = suspended
    client.force_login(staff["city_dispatcher"])
    page = client.get(reverse("cases:case", args=[case.number]))
    s = page.context["case"].suspension
    assert s.reason == REASON and s.by == staff["city_dispatcher"].get_username()
    assert "Dispatcher" in s.resumed_by and "Administrator" not in s.resumed_by
    html = page.content.decode()
    assert "data-suspended" in html and REASON in html


def test_the_workbench_row_and_the_disposers_card_show_it(client, suspended, staff):
    case, _task = suspended
    client.force_login(staff["city_dispatcher"])
    listing = client.get("/en/cases/", {"queue": "suspended"})
    [row] = listing.context["page"].object_list
    assert row.suspension.reason == REASON
    assert REASON[:20] in listing.content.decode()
    client.force_login(staff["roads_disposer"])
    phone = client.get("/en/cases/m/tasks/")
    [card] = phone.context["cards"]
    assert card["case"].suspension.reason == REASON
    assert "data-suspended" in phone.content.decode()


def test_a_running_case_has_no_suspension(client, flow, staff):
    case, _tasks = flow.dispatched()
    client.force_login(staff["city_dispatcher"])
    page = client.get(reverse("cases:case", args=[case.number]))
    assert page.context["case"].suspension is None
    assert "data-suspended" not in page.content.decode()


def test_the_extension_queue_card_of_a_suspended_case_shows_it(client, flow, staff, t0):
    case, [task] = flow.dispatched()
    services.task_accept(task=task, actor=staff["roads_disposer"], now=t0)
    services.task_request_extension(
        task=task, actor=staff["roads_disposer"], amount=Decimal(1), reason="Parts", now=t0
    )
    services.case_suspend(case=case, actor=staff["city_dispatcher"], reason=REASON, now=t0)
    client.force_login(staff["city_dispatcher"])
    response = client.get("/en/cases/", {"queue": "extensions"})
    [card] = response.context["cards"]
    assert card["case"].suspension.reason == REASON
