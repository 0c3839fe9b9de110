"""Models of the sensing app; see the modules for each part."""

from iot.models.alarms import (
    OPEN_ALARM_STATUSES,
    Alarm,
    AlarmAction,
    AlarmEvent,
    AlarmRule,
    AlarmStatus,
    Operator,
    RuleKind,
    Severity,
)
from iot.models.devices import Device, DeviceType, UnknownDevice
from iot.models.telemetry import Channel, DeadLetter, DeviceMetricState, Reading
from iot.tracking.models import (
    CoverageDay,
    Geofence,
    GeofenceKind,
    RoadSegment,
    TrackPoint,
    Vehicle,
    VehicleKind,
    WorkerBadge,
)

__all__ = [
    "OPEN_ALARM_STATUSES",
    "Alarm",
    "AlarmAction",
    "AlarmEvent",
    "AlarmRule",
    "AlarmStatus",
    "Channel",
    "CoverageDay",
    "DeadLetter",
    "Device",
    "DeviceMetricState",
    "DeviceType",
    "Geofence",
    "GeofenceKind",
    "Operator",
    "Reading",
    "RoadSegment",
    "RuleKind",
    "Severity",
    "TrackPoint",
    "UnknownDevice",
    "Vehicle",
    "VehicleKind",
    "WorkerBadge",
]
