"""``POST /intake/video-ai``: the signed webhook (no session or token: the signature is the
authentication). Protocol in ``intake.channels.video_ai``."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field, ValidationError

from areas.api import ErrorOut
from cases.api_schemas import Text
from core.errors import DomainError, ValidationFailed
from intake.channels.video_ai import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Detection,
    VideoAIChannel,
    authenticate,
)
from intake.schemas import IntakeOut, intake_data, intake_status

router = Router(tags=["intake"])

EVENT_ID_MAX = 64


class PayloadTooLarge(DomainError):
    code = "too_large"
    http_status = 413


class DetectionIn(Schema):
    camera_id: Text = Field(min_length=1, max_length=64)
    event_type: Text = Field(min_length=1, max_length=64)
    confidence: float = Field(ge=0, le=1)
    detected_at: datetime | None = None
    event_id: Text | None = Field(None, max_length=EVENT_ID_MAX)
    snapshot: str | None = Field(None, description="base64 JPEG")


def _body(request: HttpRequest) -> bytes:
    try:
        return request.body
    except RequestDataTooBig as exc:
        raise PayloadTooLarge(_("The request body is too large; send a smaller snapshot.")) from exc


def _parse(raw: bytes) -> dict:
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValidationFailed(_("The body is not JSON: %(err)s") % {"err": exc}) from exc
    if not isinstance(data, dict):
        raise ValidationFailed(_("The body must be a JSON object."))
    return data


def _validated(data: dict) -> DetectionIn:
    try:
        return DetectionIn.model_validate(data)
    except ValidationError as exc:
        parts = [f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise ValidationFailed("; ".join(parts)) from exc


@router.post(
    "/intake/video-ai",
    auth=None,
    response={
        200: IntakeOut,
        201: IntakeOut,
        202: IntakeOut,
        401: ErrorOut,
        413: ErrorOut,
        422: ErrorOut,
    },
    summary="Video AI detection (视频智能识别), signed webhook",
    description=(
        f"Headers `{TIMESTAMP_HEADER}: <unix seconds>` and `{SIGNATURE_HEADER}: sha256=<hex "
        'HMAC-SHA256(camera secret, "<timestamp>." + raw body)>`. 201 opened a case, 200 '
        "attached to an open case (or a repeat of `event_id`), 202 recorded without a case "
        "(below the confidence threshold, or an event type without a category mapping). "
        "401 `bad_signature` for a wrong signature and for an unknown or inactive camera alike "
        "(camera ids are not disclosed)."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": DetectionIn.model_json_schema()}},
        }
    },
)
def video_ai(request: HttpRequest):
    raw = _body(request)
    data = _parse(raw)
    camera_id = data.get("camera_id")
    if not isinstance(camera_id, str) or not camera_id.strip():
        raise ValidationFailed(_("camera_id is required."), details={"field": "camera_id"})
    camera = authenticate(
        camera_id=camera_id.strip()[:64],
        timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
        signature=request.headers.get(SIGNATURE_HEADER, ""),
        body=raw,
    )
    payload = _validated(data)
    detection = Detection(
        camera=camera,
        event_type=payload.event_type,
        confidence=payload.confidence,
        # Without an id the body itself names the event: a replayed request is a repeat.
        event_id=payload.event_id or hashlib.sha256(raw).hexdigest()[:32],
        detected_at=payload.detected_at,
        snapshot=payload.snapshot,
    )
    result = VideoAIChannel().receive(detection)
    return Status(intake_status(result), intake_data(result))
