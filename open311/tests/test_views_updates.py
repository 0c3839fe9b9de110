"""servicerequestupdates (mySociety extension): public moves as updates, oldest first."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest

from cases import services as case_services
from intake import services as intake_services
from open311.tests.conftest import BASE, T0
from open311.tests.schema import validate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(T0 + timedelta(hours=4), tick=False)


def updates(http, **params) -> list[dict]:
    response = http.get(f"{BASE}/servicerequestupdates.json", params)
    assert response.status_code == 200, response.content
    data = response.json()
    validate("service-request-updates.json", data)
    return data


def test_a_closed_case_tells_its_story(http, closed_case):
    data = updates(http)
    assert [u["service_request_id"] for u in data] == [closed_case.number] * len(data)
    assert [u["status"] for u in data] == [
        "open",  # filed
        "action_scheduled",  # dispatched
        "in_progress",  # accepted
        "in_progress",  # disposed, not yet checked
        "fixed",  # closed
    ]
    assert data[1]["description"] == "Sent to City roads bureau."
    assert data[2]["description"] == "City roads bureau has taken on the work."
    after = closed_case.evidence.get(kind="after")
    assert data[3]["media_url"] == data[4]["media_url"]  # one signed link (cases.media)
    assert data[3]["media_url"].startswith(f"http://testserver{after.file.url}?expires=")
    assert data[0]["media_url"] == ""
    assert len({u["update_id"] for u in data}) == len(data)
    assert data[-1]["updated_datetime"] == "2026-11-23T12:00:00+08:00"


def test_updates_are_windowed_by_date(http, closed_case):
    assert updates(http, start_date="2026-11-23T11:30:00+08:00")[0]["status"] == "fixed"
    assert updates(http, end_date="2026-11-22") == []


def test_a_merged_case_is_a_duplicate(http, flow, staff, manhole):
    keep = flow.reported(category=manhole.category, trusted=False)
    merged = flow.reported(category=manhole.category, trusted=False, lon=121.508, lat=29.868)
    intake_services.case_merge(case=merged, into=keep, actor=staff["shift_leader"], reason="same")
    data = updates(http)
    assert [(u["service_request_id"], u["status"]) for u in data] == [(merged.number, "duplicate")]


def test_a_void_is_no_further_action(http, flow, staff, manhole):
    case = flow.reported(category=manhole.category, trusted=False)
    case_services.case_void(case=case, actor=staff["shift_leader"], reason="Private land")
    (update,) = updates(http)
    assert update["status"] == "no_further_action"
    assert update["description"] == "Not taken on: Private land"


def test_an_optional_api_key_must_be_valid_if_given(http, api_key, small_city):
    assert http.get(f"{BASE}/servicerequestupdates.json", {"api_key": api_key}).status_code == 200
    response = http.get(f"{BASE}/servicerequestupdates.json", {"api_key": "nope"})
    assert response.status_code == 403
    validate("errors.json", response.json())


def test_updates_in_xml(http, closed_case):
    root = ET.fromstring(http.get(f"{BASE}/servicerequestupdates.xml").content)
    assert root.tag == "service_request_updates"
    assert [u.findtext("status") for u in root.findall("request_update")][-1] == "fixed"
