"""GET requests and requests/{id}: the public view of cases, the spec's filters, the schemas,
and XML carrying exactly what JSON carries."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest

from cases import services as case_services
from cases.models import Case
from cases.states import SourceChannel
from catalog.models import Category, CategoryKind
from open311.render import ITEM_TAGS
from open311.tests.conftest import BASE, MANHOLE, STREETLIGHT, T0
from open311.tests.schema import W3C_SECONDS, validate

pytestmark = pytest.mark.django_db
NOW = T0 + timedelta(hours=4)


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def get_one(http, number: str, fmt: str = "json"):
    response = http.get(f"{BASE}/requests/{number}.{fmt}")
    assert response.status_code == 200, response.content
    data = response.json()
    validate("requests.json", data)
    assert len(data) == 1  # still a list holding one request (spec)
    return data[0]


def get_list(http, **params) -> list[dict]:
    response = http.get(f"{BASE}/requests.json", params)
    assert response.status_code == 200, response.content
    data = response.json()
    validate("requests.json", data)
    return data


def test_a_fresh_report_is_open_and_says_it_was_received(http, flow, manhole):
    case = flow.reported(category=manhole.category, trusted=False, address="No. 12 Zhongshan Rd")
    data = get_one(http, case.number)
    assert data["service_request_id"] == case.number
    assert data["status"] == "open"
    assert data["status_notes"] == "Received; the report will be checked and filed."
    assert data["service_code"] == MANHOLE and data["service_name"] == "自来水井盖坏了"
    assert data["description"] == "Manhole cover missing outside No. 12"
    assert data["agency_responsible"] is None and data["expected_datetime"] is None
    assert data["requested_datetime"] == "2026-11-23T09:00:00+08:00"
    assert data["address"] == "No. 12 Zhongshan Rd"
    assert (data["lat"], data["long"]) == (case.lat, case.lon)
    assert data["media_url"] is None
    # Nothing of the reporter is published.
    assert not {"reporter_name", "reporter_phone", "email"} & set(data)


def test_a_dispatched_case_names_the_department_and_its_deadline(http, flow, manhole):
    case, tasks = flow.dispatched(category=manhole.category)
    data = get_one(http, case.number)
    assert data["status"] == "open"
    assert data["agency_responsible"] == "City roads bureau"
    assert data["status_notes"] == "Sent to City roads bureau."
    assert data["expected_datetime"] == tasks[0].deadline_at.astimezone(T0.tzinfo).isoformat(
        timespec="seconds"
    )
    assert W3C_SECONDS.match(data["updated_datetime"])


def test_a_closed_case_shows_the_close_time_and_the_after_photo(http, closed_case):
    data = get_one(http, closed_case.number)
    assert data["status"] == "closed"
    assert data["status_notes"] == "Solved and checked on site; closed."
    assert data["updated_datetime"] == "2026-11-23T12:00:00+08:00"  # closed at T0 + 3 h
    assert data["expected_datetime"] is None
    after = closed_case.evidence.get(kind="after")
    # A signed link (cases.media): the public opens it without logging in.
    assert data["media_url"].startswith(f"http://testserver{after.file.url}?expires=")
    photo = http.get(data["media_url"])
    assert photo.status_code == 200 and b"".join(photo.streaming_content) == after.file.read()


def test_a_voided_case_is_closed_with_the_reason(http, flow, staff, manhole):
    case = flow.reported(category=manhole.category, trusted=False)
    case_services.case_void(case=case, actor=staff["shift_leader"], reason="Private land")
    data = get_one(http, case.number)
    assert data["status"] == "closed"
    assert data["status_notes"] == "Not taken on: Private land"


def test_internal_notes_are_never_published(http, flow, staff, manhole):
    case, _tasks = flow.dispatched(category=manhole.category)
    case_services.case_add_note(
        case=case, actor=staff["city_dispatcher"], note="Call Mr Wang on 139..."
    )
    assert "Wang" not in http.get(f"{BASE}/requests/{case.number}.json").content.decode()


def test_unknown_or_private_requests_are_404(http, flow, manhole, small_city):
    assert http.get(f"{BASE}/requests/NB-nope.json").status_code == 404
    hotline = flow.reported(category=manhole.category, source=SourceChannel.HOTLINE_12345)
    response = http.get(f"{BASE}/requests/{hotline.number}.json")
    assert response.status_code == 404
    validate("errors.json", response.json())
    unmapped = Category.objects.get(kind=CategoryKind.EVENT, code="02001")
    other = flow.reported(category=unmapped)
    assert http.get(f"{BASE}/requests/{other.number}.json").status_code == 404
    assert get_list(http) == []


@pytest.fixture
def three(flow, staff, manhole, streetlight, closed_case):
    """A closed manhole case, an open manhole case two days earlier, an open streetlight case."""
    older = flow.reported(category=manhole.category, now=T0 - timedelta(days=2))
    light = flow.reported(category=streetlight.category, lon=121.515, lat=29.865)
    return {"closed": closed_case, "older": older, "light": light}


def test_the_list_is_newest_first_and_filters_by_status_and_service(http, three):
    numbers = [r["service_request_id"] for r in get_list(http)]
    assert set(numbers) == {c.number for c in three.values()}
    assert numbers[-1] == three["older"].number
    assert [r["service_request_id"] for r in get_list(http, status="closed")] == [
        three["closed"].number
    ]
    open_ones = {r["service_request_id"] for r in get_list(http, status="open")}
    assert open_ones == {three["older"].number, three["light"].number}
    assert len(get_list(http, status="open,closed")) == 3
    light = get_list(http, service_code=STREETLIGHT)
    assert [r["service_request_id"] for r in light] == [three["light"].number]
    assert len(get_list(http, service_code=f"{STREETLIGHT},{MANHOLE}")) == 3


def test_dates_filter_on_requested_datetime(http, three):
    day = get_list(http, start_date="2026-11-21", end_date="2026-11-21")
    assert [r["service_request_id"] for r in day] == [three["older"].number]
    since = get_list(http, start_date="2026-11-23T08:59:00+08:00")
    assert three["older"].number not in {r["service_request_id"] for r in since}
    assert len(since) == 2
    # An unencoded "+" arrives as a space; the offset is still understood.
    spaced = http.get(f"{BASE}/requests.json?start_date=2026-11-23T08:59:00+08:00")
    assert len(spaced.json()) == 2
    utc = get_list(http, end_date="2026-11-22T00:00:00Z")
    assert [r["service_request_id"] for r in utc] == [three["older"].number]
    # Default: the last 90 days.
    assert len(get_list(http)) == 3


def test_the_service_request_id_list_overrides_the_other_filters(http, three):
    ids = f"{three['older'].number}, {three['closed'].number},NB-missing"
    data = get_list(http, service_request_id=ids, status="open", service_code=STREETLIGHT)
    assert {r["service_request_id"] for r in data} == {
        three["older"].number,
        three["closed"].number,
    }


def test_pagination_extension(http, three):
    first = get_list(http, page_size="2")
    second = get_list(http, page_size="2", page="2")
    assert len(first) == 2 and len(second) == 1
    assert {r["service_request_id"] for r in first + second} == {c.number for c in three.values()}


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"start_date": "2026-01-01", "end_date": "2026-11-23"}, "90 days"),
        ({"start_date": "2026-11-23", "end_date": "2026-11-01"}, "before start_date"),
        ({"start_date": "yesterday"}, "W3C"),
        ({"start_date": "2026-11-23T09:00:00"}, "timezone"),
        ({"end_date": "2026-02-30"}, "real date"),
        ({"status": "pending"}, "status"),
        ({"service_code": "99999"}, "99999"),
        ({"page_size": "5000"}, "page_size"),
        ({"jurisdiction_id": "sfgov.org"}, "sfgov.org"),
    ],
)
def test_bad_parameters_get_the_spec_error(http, small_city, params, words):
    response = http.get(f"{BASE}/requests.json", params)
    expected = 404 if "jurisdiction_id" in params else 400
    assert response.status_code == expected
    validate("errors.json", response.json())
    assert words in response.json()[0]["description"]
    xml = http.get(f"{BASE}/requests.xml", params)
    assert xml.status_code == expected and ET.fromstring(xml.content).tag == "errors"


def test_the_list_costs_the_same_queries_for_one_case_or_many(
    http, flow, manhole, django_assert_max_num_queries
):
    flow.dispatched(category=manhole.category)
    with django_assert_max_num_queries(12) as one:
        get_list(http)
    for i in range(5):
        flow.dispatched(category=manhole.category, lon=121.501 + i * 0.001, lat=29.861)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(get_list(http)) == 6


# --- XML round trip ------------------------------------------------------------------------


def xml_to_data(node: ET.Element):
    """Spark convention back to data: list elements -> lists, others -> dicts or text."""
    if node.tag in ITEM_TAGS:
        return [xml_to_data(child) for child in node]
    if len(node):
        return {child.tag: xml_to_data(child) for child in node}
    return node.text


def as_text(value):
    """JSON values as the XML carries them (an empty element is both null and "")."""
    if isinstance(value, list):
        return [as_text(v) for v in value]
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None or value == "" else str(value)


@pytest.mark.parametrize(
    "path",
    [
        "discovery",
        "services",
        f"services/{MANHOLE}",
        "requests",
        "requests/{closed}",
        "servicerequestupdates",
        "requests/NB-missing",
    ],
)
def test_xml_carries_what_json_carries(http, three, path):
    path = path.format(closed=three["closed"].number)
    as_json = http.get(f"{BASE}/{path}.json")
    as_xml = http.get(f"{BASE}/{path}.xml")
    assert as_xml.status_code == as_json.status_code
    assert as_xml.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(as_xml.content)
    assert xml_to_data(root) == as_text(as_json.json())
    assert Case.objects.exists()


def test_xml_drops_characters_xml_cannot_carry(http, flow, manhole):
    case = flow.reported(category=manhole.category, description="bell\x07 and <tag> & text")
    root = ET.fromstring(http.get(f"{BASE}/requests/{case.number}.xml").content)
    assert root.findtext("request/description") == "bell and <tag> & text"
