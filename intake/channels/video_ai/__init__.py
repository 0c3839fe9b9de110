"""Video AI detections (视频智能识别) on a signed webhook: ``POST /api/v1/intake/video-ai``.

Request (the camera platform signs like CityOps' own notify webhook)::

    POST /api/v1/intake/video-ai
    Content-Type: application/json
    X-CityOps-Timestamp: <unix seconds>
    X-CityOps-Signature: sha256=<hex HMAC-SHA256(camera secret, "<timestamp>." + raw body)>

    {"camera_id": "CAM-0001", "event_type": "illegal_parking", "confidence": 0.93,
     "detected_at": "2026-11-23T09:00:00+08:00", "event_id": "e-123",
     "snapshot": "<base64 JPEG, optional; a data: URL prefix is accepted>"}

The timestamp is inside the signed text and must be within INTAKE_VIDEO_AI_MAX_SKEW_SECONDS of
our clock, so a captured request cannot be replayed later; inside the window a replay repeats
``event_id`` (or, without one, the same body) and gets the first answer back, no second case.

The camera's per-event-type mapping (CameraEventMapping) gives the category and priority; a
detection below the threshold, or of an event type nobody mapped, is recorded without a case
(202). Answers: 201 case opened, 200 attached to an open case (duplicate) or a repeat, 202
recorded only; 401 bad signature or stale timestamp, 404 unknown camera, 413 body too large,
422 bad body — all ``{"code", "message"}``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _

from cases.states import SourceChannel
from core.errors import DomainError, ValidationFailed
from core.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_matches
from intake.channels.base import Channel
from intake.models import EXTERNAL_ID_MAX, CameraEventMapping, VideoCamera

DEFAULT_MAX_SKEW_SECONDS = 300
BELOW_THRESHOLD = "below_threshold"
UNMAPPED_EVENT = "unmapped_event_type"
SNAPSHOT_NAME = "snapshot.jpg"


class Unauthorized(DomainError):
    code = "bad_signature"
    http_status = 401


# Checked against for an unknown camera id, so it costs what a real check costs and answers
# exactly as a wrong signature does: the webhook does not tell which camera ids exist.
_NO_CAMERA_SECRET = "no-such-camera-" + "0" * 32


def authenticate(
    *, camera_id: str, timestamp: str, signature: str, body: bytes, now: float | None = None
) -> VideoCamera:
    """The active camera whose secret signed ``body``, or Unauthorized (401). An unknown or
    inactive camera and a wrong signature get the same answer (no id enumeration); the
    timestamp must be fresh."""
    if not timestamp or not signature:
        raise Unauthorized(
            _("Send the %(ts)s and %(sig)s headers.")
            % {"ts": TIMESTAMP_HEADER, "sig": SIGNATURE_HEADER}
        )
    camera = VideoCamera.objects.filter(camera_id=camera_id, is_active=True).first()
    secret = camera.secret if camera is not None else _NO_CAMERA_SECRET
    # Compare first, so a stranger learns nothing about our clock from the answers.
    matches = signature_matches(secret=secret, timestamp=timestamp, body=body, signature=signature)
    if camera is None or not matches:
        raise Unauthorized(
            _("The signature does not match the body and timestamp for camera %(id)s.")
            % {"id": camera_id}
        )
    skew = getattr(settings, "INTAKE_VIDEO_AI_MAX_SKEW_SECONDS", DEFAULT_MAX_SKEW_SECONDS)
    try:
        age = (time.time() if now is None else now) - int(timestamp)
    except ValueError as exc:
        raise Unauthorized(
            _("%(ts)s must be unix seconds.") % {"ts": TIMESTAMP_HEADER}, code="stale_timestamp"
        ) from exc
    if abs(age) > skew:
        raise Unauthorized(
            _("The timestamp is %(age)d s away from our clock (at most %(max)d s allowed).")
            % {"age": age, "max": skew},
            code="stale_timestamp",
        )
    return camera


def decode_snapshot(value: str | None) -> SimpleUploadedFile | None:
    """The base64 JPEG as an upload (size and type are checked by cases.evidence)."""
    if not value:
        return None
    text = value.split(",", 1)[1] if value.startswith("data:") else value
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed(
            _("snapshot is not valid base64: %(err)s") % {"err": exc},
            details={"field": "snapshot"},
        ) from exc
    return SimpleUploadedFile(SNAPSHOT_NAME, data, content_type="image/jpeg")


@dataclass(frozen=True)
class Detection:
    camera: VideoCamera
    event_type: str
    confidence: float
    event_id: str
    detected_at: datetime | None
    snapshot: str | None

    @property
    def mapping(self) -> CameraEventMapping | None:
        return (
            CameraEventMapping.objects.select_related("category", "camera")
            .filter(camera=self.camera, event_type=self.event_type)
            .first()
        )


def external_id(camera_id: str, event_id: str) -> str:
    """``<camera>:<event>``; a long pair is hashed rather than cut, so two never collide."""
    value = f"{camera_id}:{event_id}"
    if len(value) <= EXTERNAL_ID_MAX:
        return value
    return f"{camera_id}:{hashlib.sha256(event_id.encode()).hexdigest()[:32]}"


class VideoAIChannel(Channel[Detection]):
    source = SourceChannel.VIDEO_AI

    def record_reason(self, message: Detection) -> str | None:
        mapping = message.mapping
        if mapping is None:
            return UNMAPPED_EVENT
        if message.confidence < mapping.threshold:
            return BELOW_THRESHOLD
        return None

    def to_report(self, message: Detection) -> dict:
        camera, mapping = message.camera, message.mapping
        photo = decode_snapshot(message.snapshot)
        return {
            "description": _("%(camera)s detected %(event)s (confidence %(c).2f).")
            % {"camera": camera.name, "event": message.event_type, "c": message.confidence},
            "lon": camera.lon,
            "lat": camera.lat,
            "crs": "wgs84",
            "address": camera.address,
            "category": mapping.category if mapping else None,
            "priority": mapping.priority if mapping else None,
            "photos": [photo] if photo else [],
            "external_id": external_id(camera.camera_id, message.event_id),
            "data": {
                "camera_id": camera.camera_id,
                "event_type": message.event_type,
                "confidence": message.confidence,
                "detected_at": message.detected_at.isoformat() if message.detected_at else None,
                "event_id": message.event_id,
            },
        }
