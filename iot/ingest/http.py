"""SenML over HTTP: ``POST /api/v1/telemetry`` with ``Authorization: Bearer <device token>``.

The device is the token's; a pack's base name does not choose the device (a device cannot
write another's readings). A refused pack is dead-lettered *and* answered with 422 naming the
record and the reason, so the sender can fix it.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ValidationFailed
from iot.ingest.batch import BatchResult, Message, write_batch
from iot.models import Channel, Device

MAX_BODY = 256 * 1024


def receive(*, device: Device, body: bytes, now: datetime | None = None) -> BatchResult:
    now = now or timezone.now()
    if len(body) > MAX_BODY:
        raise ValidationFailed(
            _("The pack is %(n)d bytes; at most %(max)d are accepted per request.")
            % {"n": len(body), "max": MAX_BODY},
            code="too_large",
        )
    message = Message(
        channel=Channel.HTTP, payload=body, received_at=now, device=device, device_code=device.code
    )
    result = write_batch([message], now=now)
    if result.errors:
        raise ValidationFailed(
            _("SenML pack refused: %(reason)s") % {"reason": result.errors[0]},
            code="invalid_senml",
        )
    return result
