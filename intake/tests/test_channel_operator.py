"""Leader orders, media and online reports entered by an operator: API and page end to end."""

from __future__ import annotations

import pytest

from cases.models import Case
from cases.states import CaseStatus, Priority
from cases.tests.api_client import as_user, error, ok
from cases.tests.conftest import photo
from intake.models import IntakeReport
from intake.tests.conftest import ALPHA_LAT, ALPHA_LON


def entry(**kwargs) -> dict:
    body = {
        "source": "leader_order",
        "description": "污水井盖坏了，请尽快处理",
        "lon": ALPHA_LON,
        "lat": ALPHA_LAT,
        "origin": "Deputy mayor Wang",
        "external_id": "LD-2026-001",
    }
    return {**body, **kwargs}


@pytest.mark.parametrize(
    ("source", "priority", "status"),
    [
        ("leader_order", Priority.URGENT, CaseStatus.REPORTED),  # trusted: no 核实
        ("media", Priority.URGENT, CaseStatus.VERIFYING),
        ("online_sentiment", Priority.NORMAL, CaseStatus.VERIFYING),
    ],
)
def test_each_source_has_its_own_defaults(staff, source, priority, status):
    body = ok(as_user(staff["city_dispatcher"]).post("/intake/reports", entry(source=source)), 201)

    case = Case.objects.get(number=body["case"])
    assert (case.source, case.priority, case.status) == (source, priority, status)
    assert case.category.code == "01002"  # suggested from the text
    report = IntakeReport.objects.get(pk=body["report"])
    assert report.payload["data"] == {"origin": "Deputy mayor Wang", "link": "", "due_at": ""}
    assert report.received_by == staff["city_dispatcher"]


def test_the_operator_may_choose_the_priority(staff):
    body = ok(as_user(staff["city_leader"]).post("/intake/reports", entry(priority="normal")), 201)
    assert Case.objects.get(number=body["case"]).priority == Priority.NORMAL


def test_a_category_may_be_named(staff):
    body = ok(
        as_user(staff["city_dispatcher"]).post(
            "/intake/reports", entry(category={"kind": "event", "code": "02001"})
        ),
        201,
    )
    assert Case.objects.get(number=body["case"]).category.code == "02001"


def test_an_order_about_an_open_case_is_attached_to_it(staff):
    api = as_user(staff["city_dispatcher"])
    first = ok(api.post("/intake/reports", entry(source="media", external_id="M-1")), 201)
    second = ok(api.post("/intake/reports", entry(external_id="LD-2")), 200)
    assert second["duplicate_of"] == first["case"]


def test_a_repeated_reference_is_not_a_second_case(staff):
    api = as_user(staff["city_dispatcher"])
    first = ok(api.post("/intake/reports", entry()), 201)
    again = ok(api.post("/intake/reports", entry(description="resent")), 200)
    assert again["repeat"] and again["case"] == first["case"]


def test_an_address_without_a_point_goes_to_the_named_area(staff, small_city):
    body = ok(
        as_user(staff["city_dispatcher"]).post(
            "/intake/reports", entry(lon=None, lat=None, address="Gamma market", area="330205001")
        ),
        201,
    )
    assert Case.objects.get(number=body["case"]).area == small_city.gamma


def test_other_sources_are_not_operator_entries(staff):
    error(as_user(staff["city_dispatcher"]).post("/intake/reports", entry(source="iot")), 422)


def test_field_roles_may_not_enter_orders(staff):
    error(as_user(staff["roads_disposer"]).post("/intake/reports", entry()), 403, "role_required")


def test_an_operator_outside_the_area_is_refused(staff):
    error(as_user(staff["beta_operator"]).post("/intake/reports", entry()), 403, "out_of_scope")


def test_anonymous_callers_are_401(small_city, client):
    response = client.post("/api/v1/intake/reports", entry(), content_type="application/json")
    error(response, 401)


# --- the page --------------------------------------------------------------------------------


