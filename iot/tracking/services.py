"""Tracking writes 车辆与人员定位: register vehicles and badges (with their tracker devices),
geofences and road segments. Keyword-only, one transaction each, ValidationFailed naming the
field and the reason."""

from __future__ import annotations

import os

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from areas.models import AdminArea, UnitGrid
from core.errors import ValidationFailed
from iot import services as device_services
from iot.models import Device, DeviceType
from iot.tracking.geo import GeometryProblem, parse_fence, parse_line
from iot.tracking.models import (
    Geofence,
    GeofenceKind,
    RoadSegment,
    Vehicle,
    VehicleKind,
    WorkerBadge,
)
from iot.tracking.positions import is_tracker

VEHICLE_DEVICE_TYPE = "vehicle_gps"
BADGE_DEVICE_TYPE = "worker_badge"


def _tracker(
    *, device: Device | None, code: str, type_code: str, name: str, token: str | None
) -> tuple[Device, str]:
    """The given tracker device, or a new one of ``type_code`` with its token (shown once)."""
    if device is not None:
        if not is_tracker(device.device_type):
            raise ValidationFailed(
                _("Device %(code)s does not send positions (its type has no lat/lon metrics).")
                % {"code": device.code},
                details={"field": "device"},
            )
        if (
            Vehicle.objects.filter(device=device).exists()
            or WorkerBadge.objects.filter(device=device).exists()
        ):
            raise ValidationFailed(
                _("Device %(code)s is already attached to a vehicle or badge.")
                % {"code": device.code},
                details={"field": "device"},
            )
        return device, ""
    device_type = DeviceType.objects.get(code=type_code)
    return device_services.device_create(code=code, device_type=device_type, name=name, token=token)


def _common_prefix(paths: list[str]) -> str:
    if not paths:
        return ""
    prefix = os.path.commonprefix(paths)
    return prefix[: prefix.rfind("/") + 1]  # whole path segments only


@transaction.atomic
def vehicle_create(
    *,
    plate: str,
    kind: str,
    company: str = "",
    name: str = "",
    area: AdminArea | None = None,
    department=None,
    device: Device | None = None,
    token: str | None = None,
) -> tuple[Vehicle, str]:
    """Register a vehicle; without ``device`` a tracker ``VH-<plate>`` is created and its token
    returned (else the token is "")."""
    plate = (plate or "").strip().upper()
    if not plate:
        raise ValidationFailed(_("A vehicle needs its plate number."), details={"field": "plate"})
    if kind not in VehicleKind.values:
        raise ValidationFailed(
            _("Unknown vehicle kind %(k)r (known: %(known)s).")
            % {"k": kind, "known": ", ".join(VehicleKind.values)},
            details={"field": "kind"},
        )
    if Vehicle.objects.filter(plate=plate).exists():
        raise ValidationFailed(
            _("Plate %(plate)s is registered already.") % {"plate": plate},
            details={"field": "plate"},
        )
    code = "VH-" + "".join(c for c in plate if c.isascii() and c.isalnum())
    tracker, token = _tracker(
        device=device, code=code, type_code=VEHICLE_DEVICE_TYPE, name=name or plate, token=token
    )
    area_path = area.path if area is not None else ""
    vehicle = Vehicle.objects.create(
        plate=plate,
        name=name,
        kind=kind,
        company=company,
        department=department,
        area=area,
        area_path=area_path,
        device=tracker,
    )
    # A tracker has no fixed place: it is seen (and its alarms scoped) where its vehicle serves.
    Device.objects.filter(pk=tracker.pk).update(area_path=area_path)
    tracker.area_path = area_path
    return vehicle, token


@transaction.atomic
def badge_create(
    *,
    number: str,
    grids: list[UnitGrid],
    name: str = "",
    staff=None,
    device: Device | None = None,
    token: str | None = None,
) -> tuple[WorkerBadge, str]:
    """Register a worker's e-badge and its home grids; a tracker ``WB-<number>`` is created
    when no device is given."""
    number = (number or "").strip()
    if not number:
        raise ValidationFailed(_("A badge needs its number."), details={"field": "number"})
    if WorkerBadge.objects.filter(number=number).exists():
        raise ValidationFailed(
            _("Badge %(n)s is registered already.") % {"n": number}, details={"field": "number"}
        )
    tracker, token = _tracker(
        device=device,
        code="WB-" + "".join(c for c in number if c.isascii() and c.isalnum()),
        type_code=BADGE_DEVICE_TYPE,
        name=name or number,
        token=token,
    )
    area_path = _common_prefix([g.path for g in grids])
    badge = WorkerBadge.objects.create(
        number=number, name=name, staff=staff, device=tracker, area_path=area_path
    )
    badge.grids.set(grids)
    Device.objects.filter(pk=tracker.pk).update(area_path=area_path)
    tracker.area_path = area_path
    return badge, token


@transaction.atomic
def geofence_create(
    *,
    name: str,
    kind: str,
    geometry: dict,
    buffer_m: float = 50,
    vehicle_kinds: list[str] | None = None,
    companies: list[str] | None = None,
    active_from=None,
    active_until=None,
) -> Geofence:
    if kind not in GeofenceKind.values:
        raise ValidationFailed(
            _("Unknown geofence kind %(k)r.") % {"k": kind}, details={"field": "kind"}
        )
    try:
        parse_fence(geometry, buffer_m=buffer_m)
    except GeometryProblem as exc:
        raise ValidationFailed(
            _("Geofence %(name)s: %(reason)s") % {"name": name, "reason": exc},
            details={"field": "geometry"},
        ) from None
    fence = Geofence(
        name=name,
        kind=kind,
        geometry=geometry,
        buffer_m=buffer_m,
        vehicle_kinds=list(vehicle_kinds or []),
        companies=list(companies or []),
        active_from=active_from,
        active_until=active_until,
    )
    try:
        fence.full_clean()
    except ValidationError as exc:
        raise ValidationFailed(
            _("Geofence %(name)s: %(reason)s") % {"name": name, "reason": "; ".join(exc.messages)},
            details={"field": "geofence"},
        ) from None
    fence.save()
    return fence


@transaction.atomic
def road_segment_create(
    *,
    code: str,
    name: str,
    geometry: dict,
    street: AdminArea | None = None,
    tolerance_m: float = 15,
) -> RoadSegment:
    try:
        parse_line(geometry)
    except GeometryProblem as exc:
        raise ValidationFailed(
            _("Road segment %(code)s: %(reason)s") % {"code": code, "reason": exc},
            details={"field": "geometry"},
        ) from None
    if RoadSegment.objects.filter(code=code).exists():
        raise ValidationFailed(
            _("Road segment %(code)s exists already.") % {"code": code}, details={"field": "code"}
        )
    return RoadSegment.objects.create(
        code=code, name=name, geometry=geometry, street=street, tolerance_m=tolerance_m
    )
