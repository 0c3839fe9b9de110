"""Video AI webhook end to end: signed detection -> case, duplicates, threshold, refusals."""

from __future__ import annotations

import base64
import json
import time

import pytest
from django.test import Client

from cases.factories import image_bytes
from cases.models import Case
from cases.states import CaseStatus, Priority
from cases.tests.api_client import error, ok
from core.signing import sign
from intake.models import CameraEventMapping, IntakeReport, Outcome, VideoCamera
from intake.tests.conftest import ALPHA_LAT, ALPHA_LON

URL = "/api/v1/intake/video-ai"
SECRET = "camera-secret-1"


@pytest.fixture
def camera(small_city, manhole) -> VideoCamera:
    cam = VideoCamera.objects.create(
        camera_id="CAM-0001",
        name="Zhongshan Rd / No. 12",
        lon=ALPHA_LON,
        lat=ALPHA_LAT,
        address="No. 12 Zhongshan Road",
        confidence_threshold=0.8,
        secret=SECRET,
    )
    CameraEventMapping.objects.create(
        camera=cam, event_type="manhole_missing", category=manhole, priority=Priority.URGENT
    )
    return cam


def send(body: dict | bytes, *, secret: str = SECRET, timestamp: int | None = None, **headers):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    ts = str(int(time.time()) if timestamp is None else timestamp)
    headers.setdefault("X-CityOps-Signature", sign(secret, ts, raw))
    headers.setdefault("X-CityOps-Timestamp", ts)
    client = Client(headers={"accept-language": "en"})
    return client.post(URL, raw, content_type="application/json", headers=headers)


def detection(**kwargs) -> dict:
    body = {
        "camera_id": "CAM-0001",
        "event_type": "manhole_missing",
        "confidence": 0.93,
        "detected_at": "2026-11-23T09:00:00+08:00",
        "event_id": "e-1",
        "snapshot": base64.b64encode(image_bytes()).decode(),
    }
    return {**body, **kwargs}


def test_a_confident_detection_opens_a_case_with_its_snapshot(camera, manhole):
    body = ok(send(detection()), 201)

    case = Case.objects.get(number=body["case"])
    assert body["created"] and body["outcome"] == "created"
    assert (case.source, case.category, case.priority) == ("video_ai", manhole, Priority.URGENT)
    assert case.status == CaseStatus.REPORTED  # trusted: waits for filing, no 核实
    assert case.grid.code == "330203001001001"
    assert case.source_ref == "CAM-0001:e-1"
    assert case.evidence.count() == 1
    report = IntakeReport.objects.get(pk=body["report"])
    assert report.payload["data"]["confidence"] == 0.93
    assert report.payload["data"]["camera_id"] == "CAM-0001"


def test_a_second_event_at_the_same_spot_is_a_duplicate(camera):
    first = ok(send(detection()), 201)
    second = ok(send(detection(event_id="e-2")), 200)
    assert second["duplicate_of"] == first["case"] and not second["created"]
    assert Case.objects.count() == 1


def test_a_replay_inside_the_window_returns_the_first_answer(camera):
    first = ok(send(detection()), 201)
    again = ok(send(detection()), 200)
    assert (again["case"], again["report"], again["repeat"]) == (
        first["case"],
        first["report"],
        True,
    )
    assert IntakeReport.objects.count() == 1


def test_a_detection_without_event_id_is_identified_by_its_body(camera):
    body = detection()
    del body["event_id"]
    ok(send(body), 201)
    assert ok(send(body), 200)["repeat"]


def test_below_the_threshold_it_is_recorded_without_a_case(camera):
    body = ok(send(detection(confidence=0.5)), 202)
    assert (body["case"], body["outcome"], body["reason"]) == (None, "recorded", "below_threshold")
    assert not Case.objects.exists()
    assert IntakeReport.objects.get().outcome == Outcome.RECORDED


def test_a_mapping_may_set_its_own_threshold(camera):
    CameraEventMapping.objects.update(confidence_threshold=0.4)
    ok(send(detection(confidence=0.5)), 201)


def test_an_unmapped_event_type_is_recorded(camera):
    body = ok(send(detection(event_type="smoke")), 202)
    assert body["reason"] == "unmapped_event_type"


def test_an_unknown_camera_answers_as_a_wrong_signature_does(camera):
    """No camera id enumeration: an unknown id, even signed with a guess, is the same 401 with
    the same words as a known camera with a wrong signature."""
    unknown = error(send(detection(camera_id="CAM-9999"), secret="guess"), 401, "bad_signature")
    wrong = error(send(detection(camera_id="CAM-0001"), secret="guess"), 401, "bad_signature")
    assert unknown["message"].replace("CAM-9999", "X") == wrong["message"].replace("CAM-0001", "X")
    assert not IntakeReport.objects.exists()


def test_an_inactive_camera_is_refused_like_an_unknown_one(camera):
    VideoCamera.objects.update(is_active=False)
    error(send(detection()), 401, "bad_signature")


def test_a_wrong_secret_is_401(camera):
    error(send(detection(), secret="guess"), 401, "bad_signature")
    assert not IntakeReport.objects.exists()


def test_a_body_changed_after_signing_is_401(camera):
    raw = json.dumps(detection()).encode()
    ts = str(int(time.time()))
    tampered = raw.replace(b"0.93", b"0.99")
    response = send(tampered, **{"X-CityOps-Signature": sign(SECRET, ts, raw)}, timestamp=int(ts))
    error(response, 401, "bad_signature")


def test_missing_headers_are_401(camera):
    raw = json.dumps(detection()).encode()
    response = Client().post(URL, raw, content_type="application/json")
    error(response, 401, "bad_signature")


def test_an_old_timestamp_is_refused_as_a_replay(camera):
    error(send(detection(), timestamp=int(time.time()) - 301), 401, "stale_timestamp")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (json.dumps({"event_type": "x"}).encode(), "camera_id is required"),
        (json.dumps(detection(confidence=1.5)).encode(), "confidence"),
        (json.dumps(detection(snapshot="%%%")).encode(), "snapshot is not valid base64"),
        (json.dumps(detection(snapshot="aGVsbG8=")).encode(), "is not a JPEG, PNG or WebP"),
    ],
)
def test_bad_bodies_are_422_with_the_reason(camera, body, words):
    assert words in error(send(body), 422)["message"]


def test_a_camera_outside_every_grid_is_422(camera):
    VideoCamera.objects.update(lon=100.0, lat=10.0)
    error(send(detection()), 422, "outside_grids")


def test_the_webhook_is_in_the_openapi_document(camera):
    doc = Client().get("/api/v1/openapi.json").json()
    operation = doc["paths"]["/api/v1/intake/video-ai"]["post"]
    assert "security" not in operation or operation["security"] == []
    assert "camera_id" in json.dumps(operation["requestBody"])


def test_a_body_over_the_upload_limit_is_413(camera, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    error(send(detection(snapshot=base64.b64encode(b"x" * 2000).decode())), 413, "too_large")
