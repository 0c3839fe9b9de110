"""三通合一 (/m/): one mobile entry, the tabs of the user's role; the leader's numbers, red list
and 领导督办 from the phone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from cases.factories import CaseFactory, TaskFactory
from cases.models import CaseEvent
from cases.states import CaseStatus, TaskStatus
from core.models import TimeUnit
from org.factories import DepartmentFactory

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def overdue_case(small_city):
    from areas.models import UnitGrid

    dept = DepartmentFactory(area=small_city.city, name="Roads")
    grid = UnitGrid.objects.filter(community=small_city.communities["alpha1"]).first()
    case = CaseFactory(grid=grid, status=CaseStatus.DISPATCHED, dispatch_round=1)
    TaskFactory(
        case=case, department=dept, status=TaskStatus.ACCEPTED, time_unit=TimeUnit.URGENT_HOUR,
        started_at=NOW - timedelta(hours=9), deadline_at=NOW - timedelta(hours=5),
    )  # fmt: skip
    return case


def test_each_role_gets_its_tab(client, personas):
    cases = {
        "city_leader": ("tab-lead", 'data-tab="inspect"', False),
        "alpha_inspector": ("tab-inspect", 'data-tab="lead"', False),
        "roads_disposer": ("tab-dispose", 'data-tab="lead"', False),
        "admin": ("tab-lead", 'data-tab="inspect"', True),
    }
    for persona, (shown, other_tab, has_other) in cases.items():
        client.force_login(personas[persona])
        html = client.get("/en/m/").content.decode()
        assert f'id="{shown}"' in html, persona
        assert (other_tab in html) is has_other, persona
    client.force_login(personas["admin"])
    assert 'id="tab-dispose"' in client.get("/en/m/?tab=dispose").content.decode()


def test_the_leader_tab_shows_todays_numbers_and_the_red_list(client, personas, overdue_case):
    client.force_login(personas["city_leader"])
    html = client.get("/en/m/").content.decode()
    assert f'data-number="{overdue_case.number}"' in html
    assert 'id="today-red">1<' in html
    assert 'id="leader-order"' in html and "source=leader_order" in html


def test_a_leader_supervises_a_red_case_from_the_phone(client, personas, overdue_case):
    from dispatch.models import Supervision

    client.force_login(personas["city_leader"])
    response = client.post(
        f"/en/m/supervise/{overdue_case.number}/", {"note": "Fix it today", "within": "4"}
    )
    assert response.status_code == 302
    (record,) = Supervision.objects.filter(case=overdue_case)
    assert record.actor == personas["city_leader"]
    assert CaseEvent.objects.filter(case=overdue_case, action="supervise").exists()
    event = CaseEvent.objects.get(case=overdue_case, action="supervise")
    assert str(event.note) == "Fix it today"
    # 督办时限: four hours from now, on the record, the trail, the text and the case page
    from django.utils import timezone

    assert abs((record.due_at - timezone.now()).total_seconds() - 4 * 3600) < 60
    assert event.data["due_at"] == record.due_at.isoformat()
    local = timezone.localtime(record.due_at).strftime("%Y-%m-%d %H:%M")
    assert local in record.message  # the department's text names the time
    page = client.get(response["Location"]).content.decode()
    assert "Supervision sent" in page
    case_page = client.get(f"/en/cases/{overdue_case.number}/").content.decode()
    assert f"Done and reported by {local}" in case_page


def test_a_supervision_time_not_offered_is_refused(client, personas, overdue_case):
    from dispatch.models import Supervision

    client.force_login(personas["city_leader"])
    response = client.post(
        f"/en/m/supervise/{overdue_case.number}/",
        {"note": "Fix it", "within": "-5"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400 and "Choose 4 hours" in response.json()["message"]
    assert not Supervision.objects.exists()


def test_supervising_needs_a_note_and_the_case_in_scope(client, personas, overdue_case):
    from dispatch.models import Supervision

    client.force_login(personas["city_leader"])
    client.post(f"/en/m/supervise/{overdue_case.number}/", {"note": " ", "within": "24"})
    # the time asked for alone is not a note: nothing is sent without words of the leader
    assert not Supervision.objects.exists()
    client.force_login(personas["beta_operator"])  # Beta: the case is in Alpha
    assert client.post(f"/en/m/supervise/{overdue_case.number}/", {"note": "x"}).status_code == 404
    client.force_login(personas["alpha_inspector"])  # in scope, but not a supervising role
    client.post(f"/en/m/supervise/{overdue_case.number}/", {"note": "x"})
    assert not Supervision.objects.filter(actor=personas["alpha_inspector"]).exists()


def test_the_cockpit_asks_in_json_and_gets_json_even_for_a_missing_case(client, personas):
    client.force_login(personas["city_leader"])
    response = client.post(
        "/en/m/supervise/NOPE123/", {"note": "x"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 404 and response.json()["ok"] is False
