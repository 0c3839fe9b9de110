"""POST requests: a third-party report becomes a case through intake; every bad input gets the
spec's error list with the spec's HTTP status."""

from __future__ import annotations

import io
from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from cases.factories import image_bytes
from cases.models import Case, Evidence
from cases.states import SourceChannel
from intake.models import IntakeReport
from open311 import services
from open311.models import Client, Datatype, ServiceAttribute, ServiceType, Submission
from open311.tests.conftest import ALPHA_LAT, ALPHA_LONG, BASE, MANHOLE, T0
from open311.tests.schema import validate

pytestmark = pytest.mark.django_db


def _error(response, status: int) -> list[str]:
    assert response.status_code == status, response.content
    data = response.json()
    validate("errors.json", data)
    assert {e["code"] for e in data} == {status}
    return [e["description"] for e in data]


def test_a_report_becomes_a_case_and_its_number_is_the_string_id(post, manhole):
    response = post(
        description="Manhole cover missing\noutside No. 12",
        email="li.lei@example.com",
        phone="13800000000",
        first_name="雷",
        last_name="李",
        device_id="phone-7",
        media_url="https://photos.example.com/1.jpg",
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = response.json()
    validate("request-created.json", data)
    number = data[0]["service_request_id"]
    assert isinstance(number, str) and "token" not in data[0]

    case = Case.objects.get(number=number)
    assert case.source == SourceChannel.OPEN311
    assert case.category == manhole.category
    assert case.description == "Manhole cover missing\noutside No. 12"
    assert (case.lat, case.lon) == (ALPHA_LAT, ALPHA_LONG)
    assert case.grid.code == "330203001001001"
    assert (case.reporter_name, case.reporter_phone, case.reporter_email) == (
        "李雷",
        "13800000000",
        "li.lei@example.com",
    )
    assert case.reported_at == T0
    report = IntakeReport.objects.get(case=case)
    assert report.payload["data"]["open311"]["device_id"] == "phone-7"
    submission = Submission.objects.get(report=report)
    assert submission.client.name == "Test app"
    assert submission.media_url == "https://photos.example.com/1.jpg"


def test_the_answer_in_xml(post):
    response = post(fmt="xml")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert [e.tag for e in request] == ["service_request_id", "service_notice", "account_id"]
    assert Case.objects.filter(number=request.findtext("service_request_id")).exists()


def test_an_address_is_enough_and_an_empty_description_takes_the_service_name(post, small_city):
    response = post(lat=None, long=None, address_string="中山东路 100 号", description="")
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    assert case.address == "中山东路 100 号"
    assert case.description == "自来水井盖坏了"
    assert case.grid is None and case.area == small_city.city


def test_a_photo_may_come_as_multipart_media(post):
    upload = SimpleUploadedFile("hole.jpg", image_bytes(), content_type="image/jpeg")
    response = post(media=upload)
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    assert Evidence.objects.filter(case=case, kind="before").count() == 1


def test_a_second_report_of_the_same_problem_joins_the_first(post):
    first = post().json()[0]["service_request_id"]
    second = post(description="Still no cover here").json()[0]
    assert second["service_request_id"] == first
    assert first in second["service_notice"]
    assert Case.objects.count() == 1
    assert Submission.objects.count() == 2


def test_joining_a_private_hotline_case_gives_an_id_that_resolves_without_its_text(
    post, http, flow, manhole
):
    hotline = flow.reported(
        category=manhole.category,
        source=SourceChannel.HOTLINE_12345,
        description="Caller Mr Zhang, 139..., says the cover is gone",
        lon=ALPHA_LONG,
        lat=ALPHA_LAT,
    )
    assert http.get(f"{BASE}/requests/{hotline.number}.json").status_code == 404
    joined = post().json()[0]["service_request_id"]
    assert joined == hotline.number
    data = http.get(f"{BASE}/requests/{joined}.json").json()
    validate("requests.json", data)
    assert data[0]["description"] is None
    assert "Zhang" not in http.get(f"{BASE}/requests/{joined}.xml").content.decode()


def test_a_batch_service_answers_with_a_token_that_resolves(post, http, manhole):
    manhole.type = ServiceType.BATCH
    manhole.save()
    data = post().json()
    validate("request-created.json", data)
    token = data[0]["token"]
    assert "service_request_id" not in data[0]

    resolved = http.get(f"{BASE}/tokens/{token}.json")
    assert resolved.status_code == 200
    validate("tokens.json", resolved.json())
    number = resolved.json()[0]["service_request_id"]
    assert Case.objects.filter(number=number).exists()
    root = ET.fromstring(http.get(f"{BASE}/tokens/{token}.xml").content)
    assert root.findtext("request/token") == token
    assert root.findtext("request/service_request_id") == number

    _error(http.get(f"{BASE}/tokens/nope.json"), 404)


@pytest.mark.parametrize("key", [None, "", "wrong-key"])
def test_a_missing_or_wrong_api_key_is_403(post, key):
    (message,) = _error(post(api_key=key), 403)
    assert "api_key" in message
    assert not Case.objects.exists()


def test_a_deactivated_key_is_403(post, api_key):
    Client.objects.update(is_active=False)
    _error(post(), 403)


def test_missing_service_code_and_location_are_both_named(post):
    messages = _error(post(service_code="", lat=None, long=None), 400)
    assert len(messages) == 2
    assert "service_code" in messages[0] and "address_string" in messages[1]


def test_half_a_point_or_a_bad_number_is_400(post):
    _error(post(long=""), 400)
    (message,) = _error(post(lat="north"), 400)
    assert "lat" in message


def test_an_unknown_service_code_is_404(post):
    (message,) = _error(post(service_code="99999"), 404)
    assert "99999" in message


def test_a_point_outside_the_city_is_400_with_the_reason(post):
    (message,) = _error(post(lat="39.9", long="116.4"), 400)
    assert "outside every unit grid" in message


def test_address_id_alone_cannot_be_placed(post):
    (message,) = _error(post(lat=None, long=None, address_id="545483"), 400)
    assert "address_id" in message


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("description", "x" * 4001, "4000"),
        ("email", "not-an-email", "email"),
        ("media_url", "ftp://example.com/a.jpg", "media_url"),
        ("phone", "1" * 31, "phone"),
        ("address_string", "路" * 201, "address_string"),
    ],
)
def test_bad_fields_are_refused_not_cut(post, field, value, words):
    (message,) = _error(post(**{field: value}), 400)
    assert words in message
    assert not Case.objects.exists()


