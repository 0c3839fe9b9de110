"""Tracker device types 定位终端类型 and their default track rules, as data.

A device type is a tracker when its metrics declare ``lat`` and ``lon`` (iot.tracking.positions).
Position records are SenML: ``lat``/``lon`` in the RFC 8428 units of the same names (WGS-84
degrees), ``speed`` in ``m/s`` and ``heading`` in ``deg`` (RFC 8798), one time per position.

How each track rule reads the AlarmRule columns (iot.tracking.rules):

| kind | threshold | count / duration_seconds | clear_count |
|---|---|---|---|
| speeding | limit, km/h | points above / seconds above | points at or below |
| off_route | - (the route's buffer) | points off / seconds off | points back on route |
| forbidden | - | points inside / seconds inside | points outside |
| dwell | radius, m | - / seconds within the radius | - (moving on clears) |
| off_grid | tolerance, m | points away / seconds away | points back (or off duty) |

Numbers are CityOps examples from iot.md §4.1: positions every 30 s, a deviation alarm after
> 50 m off route (the route buffer) for a minute, overtime parking (停车超时) after 30 min. The
badge's dwell rule ships switched off: Nanjing withdrew "20 minutes stationary" wristband
prompts after public criticism (iot.md §4.1), so a city turns it on deliberately.
"""

from __future__ import annotations

from iot.device_types import BATTERY, RULE_FIELDS, _battery_rule, _offline_rule

POSITION_METRICS = [
    {"key": "lat", "unit": "lat", "label": "Latitude 纬度"},
    {"key": "lon", "unit": "lon", "label": "Longitude 经度"},
]
SPEED = {"key": "speed", "unit": "m/s", "label": "Speed 速度"}
HEADING = {"key": "heading", "unit": "deg", "label": "Heading 方向"}

TRACKER_TYPES: list[dict] = [
    {
        "code": "vehicle_gps",
        "name": "车载定位终端 Vehicle GPS terminal",
        "description": "BeiDou/GPS terminal of a sanitation vehicle or muck truck (every 30 s).",
        "offline_minutes": 30,
        "metrics": [*POSITION_METRICS, SPEED, HEADING],
        "rules": [
            {
                "key": "speeding",
                "name": "超速 Speeding",
                "kind": "speeding",
                "metric": "speed",
                "threshold": 60,
                "count": 3,
                "clear_count": 2,
                "severity": "minor",
            },
            {
                "key": "off_route",
                "name": "偏离核准路线 Off the approved route",
                "kind": "off_route",
                "metric": "route_distance",
                "count": 2,
                "duration_seconds": 60,
                "clear_count": 2,
                "severity": "major",
            },
            {
                "key": "forbidden",
                "name": "闯入禁行区 Inside a forbidden zone",
                "kind": "forbidden",
                "metric": "zone_depth",
                "count": 1,
                "clear_count": 2,
                "severity": "major",
            },
            {
                "key": "dwell",
                "name": "停车超时 Parked too long",
                "kind": "dwell",
                "metric": "dwell_minutes",
                "threshold": 50,
                "duration_seconds": 1800,
                "severity": "warning",
            },
            _offline_rule("warning"),
        ],
    },
    {
        "code": "worker_badge",
        "name": "环卫工牌 Worker e-badge",
        "description": "Sanitation worker's badge: position every minute, SOS, battery.",
        "offline_minutes": 60,
        "metrics": [*POSITION_METRICS, BATTERY],
        "rules": [
            {
                "key": "off_grid",
                "name": "离岗越界 Out of the home grids",
                "kind": "off_grid",
                "metric": "grid_distance",
                "threshold": 30,
                "count": 3,
                "duration_seconds": 600,
                "clear_count": 1,
                "severity": "warning",
            },
            {
                "key": "dwell",
                "name": "长时间静止 Not moving",
                "kind": "dwell",
                "metric": "dwell_minutes",
                "threshold": 20,
                "duration_seconds": 3600,
                "severity": "indeterminate",
                "is_active": False,
            },
            _battery_rule(),
            _offline_rule("warning"),
        ],
    },
]


def load(*, device_type_model, rule_model) -> dict:
    """Create the tracker types and rules that are missing (operators' edits are kept)."""
    counts = {"types": 0, "rules": 0}
    for spec in TRACKER_TYPES:
        device_type, created = device_type_model.objects.get_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "description": spec["description"],
                "metrics": spec["metrics"],
                "offline_minutes": spec["offline_minutes"],
            },
        )
        counts["types"] += created
        for rule_spec in spec["rules"]:
            fields = {
                "kind": "threshold",
                **{k: v for k, v in rule_spec.items() if k in (*RULE_FIELDS, "is_active")},
            }
            _rule, created = rule_model.objects.get_or_create(
                device_type=device_type, key=rule_spec["key"], defaults=fields
            )
            counts["rules"] += created
    return counts
