"""An independent client, over real HTTP, speaking GeoReport v2 as a third party would:
discovery -> services -> form-encoded POST -> GET by id, in JSON and XML; then the PyPI
client library ``georeport`` (0.3.1), unchanged, against the same server."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from xml.etree import ElementTree as ET

import pytest
from georeport import GeoReport

from open311 import conf
from open311.tests.conftest import ALPHA_LAT, ALPHA_LONG, MANHOLE, STREETLIGHT
from open311.tests.schema import validate

# Live-server threads need committed rows; the serialized rollback restores the catalogue and
# the services the migrations loaded, for the tests that run after this one.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
FORM = "application/x-www-form-urlencoded; charset=utf-8"


def fetch(url: str, data: dict | None = None) -> tuple[int, str, bytes]:
    body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"Content-Type": FORM} if body else {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read()


def test_a_third_party_client_reports_and_follows_up(live_server, small_city, api_key):
    status, ctype, body = fetch(f"{live_server.url}/open311/v2/discovery.json")
    assert status == 200 and ctype == "application/json; charset=utf-8"
    endpoint = json.loads(body)["endpoints"][0]["url"]
    assert endpoint == f"{live_server.url}/open311/v2"

    status, ctype, body = fetch(f"{endpoint}/services.xml")
    assert ctype == "text/xml; charset=utf-8"
    codes = [s.findtext("service_code") for s in ET.fromstring(body).iter("service")]
    assert MANHOLE in codes

    report = {
        "api_key": api_key,
        "jurisdiction_id": conf.jurisdiction_id(),
        "service_code": MANHOLE,
        "lat": ALPHA_LAT,
        "long": ALPHA_LONG,
        "address_string": "中山东路 12 号",
        "description": "井盖不见了，很危险\nManhole cover missing",
        "first_name": "Lei",
        "last_name": "Li",
        "email": "li.lei@example.com",
    }
    status, ctype, body = fetch(f"{endpoint}/requests.json", report)
    assert status == 200, body
    created = json.loads(body)
    validate("request-created.json", created)
    number = created[0]["service_request_id"]

    status, _ctype, body = fetch(f"{endpoint}/requests/{number}.xml")
    request = ET.fromstring(body).find("request")
    assert request.findtext("service_request_id") == number
    assert request.findtext("status") == "open"
    assert request.findtext("description") == "井盖不见了，很危险\nManhole cover missing"
    assert float(request.findtext("lat")) == ALPHA_LAT

    status, _ctype, body = fetch(
        f"{endpoint}/requests.json?" + urllib.parse.urlencode({"service_request_id": number})
    )
    listed = json.loads(body)
    validate("requests.json", listed)
    assert [r["service_request_id"] for r in listed] == [number]

    # An error reaches the client as the spec's list, with the spec's status.
    status, _ctype, body = fetch(f"{endpoint}/requests.json", {**report, "api_key": "stolen"})
    assert status == 403 and json.loads(body)[0]["code"] == 403


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_georeport_library_reads_us_unchanged(live_server, small_city, api_key, fmt):
    endpoint = f"{live_server.url}/open311/v2"
    status, _ctype, body = fetch(
        f"{endpoint}/requests.json",
        {"api_key": api_key, "service_code": STREETLIGHT, "lat": ALPHA_LAT, "long": ALPHA_LONG},
    )
    number = json.loads(body)[0]["service_request_id"]

    client = GeoReport(endpoint, jurisdiction=conf.jurisdiction_id(), output_format=fmt)
    services = client.get_service_list()
    assert STREETLIGHT in {s["service_code"] for s in services}
    definition = client.get_service_definition(STREETLIGHT)
    assert definition["service_code"] == STREETLIGHT
    requests = client.get_service_requests(service_code=STREETLIGHT, status="open")
    requests = requests if isinstance(requests, list) else [requests]  # xmltodict singleton
    assert [r["service_request_id"] for r in requests] == [number]
    one = client.get_service_request(number)
    assert one["service_request_id"] == number and one["status"] == "open"
    assert one["service_name"] == "路灯不亮、路灯坏了"
