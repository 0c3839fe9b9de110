"""A 404 from /api/v1/ is the same ``{"code", "message"}`` body as every other refusal.

Views that look a row up with ``get_object_or_404`` (an alarm by id, a device by code) raise
Django's Http404; the API answers it as ``not_found`` with a plain message that names no model
class and does not tell "does not exist" from "outside your area scope" (不在辖区).
"""

from __future__ import annotations

import json

import pytest
from django.http import Http404
from django.test import RequestFactory

from cityops.api import _not_found
from iot.tests.conftest import grid, manhole, manhole_type  # noqa: F401 (fixtures)
from org.services import api_token_create

pytestmark = pytest.mark.django_db
NOT_FOUND = {"code": "not_found", "message": "Not found, or not visible to you."}


def test_an_unknown_device_code_is_a_not_found_body(client, personas):
    _, key = api_token_create(user=personas["alpha_inspector"], name="ops")
    response = client.get(
        "/api/v1/iot/devices/NO-SUCH-DEVICE", headers={"authorization": f"Bearer {key}"}
    )
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_a_device_outside_the_scope_gets_the_same_answer_as_none(client, personas, manhole):  # noqa: F811
    client.force_login(personas["alpha_inspector"])
    assert client.get(f"/api/v1/iot/devices/{manhole.code}").status_code == 200
    client.force_login(personas["beta_operator"])  # another street: the device is not theirs
    response = client.get(f"/api/v1/iot/devices/{manhole.code}")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize("move", ["acknowledge", "clear"])
def test_an_unknown_alarm_id_is_a_not_found_body(client, personas, move):
    client.force_login(personas["city_dispatcher"])
    response = client.post(
        f"/api/v1/iot/alarms/987654/{move}", {"reason": "test"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize(
    ("raised", "body"),
    [
        (Http404("No such file."), {"code": "not_found", "message": "No such file."}),
        (Http404(), NOT_FOUND),
        (Http404("No AlarmRule matches the given query."), NOT_FOUND),
    ],
)
def test_an_http404_keeps_a_message_written_for_people_only(raised, body):
    # No API view raises Http404 with its own text today; the handler is called as ninja would.
    response = _not_found(RequestFactory().get("/api/v1/anything"), raised)
    assert response.status_code == 404
    assert json.loads(response.content) == body


@pytest.mark.parametrize("path", ["/api/v1/no-such-endpoint", "/api/v1/iot/devices/X/nothing"])
def test_an_unknown_api_path_is_a_json_not_found_not_an_html_page(client, path):
    response = client.get(path, headers={"accept-language": "en"})
    assert response.status_code == 404
    assert response["content-type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "not_found" and path in body["message"]
    assert "/api/v1/docs" in body["message"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, json_body",
    [
        ("/api/v1/map/trackers/13617084619549936779645021029310398464/trail", True),
        ("/api/v1/iot/alarms/99999999999999999999999/acknowledge", True),
        ("/api/v1/signs/values/99999999999999999999999", True),
        ("/en/iot/vehicles/99999999999999999999999/track/", False),
        ("/en/signs/values/99999999999999999999999/", False),
    ],
)
def test_an_id_too_large_for_the_database_is_a_404_not_a_500(
    client, django_user_model, path, json_body
):
    from org.factories import DEFAULT_PASSWORD
    from org.models import Role
    from org.services import staff_create

    staff_create(username="boss", password=DEFAULT_PASSWORD, role=Role.ADMIN, is_superuser=True)
    client.login(username="boss", password=DEFAULT_PASSWORD)
    method = client.post if path.endswith("acknowledge") else client.get
    response = method(path, content_type="application/json") if json_body else method(path)
    assert response.status_code == 404
    if json_body:
        assert response.json()["code"] == "not_found"
