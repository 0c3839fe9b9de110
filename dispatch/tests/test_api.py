"""/api/v1/dispatch: rules for administrators, suggestions and routing for the desk, supervision."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine

from dispatch import services
from dispatch.models import RoutingHistory, RoutingRule, Supervision
from dispatch.tests.conftest import T0
from org.factories import DEFAULT_PASSWORD
from org.models import Role
from org.services import staff_create

pytestmark = pytest.mark.django_db

API = "/api/v1/dispatch"


@pytest.fixture
def as_user(client):
    def login(name: str):
        assert client.login(username=name, password=DEFAULT_PASSWORD)
        return client

    return login


class TestRules:
    def test_an_administrator_creates_and_lists_rules(self, as_user, units, category):
        client = as_user("admin")
        body = {
            "area_code": "330203001",
            "department_code": "CITY-ROADS",
            "category_kind": "event",
            "category_code": category.code,
            "priority": 2,
        }
        response = client.post(f"{API}/rules", body, content_type="application/json")
        assert response.status_code == 201, response.json()
        data = response.json()
        assert (data["area_code"], data["department"]["code"], data["role"]) == (
            "330203001",
            "CITY-ROADS",
            "lead",
        )
        assert RoutingHistory.objects.get().actor.username == "admin"
        listing = client.get(f"{API}/rules", {"area": "330203001"}).json()
        assert [r["id"] for r in listing] == [data["id"]]
        other = client.post(
            f"{API}/rules",
            {**body, "area_code": "330205001"},
            content_type="application/json",
        ).json()
        # The area filter keeps only its area's rules; without it every rule is listed.
        listing = client.get(f"{API}/rules", {"area": "330203001"}).json()
        assert [r["id"] for r in listing] == [data["id"]]
        assert {r["id"] for r in client.get(f"{API}/rules").json()} == {data["id"], other["id"]}

    def test_others_are_refused(self, as_user, units):
        client = as_user("dispatcher")
        assert client.get(f"{API}/rules").status_code == 403
        response = client.post(
            f"{API}/rules",
            {"area_code": "330203", "department_code": "CITY-ROADS"},
            content_type="application/json",
        )
        assert response.status_code == 403 and response.json()["code"] == "role_required"
        assert not RoutingRule.objects.exists()

    def test_an_unknown_code_is_a_422_naming_it(self, as_user, units):
        response = as_user("admin").post(
            f"{API}/rules",
            {"area_code": "330203", "department_code": "NOPE"},
            content_type="application/json",
        )
        assert response.status_code == 422
        assert response.json()["message"].startswith("department_code")


class TestSuggestAndRoute:
    def test_suggest_names_the_fallback_owner_when_no_rule_matches(self, as_user, filed):
        case = filed()
        data = as_user("dispatcher").get(f"{API}/suggest", {"case": case.number}).json()
        assert (data["lead"]["code"], data["is_fallback"], data["source"]) == (
            "ST-ALPHA",
            True,
            "no_rule",
        )

    def test_a_case_outside_the_scope_is_not_found(self, as_user, filed):
        case = filed()  # Alpha; the Beta operator sees Beta only
        response = as_user("operator_beta").get(f"{API}/suggest", {"case": case.number})
        assert response.status_code == 404

    def test_route_dispatches_by_the_rules(self, as_user, filed, small_city, units, category):
        RoutingRule.objects.create(area=small_city.east, department=units.roads, category=category)
        case = filed()
        response = as_user("dispatcher").post(
            f"{API}/cases/{case.number}/route", {"note": "by rule"}, content_type="application/json"
        )
        assert response.status_code == 200, response.json()
        assert [(t["department"]["code"], t["is_lead"]) for t in response.json()] == [
            ("CITY-ROADS", True)
        ]
        again = as_user("dispatcher").post(
            f"{API}/cases/{case.number}/route", {}, content_type="application/json"
        )
        assert again.status_code == 409  # already dispatched


class TestSupervision:
    def test_a_leader_supervises_a_task_and_the_case_lists_it(self, as_user, filed, staff):
        with time_machine.travel(T0, tick=False):
            [task] = services.route(case=filed(), actor=staff["city_dispatcher"])
        client = as_user("leader")
        response = client.post(
            f"{API}/tasks/{task.pk}/supervise",
            {"note": "Fix it before the inspection"},
            content_type="application/json",
        )
        assert response.status_code == 201, response.json()
        assert response.json()["recipients"] == ["13900000001"]
        listing = client.get(f"{API}/cases/{task.case.number}/supervisions").json()
        assert [(s["kind"], s["actor"]) for s in listing] == [("manual", "leader")]
        assert listing[0]["due_at"] is None

    def test_a_supervision_carries_its_time_asked_for(self, as_user, filed, staff):
        from datetime import timedelta

        from django.utils import timezone

        [task] = services.route(case=filed(), actor=staff["city_dispatcher"])
        client = as_user("leader")
        due = (timezone.now() + timedelta(hours=6)).replace(microsecond=0)
        url = f"{API}/tasks/{task.pk}/supervise"
        response = client.post(
            url, {"note": "Clear it", "due_at": due.isoformat()}, content_type="application/json"
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert datetime.fromisoformat(body["due_at"]) == due
        assert timezone.localtime(due).strftime("%Y-%m-%d %H:%M") in body["message"]
        past = (timezone.now() - timedelta(minutes=1)).isoformat()
        refused = client.post(
            url, {"note": "Clear it", "due_at": past}, content_type="application/json"
        )
        assert refused.status_code == 422 and refused.json()["code"] == "due_at_past"
        assert Supervision.objects.filter(task=task).count() == 1
        # The disposer's card says when the time asked for has passed without a reply.
        from dispatch.selectors import reply_notes

        with time_machine.travel(due + timedelta(minutes=1)):
            [note] = reply_notes([task])[task.pk]
        assert "past its time" in note.badge
        [note] = reply_notes([task])[task.pk]
        assert "past its time" not in note.badge

    def test_a_disposer_may_not_supervise(self, as_user, filed, staff, units):
        [task] = services.route(case=filed(), actor=staff["city_dispatcher"])  # Alpha office
        staff_create(
            username="disposer_alpha",
            password=DEFAULT_PASSWORD,
            role=Role.DISPOSER,
            department=units.alpha,
        )
        # Its own department's disposer may see the task but not press itself ...
        response = as_user("disposer_alpha").post(
            f"{API}/tasks/{task.pk}/supervise", {"note": "x"}, content_type="application/json"
        )
        assert response.status_code == 403
        # ... and another department's does not even see it (as if it did not exist).
        response = as_user("disposer_roads").post(
            f"{API}/tasks/{task.pk}/supervise", {"note": "x"}, content_type="application/json"
        )
        assert response.status_code == 404
        assert not Supervision.objects.exists()