def test_a_foreign_jurisdiction_is_404(post):
    _error(post(jurisdiction_id="sfgov.org"), 404)


@pytest.fixture
def definition(manhole):
    ServiceAttribute.objects.create(
        service=manhole,
        code="HAZARD",
        datatype=Datatype.SINGLEVALUELIST,
        required=True,
        order=1,
        description="Is the hole open to traffic?",
        values=[{"key": "open", "name": "Open hole"}, {"key": "cracked", "name": "Cracked"}],
    )
    ServiceAttribute.objects.create(
        service=manhole,
        code="SIDES",
        datatype=Datatype.MULTIVALUELIST,
        order=2,
        description="Which side of the road",
        values=[{"key": "n", "name": "North"}, {"key": "s", "name": "South"}],
    )
    ServiceAttribute.objects.create(
        service=manhole, code="DEPTH", datatype=Datatype.NUMBER, order=3, description="Depth (m)"
    )
    return manhole


def test_attributes_are_checked_against_the_definition(post, definition):
    messages = _error(post(), 400)
    assert "attribute[HAZARD] is required" in messages[0]
    _error(post(**{"attribute[HAZARD]": "deep"}), 400)
    _error(post(**{"attribute[HAZARD]": "open", "attribute[DEPTH]": "deep"}), 400)
    _error(post(**{"attribute[HAZARD]": "open", "attribute[COLOUR]": "red"}), 400)


def test_attribute_answers_reach_the_case(post, definition):
    response = post(**{"attribute[HAZARD]": "open", "attribute[SIDES][]": ["n", "s"]})
    assert response.status_code == 200, response.content
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    assert "Is the hole open to traffic?: Open hole" in case.description
    assert "Which side of the road: North, South" in case.description
    report = IntakeReport.objects.get(case=case)
    assert report.payload["data"]["open311"]["attributes"] == {
        "HAZARD": "open",
        "SIDES": ["n", "s"],
    }


def test_a_key_over_its_hourly_rate_is_refused(http, small_city, time_machine):
    time_machine.move_to(T0, tick=False)
    _client, key = services.client_create(name="Small app", rate_per_hour=2)
    form = {
        "api_key": key,
        "service_code": MANHOLE,
        "address_string": "中山东路 1 号",
        "description": "cover",
    }
    assert http.post(f"{BASE}/requests.json", form).status_code == 200
    assert http.post(f"{BASE}/requests.json", form).status_code == 200
    (message,) = _error(http.post(f"{BASE}/requests.json", form), 429)
    assert "Small app" in message
    time_machine.move_to(T0 + timedelta(hours=1, seconds=1), tick=False)
    assert http.post(f"{BASE}/requests.json", form).status_code == 200


def test_create_open311_key_command_prints_a_working_key(post):
    out = io.StringIO()
    call_command("create_open311_key", "Field app", "--rate", "10", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    client = services.client_for_key(key)
    assert client.name == "Field app" and client.rate_per_hour == 10
    assert client.digest != key  # only the digest is stored
    assert post(api_key=key).status_code == 200


@pytest.mark.parametrize("field", ["description", "address_string", "first_name", "phone"])
def test_a_control_character_in_any_text_is_refused_not_stored(post, field):
    (message,) = _error(post(**{field: "Cover\x00 missing"}), 400)
    assert "control character" in message
    assert not Case.objects.exists() and not IntakeReport.objects.exists()


def test_a_component_service_names_its_registered_component(post, manhole):
    """attribute[component]: the 17-digit identifier on the object's QR label; the case keeps
    the component (routing 部件先属主, its state follows the case); a malformed or unknown one
    is a 400 naming it, and nothing is stored."""
    from components import identifiers
    from components.models import Component
    from components.tests.test_register import _feature, _load

    code = identifiers.make("330203", manhole.category.code, 1)
    _load([_feature(code, lon=ALPHA_LONG, lat=ALPHA_LAT)])
    response = post(**{"attribute[component]": code})
    assert response.status_code == 200, response.content
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    assert case.component == Component.objects.get(code=code)
    (message,) = _error(post(**{"attribute[component]": "12345"}), 400)
    assert "17-digit" in message
    unknown = identifiers.make("330203", manhole.category.code, 9)
    (message,) = _error(post(**{"attribute[component]": unknown}), 400)
    assert unknown in message
    assert Case.objects.count() == 1


def test_an_event_service_has_no_component_attribute(post, small_city):
    from open311.models import Service

    event = Service.objects.filter(category__kind="event", is_active=True).first()
    (message,) = _error(
        post(service_code=event.service_code, **{"attribute[component]": "33020301001000001"}), 400
    )
    assert "no attribute component" in message