def test_the_page_opens_a_case_and_shows_it(staff, client):
    client.force_login(staff["city_dispatcher"])
    response = client.post(
        "/intake/new/",
        {
            "source": "leader_order",
            "description": "污水井盖坏了",
            "lon": ALPHA_LON,
            "lat": ALPHA_LAT,
            "crs": "wgs84",
            "origin": "Mayor's office",
            "photos": [photo()],
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response.url == f"/cases/{case.number}/"
    assert (case.source, case.priority) == ("leader_order", Priority.URGENT)
    assert case.evidence.count() == 1


def test_the_page_shows_the_service_refusal(staff, client):
    client.force_login(staff["city_dispatcher"])
    response = client.post(
        "/en/intake/new/",
        {"source": "media", "description": "Far away", "lon": 100, "lat": 10, "crs": "wgs84"},
    )
    assert response.status_code == 200
    assert "outside every unit grid" in response.content.decode()
    assert not Case.objects.exists()


def test_the_page_is_for_desk_roles(staff, client):
    client.force_login(staff["roads_disposer"])
    assert client.get("/intake/new/").status_code == 302
    client.force_login(staff["city_dispatcher"])
    page = client.get("/en/intake/new/").content.decode()
    assert "Leader order" in page and "operator-report-form" in page


def test_the_page_takes_a_pin_or_a_place_not_typed_coordinates(staff, client):
    """领导交办/媒体曝光 name a place: the operator finds it by name or taps the map; the pin
    is hidden lon/lat (WGS-84), there is no coordinate system to choose."""
    client.force_login(staff["city_dispatcher"])
    page = client.get("/en/intake/new/").content.decode()
    assert 'id="report-map"' in page and 'name="place"' in page
    assert 'type="hidden" name="lon"' in page and 'type="hidden" name="lat"' in page
    assert 'name="crs"' not in page and "Longitude" not in page
    assert "js/report-entry.js" in page
    # The place box answers the operator too (it is the call desk's lookup).
    found = client.get("/intake/call/places/", {"q": "330203001001"})
    assert found.status_code == 200 and found.json()["places"]
    client.force_login(staff["roads_disposer"])
    assert client.get("/intake/call/places/", {"q": "Alpha"}).status_code == 403


def test_a_leader_order_carries_its_time_limit_onto_the_trail_and_the_case_page(staff, client):
    """领导交办 with 交办时限: on the report event (with who ordered it) and the case's facts."""
    from datetime import datetime, timedelta

    from django.utils import timezone

    due = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    body = ok(
        as_user(staff["city_leader"]).post(
            "/intake/reports",
            entry(due_at=due.isoformat(), link="https://example.org/order/1"),
        ),
        201,
    )
    case = Case.objects.get(number=body["case"])
    event = case.events.get(action="report")
    assert datetime.fromisoformat(event.data["brief"]["due_at"]) == due
    assert event.data["brief"]["origin"] == "Deputy mayor Wang"
    client.force_login(staff["city_leader"])
    page = client.get(f"/en/cases/{case.number}/").content.decode()
    local = timezone.localtime(due).strftime("%Y-%m-%d %H:%M")
    assert f"Done and reported by {local}" in page  # the trail
    assert 'id="order-due"' in page and local in page and "passed" not in page
    assert "Deputy mayor Wang" in page and 'href="https://example.org/order/1"' in page
    # Once the time has passed on an open case, the page says so.
    import time_machine

    with time_machine.travel(due + timedelta(hours=1)):
        late = client.get(f"/en/cases/{case.number}/").content.decode()
    assert 'id="order-due" class="late"' in late


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"source": "media"}, "Only a leader order"),
        ({"due_at": "2020-01-01T08:00:00+08:00"}, "has passed"),
        ({"link": "javascript:alert(1)"}, "must be a web address"),
    ],
)
def test_a_time_limit_only_for_leader_orders_and_in_the_future(staff, changes, message):
    from datetime import timedelta

    from django.utils import timezone

    body = entry(due_at=(timezone.now() + timedelta(days=1)).isoformat(), **{})
    body.update(changes)
    response = as_user(staff["city_leader"]).post("/intake/reports", body)
    assert message in error(response, 422)["message"]
    assert not Case.objects.exists()


def test_the_page_takes_the_leaders_time_limit(staff, client):
    client.force_login(staff["city_leader"])
    page = client.get("/en/intake/new/?source=leader_order").content.decode()
    assert 'type="datetime-local"' in page and 'name="due_at"' in page
    from datetime import timedelta

    from django.utils import timezone

    due = timezone.localtime(timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        "/intake/new/",
        {"source": "leader_order", "description": "路灯不亮", "lon": ALPHA_LON,
         "lat": ALPHA_LAT, "crs": "wgs84", "due_at": due},
    )  # fmt: skip
    assert response.status_code == 302
    event = Case.objects.get().events.get(action="report")
    assert event.data["brief"]["due_at"].startswith(due)  # the city's local time


def test_a_time_limit_needs_its_zone_in_the_api(staff):
    response = as_user(staff["city_leader"]).post(
        "/intake/reports", entry(due_at="2030-01-01T08:00")
    )
    assert error(response, 422)  # not a 500: a time without a zone is not guessed
    assert not Case.objects.exists()


def test_a_leader_order_on_an_open_case_keeps_its_time_limit(staff, client):
    from datetime import timedelta

    from django.utils import timezone

    first = ok(as_user(staff["city_leader"]).post("/intake/reports", entry()), 201)
    due = (timezone.now() + timedelta(days=1)).replace(second=0, microsecond=0)
    again = ok(
        as_user(staff["city_leader"]).post(
            "/intake/reports", entry(external_id="LD-2026-002", due_at=due.isoformat())
        ),
        200,
    )
    assert again["case"] == first["case"]  # the same problem: attached
    case = Case.objects.get(number=first["case"])
    client.force_login(staff["city_leader"])
    page = client.get(f"/en/cases/{case.number}/").content.decode()
    local = timezone.localtime(due).strftime("%Y-%m-%d %H:%M")
    assert f"Done and reported by {local}" in page and 'id="order-due"' in page
