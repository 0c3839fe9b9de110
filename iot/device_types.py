"""The starter device types 设备类型 and their default alarm rules, as data.

Loaded by migration 0002 and by ``manage.py load_device_types`` (which also links case
categories loaded later). Units are SenML units (RFC 8428 Table 6; ``deg`` from RFC 8798) except
``mg/m3``, which SenML lacks (iot.md §3.4): kept as the unit GB 18483 states its limit in.
Thresholds are CityOps examples taken from the standards named beside them; cities tune them
in the admin (rules are data, STYLE.md rule 4).
"""

from __future__ import annotations

BATTERY = {"key": "battery", "unit": "%EL", "label": "Battery 电量"}


def _battery_rule() -> dict:
    return {
        "key": "low_battery",
        "name": "低电量 Low battery",
        "metric": "battery",
        "operator": "lt",
        "threshold": 20,
        "clear_threshold": 25,
        "severity": "warning",
    }


def _offline_rule(severity: str = "minor") -> dict:
    return {
        "key": "offline",
        "name": "设备离线 Device offline",
        "kind": "offline",
        "severity": severity,
    }


DEVICE_TYPES: list[dict] = [
    {
        "code": "manhole_cover",
        "name": "井盖监测 Manhole cover",
        "description": "Tilt / displacement and water level under the cover (NB-IoT, hourly heartbeat).",
        "offline_minutes": 360,
        "metrics": [
            {"key": "tilt", "unit": "deg", "label": "Tilt angle 倾角"},
            {"key": "water_distance", "unit": "m", "label": "Water below the cover 水面距井盖"},
            BATTERY,
        ],
        "rules": [
            {
                "key": "displaced",
                "name": "井盖移位 Cover displaced",
                "metric": "tilt",
                "operator": "gt",
                "threshold": 15,
                "clear_threshold": 5,
                "count": 2,  # one knock from a passing truck is not a displaced cover
                "clear_count": 3,
                "severity": "major",
                "open_case": True,
                "category": ("component", "01002"),  # 污水井盖: 缺失、移位 is its filing condition
                "auto_check_pass": True,
            },
            {
                "key": "water_high",
                "name": "井内水位过高 Water near the cover",
                "metric": "water_distance",
                "operator": "lt",
                "threshold": 0.3,
                "clear_threshold": 0.5,
                "severity": "major",
            },
            _battery_rule(),
            _offline_rule(),
        ],
    },
    {
        "code": "waste_bin",
        "name": "垃圾箱满溢 Bin fill level",
        "description": "Fill level 0..1 as FIWARE WasteContainer.fillingLevel, plus temperature for fire.",
        "offline_minutes": 180,
        "metrics": [
            {"key": "fill_level", "unit": "/", "label": "Fill level 满溢度"},
            {"key": "temperature", "unit": "Cel", "label": "Temperature 温度"},
            BATTERY,
        ],
        "rules": [
            {
                "key": "full",
                "name": "垃圾箱满溢 Bin full",
                "metric": "fill_level",
                "operator": "gt",
                "threshold": 0.9,
                "clear_threshold": 0.5,
                "count": 2,
                "severity": "minor",
                "open_case": True,
                "category": ("event", "06042"),  # 垃圾站（箱）满溢
                "auto_check_pass": True,  # emptied = fill level drops: the sensor can tell
            },
            {
                "key": "hot",
                "name": "垃圾箱高温 Possible fire",
                "metric": "temperature",
                "operator": "gt",
                "threshold": 60,
                "clear_threshold": 45,
                "severity": "critical",
            },
            _battery_rule(),
            _offline_rule(),
        ],
    },
    {
        "code": "noise",
        "name": "噪声监测 Noise LAeq",
        "description": "A-weighted equivalent level per minute (FIWARE NoiseLevelObserved.LAeq).",
        "offline_minutes": 15,
        "metrics": [{"key": "LAeq", "unit": "dB", "label": "LAeq 等效声级"}],
        "rules": [
            {
                "key": "loud",
                "name": "噪声超标 Noise above limit",
                "metric": "LAeq",
                "operator": "gt",
                "threshold": 70,  # GB 3096-2008 class 4a (roadside) daytime limit
                "clear_threshold": 65,
                "duration_seconds": 600,
                "clear_duration_seconds": 600,
                "severity": "warning",
                "open_case": True,
                "category": ("event", "06028"),  # 噪声扰民
            },
            _offline_rule("warning"),
        ],
    },
    {
        "code": "cooking_fume",
        "name": "餐饮油烟 Cooking fume",
        "description": "Fume concentration at a restaurant's exhaust.",
        "offline_minutes": 30,
        "metrics": [{"key": "concentration", "unit": "mg/m3", "label": "Concentration 油烟浓度"}],
        "rules": [
            {
                "key": "over_limit",
                "name": "油烟超标 Fume above limit",
                "metric": "concentration",
                "operator": "gt",
                "threshold": 2.0,  # GB 18483-2001 emission limit, mg/m³
                "clear_threshold": 1.5,
                "duration_seconds": 600,
                "clear_duration_seconds": 1800,
                "severity": "minor",
                "open_case": True,
                "category": ("event", "06027"),  # 油烟污染
                "auto_check_pass": True,
            },
            _offline_rule(),
        ],
    },
    {
        "code": "gas_pressure",
        "name": "燃气管网压力 Gas pressure",
        "description": "Low-pressure distribution network (household supply about 2 kPa).",
        "offline_minutes": 30,
        "metrics": [{"key": "pressure", "unit": "Pa", "label": "Pressure 压力"}, BATTERY],
        "rules": [
            {
                "key": "pressure_low",
                "name": "燃气压力过低 Pressure low",
                "metric": "pressure",
                "operator": "lt",
                "threshold": 1500,
                "clear_threshold": 1800,
                "count": 3,
                "severity": "major",
            },
            {
                "key": "pressure_high",
                "name": "燃气压力过高 Pressure high",
                "metric": "pressure",
                "operator": "gt",
                "threshold": 4000,
                "clear_threshold": 3500,
                "count": 3,
                "severity": "critical",
            },
            _battery_rule(),
            _offline_rule("major"),
        ],
    },
    {
        "code": "road_subsidence",
        "name": "道路沉降 Road subsidence",
        "description": "Cumulative settlement of the road surface against its survey baseline.",
        "offline_minutes": 180,
        "metrics": [{"key": "settlement", "unit": "m", "label": "Settlement 累计沉降"}, BATTERY],
        "rules": [
            {
                "key": "subsidence",
                "name": "路面沉降 Road subsidence",
                "metric": "settlement",
                "operator": "gt",
                "threshold": 0.02,
                "clear_threshold": 0.015,
                "count": 2,
                "severity": "critical",
                "open_case": True,
                "category": ("event", "06013"),  # 道路破损
            },
            _battery_rule(),
            _offline_rule(),
        ],
    },
    {
        "code": "water_level",
        "name": "积水水位 Water level",
        "description": "Water depth on a road or in an underpass (flood control, FIWARE FloodMonitoring).",
        "offline_minutes": 30,
        "metrics": [{"key": "depth", "unit": "m", "label": "Water depth 积水深度"}, BATTERY],
        "rules": [
            {
                "key": "ponding",
                "name": "道路积水 Road ponding",
                "metric": "depth",
                "operator": "gt",
                "threshold": 0.15,
                "clear_threshold": 0.05,
                "severity": "warning",
            },
            {
                "key": "deep_water",
                "name": "积水严重 Deep water, close the road",
                "metric": "depth",
                "operator": "gt",
                "threshold": 0.3,
                "clear_threshold": 0.2,
                "severity": "critical",
            },
            _battery_rule(),
            _offline_rule("major"),
        ],
    },
]

