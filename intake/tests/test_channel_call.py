"""The 12345 / 110 call desk (/intake/call/): who takes calls, what a call becomes, the open
cases near the caller's place (with the duplicate warning) and the place search."""

from __future__ import annotations

import pytest
import time_machine
from django.contrib.messages import get_messages

from cases.models import Case
from cases.states import CaseStatus, Priority, SourceChannel
from core.errors import PermissionDenied
from intake import selectors
from intake.channels.call import Call, CallChannel
from intake.models import IntakeReport
from intake.tests.conftest import ALPHA_LAT, ALPHA_LON, M_LAT, T0

URL = "/en/intake/call/"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(T0, tick=False):
        yield


def call_body(**kwargs) -> dict:
    body = {
        "source": "hotline_12345",
        "caller_name": "Mr Wang",
        "caller_phone": "13800000000",
        "description": "井盖坏了，车辆经过很危险",
        "address": "Alpha Rd 12",
        "lon": ALPHA_LON,
        "lat": ALPHA_LAT,
        "priority": "normal",
    }
    return {**body, **kwargs}


def test_a_call_becomes_an_untrusted_normal_case_with_the_caller(staff, client, small_city):
    client.force_login(staff["shift_leader"])
    response = client.post(URL, call_body())
    assert response.status_code == 302 and response["Location"] == URL  # ready for the next call
    case = Case.objects.get()
    assert (case.source, case.priority, case.trusted, case.status) == (
        SourceChannel.HOTLINE_12345,
        Priority.NORMAL,
        False,
        CaseStatus.VERIFYING,
    )
    assert (case.reporter_name, case.reporter_phone) == ("Mr Wang", "13800000000")
    assert case.grid.code == "330203001001001"
    assert IntakeReport.objects.get().case == case  # through the one door
    [note] = [str(m) for m in get_messages(response.wsgi_request)]
    assert case.number in note and "opened" in note


def test_the_same_problem_again_is_attached_to_the_open_case(staff, client, small_city, manhole):
    client.force_login(staff["shift_leader"])
    client.post(URL, call_body(category=manhole.pk))
    response = client.post(URL, call_body(category=manhole.pk, caller_name="Ms Li"))
    assert Case.objects.count() == 1 and IntakeReport.objects.count() == 2
    *_, note = [str(m) for m in get_messages(response.wsgi_request)]
    assert "attached to open case" in note


def test_a_110_call_and_a_bad_line(staff):
    case = (
        CallChannel()
        .receive(
            Call(
                source="hotline_110",
                description="Loud music",
                address="Beta market",
                area="330203002",
            ),
            actor=staff["shift_leader"],
        )
        .case
    )
    assert case.source == SourceChannel.HOTLINE_110 and case.area_path.endswith("/330203002/")


def test_only_acceptors_and_shift_leaders_take_calls(staff, client, small_city):
    with pytest.raises(PermissionDenied):
        CallChannel().receive(
            Call(source="hotline_12345", description="x", address="y"),
            actor=staff["roads_disposer"],
        )
    client.force_login(staff["roads_disposer"])
    assert client.get(URL).status_code == 403
    client.force_login(staff["beta_operator"])  # an acceptor (受理员)
    page = client.get(URL)
    assert page.status_code == 200 and 'id="call-map"' in page.content.decode()
    assert 'id="nav-call"' in page.content.decode()


def test_the_form_refuses_what_it_cannot_save(staff, client, small_city):
    client.force_login(staff["shift_leader"])
    response = client.post(URL, call_body(description="", lat=""))
    assert response.status_code == 200 and not Case.objects.exists()
    assert response.context["form"].errors.keys() >= {"description", "__all__"}


def test_nearby_lists_open_cases_nearest_first_and_warns_on_the_same_category(
    staff, client, receive, manhole, parking
):
    same = receive(category=manhole, lat=ALPHA_LAT + 40 * M_LAT).case
    other = receive(category=parking, lat=ALPHA_LAT + 10 * M_LAT).case
    receive(category=manhole, lat=ALPHA_LAT - 400 * M_LAT)  # too far
    found = selectors.nearby_open_cases(
        staff["shift_leader"], lon=ALPHA_LON, lat=ALPHA_LAT, category_id=manhole.pk
    )
    assert [(n.case, n.same_category) for n in found] == [(same, True), (other, False)]
    assert found[0].meters == 40
    client.force_login(staff["shift_leader"])
    html = client.get(
        "/en/intake/call/nearby/",
        {"lon": ALPHA_LON, "lat": ALPHA_LAT, "category": manhole.pk},
    ).content.decode()
    assert 'id="duplicate-warning"' in html and same.number in html and other.number in html
    # Another area's acceptor sees none of them (scope).
    assert not selectors.nearby_open_cases(staff["west_dispatcher"], lon=ALPHA_LON, lat=ALPHA_LAT)


def test_nearby_suggests_the_category_from_the_words(staff, client, small_city):
    client.force_login(staff["shift_leader"])
    html = client.get("/en/intake/call/nearby/", {"text": "井盖坏了"}).content.decode()
    assert 'id="category-suggestions"' in html and 'id="nearby-empty"' in html
    bad = client.get("/en/intake/call/nearby/", {"lon": "nan", "lat": "x"})
    assert bad.status_code == 200 and 'id="nearby-empty"' in bad.content.decode()


def test_places_finds_grids_and_addresses_of_earlier_cases(staff, client, receive):
    receive(address="Alpha Road Primary School gate", lon=ALPHA_LON, lat=ALPHA_LAT)
    client.force_login(staff["shift_leader"])
    body = client.get("/en/intake/call/places/", {"q": "Primary School"}).json()
    assert [(p["kind"], p["label"]) for p in body["places"]] == [
        ("address", "Alpha Road Primary School gate")
    ]
    grids = client.get("/en/intake/call/places/", {"q": "330203001001"}).json()["places"]
    assert grids and grids[0]["kind"] == "grid"
    assert client.get("/en/intake/call/places/", {"q": "x"}).json() == {"places": []}
