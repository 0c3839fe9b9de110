"""/api/v1/telemetry (device token) and the staff alarm/device endpoints."""

from __future__ import annotations

import json

import pytest

from iot.models import Alarm, AlarmStatus, DeadLetter, Reading
from iot.tests.conftest import DEVICE_TOKEN, T0_S
from org.services import api_token_create

pytestmark = pytest.mark.django_db
URL = "/api/v1/telemetry"


def post(client, body, token: str | None = DEVICE_TOKEN, content_type="application/senml+json"):
    headers = {"authorization": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(URL, data, content_type=content_type, headers=headers)


def test_a_device_posts_a_pack_with_its_token(client, manhole):
    response = post(
        client,
        [
            {"bn": "urn:dev:cityops:MH-0001:", "bt": T0_S - 120, "n": "tilt", "u": "deg", "v": 20},
            {"n": "tilt", "t": 60, "v": 22},
            {"n": "battery", "u": "%EL", "v": 90},
        ],
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "readings": 3,
        "positions": 0,
        "rules_evaluated": 3,  # tilt twice (displaced), battery once (low battery)
        "alarms_raised": 1,
        "alarms_cleared": 0,
    }
    assert Reading.objects.filter(device=manhole).count() == 3
    assert Alarm.objects.get().status == AlarmStatus.ACTIVE


def test_plain_application_json_is_accepted_too(client, manhole):
    response = post(client, [{"n": "tilt", "v": 1}], content_type="application/json")
    assert response.status_code == 200


@pytest.mark.parametrize("token", [None, "wrong-token-wrong-token", ""])
def test_without_a_valid_device_token_nothing_is_stored(client, manhole, token):
    response = post(client, [{"n": "tilt", "v": 1}], token=token)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert not Reading.objects.exists()


def test_a_staff_token_is_not_a_device_token(client, manhole, personas):
    _, key = api_token_create(user=personas["admin"], name="ops")
    assert post(client, [{"n": "tilt", "v": 1}], token=key).status_code == 401


def test_a_bad_pack_is_answered_422_with_the_reason_and_dead_lettered(client, manhole):
    response = post(client, [{"n": "tilt", "v": 1}, {"n": "tilt", "v": "x"}])
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_senml"
    assert "record 2: 'v' must be a number" in body["message"]
    assert DeadLetter.objects.get().channel == "http"
    assert not Reading.objects.exists()


def test_not_json_is_a_422_not_a_500(client, manhole):
    response = post(client, b"\x00garbage")
    assert response.status_code == 422 and "not JSON" in response.json()["message"]


def test_the_pack_cannot_write_another_devices_readings(client, manhole, grid, manhole_type):
    from iot import services

    services.device_create(code="MH-0002", device_type=manhole_type, token="other-token-123456789")
    post(client, [{"bn": "urn:dev:cityops:MH-0002:", "n": "tilt", "v": 1}])
    assert list(Reading.objects.values_list("device__code", flat=True)) == ["MH-0001"]


def test_alarms_are_listed_acknowledged_and_cleared_within_scope(client, manhole, personas):
    post(client, [{"bt": T0_S, "n": "tilt", "v": 20}, {"n": "tilt", "t": 60, "v": 22}])
    alarm = Alarm.objects.get()

    client.force_login(personas["beta_operator"])  # another street: sees nothing
    assert client.get("/api/v1/iot/alarms").json() == []
    assert (
        client.post(
            f"/api/v1/iot/alarms/{alarm.pk}/acknowledge", {}, content_type="application/json"
        ).status_code
        == 404
    )

    client.force_login(personas["alpha_inspector"])
    listed = client.get("/api/v1/iot/alarms", {"open": True}).json()
    assert [(a["id"], a["device"], a["rule_key"], a["status"]) for a in listed] == [
        (alarm.pk, "MH-0001", "displaced", "active")
    ]
    assert listed[0]["case"] == alarm.case.number
    ack = client.post(
        f"/api/v1/iot/alarms/{alarm.pk}/acknowledge",
        {"note": "going"},
        content_type="application/json",
    )
    assert ack.status_code == 200 and ack.json()["status"] == "acknowledged"
    again = client.post(
        f"/api/v1/iot/alarms/{alarm.pk}/acknowledge", {}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["code"] == "illegal_move"
    assert "only an active alarm" in again.json()["message"]
    no_reason = client.post(
        f"/api/v1/iot/alarms/{alarm.pk}/clear", {"reason": ""}, content_type="application/json"
    )
    assert no_reason.status_code == 422
    cleared = client.post(
        f"/api/v1/iot/alarms/{alarm.pk}/clear",
        {"reason": "cover replaced"},
        content_type="application/json",
    )
    assert cleared.json()["status"] == "cleared"
    twice = client.post(
        f"/api/v1/iot/alarms/{alarm.pk}/clear",
        {"reason": "cover replaced"},
        content_type="application/json",
    )
    assert twice.status_code == 409 and twice.json()["code"] == "illegal_move"
    assert "already cleared" in twice.json()["message"]


def test_devices_are_listed_with_their_latest_values(client, manhole, personas):
    post(client, [{"bt": T0_S, "n": "battery", "u": "%EL", "v": 77}])
    client.force_login(personas["alpha_inspector"])
    assert [d["code"] for d in client.get("/api/v1/iot/devices").json()] == ["MH-0001"]
    detail = client.get("/api/v1/iot/devices/MH-0001").json()
    assert detail["grid"] == "330203001001001" and detail["battery"] == 77
    assert [(v["metric"], v["value"], v["unit"]) for v in detail["latest"]] == [
        ("battery", 77, "%EL")
    ]
    client.force_login(personas["beta_operator"])
    assert client.get("/api/v1/iot/devices/MH-0001").status_code == 404


@pytest.mark.parametrize(
    "pack",
    [
        [{"bt": 1e20, "n": "tilt", "v": 1}],
        [{"bt": 1e15, "n": "tilt", "v": 1}],
        [{"n": "tilt", "v": 1, "t": -1e12}],
    ],
)
def test_a_time_no_sensor_can_mean_is_a_422_not_a_crash(client, manhole, pack):
    response = post(client, pack)
    assert response.status_code == 422
    assert "is outside 1978-07-04..2100-01-01" in response.json()["message"]
    assert not Reading.objects.exists()


@pytest.mark.parametrize("path", ["/api/v1/iot/devices", "/api/v1/iot/alarms"])
def test_a_huge_list_offset_is_a_422_not_a_database_overflow(client, personas, path):
    client.force_login(personas["admin"])
    response = client.get(path, {"offset": "10000000000000000000"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