RULE_FIELDS = (
    "name",
    "kind",
    "metric",
    "operator",
    "threshold",
    "clear_threshold",
    "count",
    "duration_seconds",
    "clear_count",
    "clear_duration_seconds",
    "severity",
    "open_case",
    "auto_check_pass",
)


def load(*, device_type_model, rule_model, category_model, reset: bool = False) -> dict:
    """Create the starter types and rules; link case categories that exist by now.

    Takes the model classes so the data migration can pass its historical models. Existing rows
    are left as operators edited them unless ``reset``; a missing category link is always filled.
    """
    counts = {"types": 0, "rules": 0, "linked": 0}
    for spec in DEVICE_TYPES:
        type_fields = {
            "name": spec["name"],
            "description": spec["description"],
            "metrics": spec["metrics"],
            "offline_minutes": spec["offline_minutes"],
        }
        device_type, created = device_type_model.objects.get_or_create(
            code=spec["code"], defaults=type_fields
        )
        if reset and not created:
            device_type_model.objects.filter(pk=device_type.pk).update(**type_fields)
        counts["types"] += created
        for rule_spec in spec["rules"]:
            fields = {
                "kind": "threshold",
                **{k: v for k, v in rule_spec.items() if k in RULE_FIELDS},
            }
            rule, created = rule_model.objects.get_or_create(
                device_type=device_type, key=rule_spec["key"], defaults=fields
            )
            if reset and not created:
                rule_model.objects.filter(pk=rule.pk).update(**fields)
            counts["rules"] += created
            if "category" in rule_spec and (rule.category_id is None or reset):
                kind, code = rule_spec["category"]
                category = category_model.objects.filter(kind=kind, code=code).first()
                if category is not None:
                    rule_model.objects.filter(pk=rule.pk).update(category=category)
                    counts["linked"] += 1
    return counts
