"""/api/v1 sensing endpoints.

- ``POST /telemetry``: a SenML (RFC 8428) JSON pack from a device, authenticated by its own token
  (``Authorization: Bearer <device token>``; staff tokens and sessions are not accepted here).
  200 ``{"readings", "rules_evaluated", "alarms_raised", "alarms_cleared"}``; 401 bad token;
  422 ``invalid_senml`` naming the record and reason (the pack is also dead-lettered).
- ``GET /iot/alarms`` alarms in the user's area scope (``open``, ``status``, ``severity``).
- ``POST /iot/alarms/{id}/acknowledge`` and ``/clear`` (reason required): 404 for an alarm
  outside the caller's scope, 409 ``illegal_move`` when the alarm is no longer active (acknowledge)
  or already cleared (clear), 422 for a missing reason.
- ``GET /iot/devices`` and ``GET /iot/devices/{code}`` (with latest values), scoped likewise.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.security import HttpBearer

from areas.api import ErrorOut
from iot import alarms, selectors, services
from iot.ingest import http
from iot.models import Alarm, AlarmStatus, Device, Severity

router = Router(tags=["iot"])
MAX_LIMIT = 500
# Refusals as {"code", "message"} (cityops.api), 404 included (an id outside the caller's scope
# answers the same as a missing one).
ALARM_ERRORS = {401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# Lists page by offset; past a million rows a client should narrow its filters (and a huge
# offset must be a 422, not a database overflow).
MAX_OFFSET = 1_000_000


class DeviceTokenAuth(HttpBearer):
    """``Authorization: Bearer <device token>`` -> the device (stored digest only)."""

    def authenticate(self, request: HttpRequest, token: str):
        device = services.device_authenticate(token)
        if device is not None:
            request.device = device
        return device


class TelemetryOut(Schema):
    readings: int = Field(description="records stored (a repeat of a stored reading is a no-op)")
    positions: int = Field(0, description="positions of a tracker (lat/lon/speed/heading) stored")
    rules_evaluated: int
    alarms_raised: int
    alarms_cleared: int


_SENML_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/senml+json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
        },
    }
}


@router.post(
    "/telemetry",
    auth=DeviceTokenAuth(),
    response=TelemetryOut,
    summary="Send readings (SenML JSON)",
    description='A SenML pack, e.g. [{"bn":"urn:dev:cityops:MH-0001:","bt":1795000000},'
    '{"n":"tilt","u":"deg","v":3.5},{"n":"battery","u":"%EL","v":87}]. '
    "The metric is the last ':' or '/' part of the resolved name.",
    openapi_extra=_SENML_BODY,
)
def telemetry(request):
    result = http.receive(device=request.auth, body=request.body)
    return {
        "readings": result.readings,
        "positions": result.positions,
        "rules_evaluated": result.rules_evaluated,
        "alarms_raised": result.alarms_raised,
        "alarms_cleared": result.alarms_cleared,
    }


class AlarmOut(Schema):
    id: int
    device: str
    device_type: str
    rule: str
    rule_key: str
    severity: str
    status: str
    started_at: datetime
    last_triggered_at: datetime
    trigger_value: float | None
    last_value: float | None
    trigger_count: int
    acknowledged_at: datetime | None
    cleared_at: datetime | None
    clear_reason: str
    case: str | None = Field(description="number of the case the alarm opened or joined")

    @staticmethod
    def resolve_device(obj: Alarm) -> str:
        return obj.device.code

    @staticmethod
    def resolve_device_type(obj: Alarm) -> str:
        return obj.device.device_type.code

    @staticmethod
    def resolve_rule(obj: Alarm) -> str:
        return obj.rule.name

    @staticmethod
    def resolve_rule_key(obj: Alarm) -> str:
        return obj.rule.key

    @staticmethod
    def resolve_case(obj: Alarm) -> str | None:
        return obj.case.number if obj.case_id else None


class AlarmFilter(Schema):
    open: bool = Field(False, description="only active and acknowledged alarms")
    status: AlarmStatus | None = None
    severity: Severity | None = None
    limit: int = Field(100, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


@router.get("/iot/alarms", response=list[AlarmOut], summary="Alarms in my area scope")
def alarm_list(request, filters: Query[AlarmFilter]):
    qs = selectors.alarm_list(
        user=request.user,
        status=filters.status,
        severity=filters.severity,
        open_only=filters.open,
    )
    return list(qs[filters.offset : filters.offset + filters.limit])


class NoteIn(Schema):
    note: str = ""


class ReasonIn(Schema):
    reason: str


def _alarm(request, alarm_id: int) -> Alarm:
    qs = selectors.alarm_list(user=request.user)
    return get_object_or_404(qs, pk=alarm_id)


@router.post(
    "/iot/alarms/{alarm_id}/acknowledge",
    response={200: AlarmOut, **ALARM_ERRORS},
    summary="Acknowledge",
)
def alarm_acknowledge(request, alarm_id: int, payload: NoteIn):
    alarm = alarms.alarm_acknowledge(
        alarm=_alarm(request, alarm_id), actor=request.user, note=payload.note
    )
    return alarm


@router.post(
    "/iot/alarms/{alarm_id}/clear",
    response={200: AlarmOut, **ALARM_ERRORS},
    summary="Clear by hand",
)
def alarm_clear(request, alarm_id: int, payload: ReasonIn):
    return alarms.alarm_clear(
        alarm=_alarm(request, alarm_id), actor=request.user, reason=payload.reason
    )


class LatestOut(Schema):
    metric: str
    ts: datetime
    value: float | None
    value_str: str
    value_bool: bool | None
    unit: str


class DeviceOut(Schema):
    code: str
    name: str
    type: str
    lon: float | None
    lat: float | None
    grid: str | None
    department: str | None
    is_active: bool
    is_online: bool
    last_seen_at: datetime | None
    battery: float | None

    @staticmethod
    def resolve_type(obj: Device) -> str:
        return obj.device_type.code

    @staticmethod
    def resolve_grid(obj: Device) -> str | None:
        return obj.grid.code if obj.grid_id else None

    @staticmethod
    def resolve_department(obj: Device) -> str | None:
        return obj.department.code if obj.department_id else None


class DeviceDetailOut(DeviceOut):
    latest: list[LatestOut]

    @staticmethod
    def resolve_latest(obj: Device) -> list:
        return list(selectors.latest_values(device=obj))


class DeviceFilter(Schema):
    type: str | None = None
    limit: int = Field(100, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


@router.get("/iot/devices", response=list[DeviceOut], summary="Devices in my area scope")
def device_list(request, filters: Query[DeviceFilter]):
    qs = selectors.device_list(user=request.user, device_type=filters.type)
    return list(qs[filters.offset : filters.offset + filters.limit])


@router.get(
    "/iot/devices/{code}",
    response={200: DeviceDetailOut, 404: ErrorOut},
    summary="One device, latest values",
)
def device_detail(request, code: str):
    return get_object_or_404(selectors.device_list(user=request.user), code=code)
