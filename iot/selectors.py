"""Reads of the sensing app: devices, latest values, readings, alarms, effective rules."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q, QuerySet

from iot.models import (
    OPEN_ALARM_STATUSES,
    Alarm,
    AlarmRule,
    Device,
    DeviceMetricState,
    Reading,
)
from org.selectors import scope, staff_profile


def effective_rules(devices: Iterable[Device], *, kind: str) -> dict[int, list[AlarmRule]]:
    """device id -> the active rules of ``kind`` that apply to it.

    A device rule replaces the type rule with the same ``key`` for that device; an *inactive*
    device rule therefore switches the type rule off for that device alone.
    """
    devices = list(devices)
    type_ids = {d.device_type_id for d in devices}
    device_ids = {d.pk for d in devices}
    rows = AlarmRule.objects.filter(kind=kind).filter(
        Q(device_type_id__in=type_ids) | Q(device_id__in=device_ids)
    )
    by_type: dict[int, dict[str, AlarmRule]] = defaultdict(dict)
    by_device: dict[int, dict[str, AlarmRule]] = defaultdict(dict)
    for rule in rows.select_related("category"):
        if rule.device_id:
            by_device[rule.device_id][rule.key] = rule
        else:
            by_type[rule.device_type_id][rule.key] = rule
    out: dict[int, list[AlarmRule]] = {}
    for device in devices:
        merged = {**by_type.get(device.device_type_id, {}), **by_device.get(device.pk, {})}
        out[device.pk] = [r for r in merged.values() if r.is_active]
    return out


def sensing_scope(qs: QuerySet, user, *, department_field: str | None) -> QuerySet:
    """The sensing rows of ``qs`` (devices, vehicles, badges) the user may see: by the area path
    (org.selectors.scope); a department's disposer, who sees cases by department and not by
    area, only the rows their department owns (``department_field``; None: owned by none)."""
    from cases.api_selectors import department_scoped

    if not department_scoped(user):
        return scope(qs, user, path_field="area_path")
    profile = staff_profile(user)
    department_id = profile.department_id if profile is not None else None
    if department_id is None or department_field is None:
        return qs.none()
    return qs.filter(**{department_field: department_id})


def device_list(*, user, device_type: str | None = None) -> QuerySet[Device]:
    """Devices the user may see (by the grid's area path, sensing_scope); devices without a grid
    are visible to city-wide users only (org.selectors.scope)."""
    qs = Device.objects.select_related("device_type", "grid", "department")
    if device_type:
        qs = qs.filter(device_type__code=device_type)
    return sensing_scope(qs, user, department_field="department_id")


def latest_values(*, device: Device) -> QuerySet[DeviceMetricState]:
    return DeviceMetricState.objects.filter(device=device, ts__isnull=False).order_by("metric")


def readings(
    *,
    device: Device,
    metric: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Reading]:
    qs = Reading.objects.filter(device=device, metric=metric)
    if since is not None:
        qs = qs.filter(ts__gte=since)
    if until is not None:
        qs = qs.filter(ts__lt=until)
    return qs.order_by("ts")


def alarm_list(
    *, user, status: str | None = None, open_only: bool = False, severity: str | None = None
) -> QuerySet[Alarm]:
    qs = Alarm.objects.select_related("device", "device__device_type", "rule", "case")
    if open_only:
        qs = qs.filter(status__in=OPEN_ALARM_STATUSES)
    if status:
        qs = qs.filter(status=status)
    if severity:
        qs = qs.filter(severity=severity)
    return visible_alarms(qs, user).order_by("-started_at", "-pk")


def visible_alarms(qs: QuerySet[Alarm], user) -> QuerySet[Alarm]:
    """The alarms of ``qs`` the user may see and act on: by area scope; a department's disposer
    (who sees cases by department, not area) only the alarms of their department's devices and
    those whose case their department works on."""
    from cases.api_selectors import department_scoped, visible_cases

    if not department_scoped(user):
        return scope(qs, user, path_field="area_path")
    profile = staff_profile(user)
    department_id = profile.department_id if profile is not None else None
    if department_id is None:
        return qs.none()
    own = Q(device__department_id=department_id)
    return qs.filter(own | Q(case_id__in=visible_cases(user).values("pk")))


def open_alarm(*, device: Device, rule: AlarmRule) -> Alarm | None:
    return Alarm.objects.filter(device=device, rule=rule, status__in=OPEN_ALARM_STATUSES).first()
