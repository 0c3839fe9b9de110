"""var/demo-credentials.json: devices and cameras with examples that follow the demo's address."""

from __future__ import annotations

import json

from demo.credentials import DemoCredentials, with_url

DEVICE = {
    "id": "NB-WL-0001",
    "type": "water_level",
    "name": "易涝点积水监测",
    "token": "dev_abcdefghijklmnopqrstuvwxyz012345",
    "metrics": ["depth", "battery"],
    "units": {"depth": "m", "battery": "%EL"},
}
TRACKER = {
    "id": "VH-BDM1",
    "kind": "muck",
    "plate": "浙B-DM1",
    "name": "渣土车1",
    "token": "demo-0123456789abcdef01234567",
    "metrics": ["lat", "lon", "speed", "heading"],
    "position": [121.5355, 29.8539],
}
CAMERA = {"camera_id": "NB-CAM-01", "secret": "s3cret", "event_types": ["illegal_parking"]}


def _data() -> dict:
    return DemoCredentials(
        seed=1,
        password="pw",
        logins=[],
        api_token=None,
        counts={"devices": 112},
        devices=[DEVICE],
        video_ai=[CAMERA],
        trackers=[TRACKER],
    ).as_json()


def test_each_listed_device_has_its_topic_token_and_a_senml_example():
    data = _data()
    device = data["devices"][0]
    assert device["topic"] == "cityops/telemetry/NB-WL-0001"
    assert device["header"] == f"Authorization: Bearer {DEVICE['token']}"
    pack = json.loads(device["example"].split("-d '")[1].split("' ")[0])
    assert pack[0]["bn"] == "urn:dev:cityops:NB-WL-0001:"
    assert [(r["n"], r["u"]) for r in pack] == [("depth", "m"), ("battery", "%EL")]
    assert data["telemetry"]["devices_total"] == 112
    assert data["telemetry"]["http_endpoint"] == "http://127.0.0.1:8000/api/v1/telemetry"
    assert "devices" not in data["pending"]


def test_each_listed_tracker_has_its_topic_token_and_a_position_example():
    tracker = _data()["trackers"][0]
    assert tracker["topic"] == "cityops/telemetry/VH-BDM1"
    assert tracker["plate"] == "浙B-DM1" and tracker["token"] in tracker["header"]
    pack = json.loads(tracker["example"].split("-d '")[1].split("' ")[0])
    assert pack[0]["bn"] == "urn:dev:cityops:VH-BDM1:"
    assert {r["n"]: (r["u"], r["v"]) for r in pack} == {
        "lat": ("lat", 29.8539),
        "lon": ("lon", 121.5355),
        "speed": ("m/s", 2.2),
        "heading": ("deg", 90.0),
    }
    assert tracker["mqtt_example"].startswith("mosquitto_pub -q 1 -t cityops/telemetry/VH-BDM1 ")


def test_cameras_come_with_their_secret_and_a_signing_example():
    video = _data()["video_ai"]
    assert video["cameras"] == [CAMERA]
    assert "-hmac 's3cret'" in video["example"]
    assert video["endpoint"] == "http://127.0.0.1:8000/api/v1/intake/video-ai"


def test_moving_the_demo_moves_every_example_with_it():
    moved = with_url(_data(), "http://10.0.0.5:9000")
    text = json.dumps(moved)
    assert "127.0.0.1:8000" not in text
    assert moved["devices"][0]["example"].endswith("http://10.0.0.5:9000/api/v1/telemetry")
    assert moved["trackers"][0]["example"].endswith("http://10.0.0.5:9000/api/v1/telemetry")
    assert moved["telemetry"]["http_endpoint"] == "http://10.0.0.5:9000/api/v1/telemetry"
    assert moved["video_ai"]["endpoint"] == "http://10.0.0.5:9000/api/v1/intake/video-ai"
