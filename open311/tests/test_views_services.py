"""Discovery, service list and service definition, in JSON and XML, against the schemas."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from catalog.models import Category
from open311.models import Datatype, Service, ServiceAttribute, ServiceType
from open311.tests.conftest import BASE, MANHOLE, STREETLIGHT
from open311.tests.schema import validate

pytestmark = pytest.mark.django_db


def test_discovery_lists_the_endpoint_in_both_formats(http):
    response = http.get(f"{BASE}/discovery.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = response.json()
    validate("discovery.json", data)
    first = data["endpoints"][0]
    assert first["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert first["url"] == "http://testserver/open311/v2"
    assert first["formats"] == ["text/xml", "application/json"]
    # Two endpoints: GeoReport v2 and the updates extension (also spares XML-to-hash clients
    # the one-element-list trap).
    assert len(data["endpoints"]) == 2

    xml = http.get(f"{BASE}/discovery.xml")
    assert xml["Content-Type"] == "text/xml; charset=utf-8"
    assert xml.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(xml.content)
    assert root.tag == "discovery"
    assert [e.tag for e in root] == ["changeset", "contact", "key_service", "endpoints"]
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == [
        "text/xml",
        "application/json",
    ]


def test_the_endpoint_root_leads_to_discovery(http):
    response = http.get(f"{BASE}/")
    assert response.status_code == 302 and response["Location"] == "discovery.xml"


def test_services_are_the_mapped_categories_with_string_codes(http):
    response = http.get(f"{BASE}/services.json")
    assert response.status_code == 200
    data = response.json()
    validate("services.json", data)
    by_code = {s["service_code"]: s for s in data}
    assert len(data) == Service.objects.filter(is_active=True).count() >= 50
    light = by_code[STREETLIGHT]
    assert light == {
        "service_code": "01037",  # a string, leading zero kept
        "service_name": "路灯不亮、路灯坏了",
        "description": "路灯（部件 01037，市政公用设施）",
        "metadata": True,  # a 部件 service takes attribute[component]
        "type": "realtime",
        "keywords": "路灯,路灯不亮,灯不亮,路灯坏了,路灯倒了,灯杆,路灯白天亮",
        "group": "市政公用设施",
    }


def test_services_xml_uses_the_spec_elements(http):
    response = http.get(f"{BASE}/services.xml")
    root = ET.fromstring(response.content)
    assert root.tag == "services"
    service = root.find(f"service[service_code='{MANHOLE}']")
    assert [e.tag for e in service] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert service.findtext("metadata") == "true"  # attribute[component]
    assert service.findtext("service_name") == "自来水井盖坏了"


def test_inactive_services_are_not_offered(http, manhole):
    manhole.is_active = False
    manhole.save()
    codes = {s["service_code"] for s in http.get(f"{BASE}/services.json").json()}
    assert MANHOLE not in codes
    assert http.get(f"{BASE}/services/{MANHOLE}.json").status_code == 404


@pytest.fixture
def definition(manhole) -> Service:
    ServiceAttribute.objects.create(
        service=manhole,
        code="HAZARD",
        datatype=Datatype.SINGLEVALUELIST,
        required=True,
        order=1,
        description="Is the hole open to traffic?",
        values=[{"key": "open", "name": "Open hole"}, {"key": "cracked", "name": "Cracked cover"}],
    )
    ServiceAttribute.objects.create(
        service=manhole,
        code="NOTE",
        datatype=Datatype.TEXT,
        order=2,
        description="Anything else the crew should know",
    )
    return manhole


def test_service_definition_lists_attributes_in_order(http, definition):
    services = {s["service_code"]: s for s in http.get(f"{BASE}/services.json").json()}
    assert services[MANHOLE]["metadata"] is True

    data = http.get(f"{BASE}/services/{MANHOLE}.json").json()
    validate("service-definition.json", data)
    assert data["service_code"] == MANHOLE
    # The city's attributes in order, then the 部件 identifier every component service takes.
    assert [a["code"] for a in data["attributes"]] == ["HAZARD", "NOTE", "component"]
    hazard = data["attributes"][0]
    assert hazard == {
        "variable": True,
        "code": "HAZARD",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": None,
        "order": 1,
        "description": "Is the hole open to traffic?",
        "values": [
            {"key": "open", "name": "Open hole"},
            {"key": "cracked", "name": "Cracked cover"},
        ],
    }

    root = ET.fromstring(http.get(f"{BASE}/services/{MANHOLE}.xml").content)
    assert root.tag == "service_definition"
    keys = [v.findtext("key") for v in root.findall("attributes/attribute/values/value")]
    assert keys == ["open", "cracked"]


def test_attribute_values_are_checked():
    attribute = ServiceAttribute(
        code="X", datatype=Datatype.SINGLEVALUELIST, description="x", values=[]
    )
    with pytest.raises(Exception, match="needs its values"):
        attribute.clean()
    attribute.values = [{"key": "a", "name": "A"}, {"key": "a", "name": "B"}]
    with pytest.raises(Exception, match="once"):
        attribute.clean()


def test_unknown_service_code_is_404_in_the_spec_error_format(http):
    response = http.get(f"{BASE}/services/99999.json")
    assert response.status_code == 404
    validate("errors.json", response.json())
    assert response.json()[0]["code"] == 404
    assert "99999" in response.json()[0]["description"]

    xml = http.get(f"{BASE}/services/99999.xml")
    assert xml.status_code == 404
    root = ET.fromstring(xml.content)
    assert root.tag == "errors" and root.findtext("error/code") == "404"


def test_jurisdiction_id_is_optional_but_must_be_ours(http, settings):
    settings.OPEN311_JURISDICTION_ID = "ningbo.example"
    assert http.get(f"{BASE}/services.json").status_code == 200
    assert http.get(f"{BASE}/services.json", {"jurisdiction_id": ""}).status_code == 200
    assert (
        http.get(f"{BASE}/services.json", {"jurisdiction_id": "ningbo.example"}).status_code == 200
    )
    wrong = http.get(f"{BASE}/services.json", {"jurisdiction_id": "sfgov.org"})
    assert wrong.status_code == 404  # "jurisdiction_id provided was not found"
    assert "ningbo.example" in wrong.json()[0]["description"]


def test_unknown_paths_and_formats_answer_in_the_spec_format(http):
    response = http.get(f"{BASE}/services.csv")
    assert response.status_code == 400
    assert ET.fromstring(response.content).tag == "errors"
    missing = http.get(f"{BASE}/nothing.json")
    assert missing.status_code == 404
    validate("errors.json", missing.json())


def test_a_method_the_resource_does_not_take_is_refused(http):
    response = http.post(f"{BASE}/services.json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    validate("errors.json", response.json())


def test_a_batch_service_says_so(http, streetlight):
    streetlight.type = ServiceType.BATCH
    streetlight.save()
    data = {s["service_code"]: s for s in http.get(f"{BASE}/services.json").json()}
    assert data[STREETLIGHT]["type"] == "batch"


def test_every_category_with_a_plain_name_is_offered():
    expected = Category.objects.exclude(plain_name="").filter(is_active=True).count()
    assert Service.objects.count() == expected
