"""What the simulated sensors measure: daily patterns, processes, showers and faults that trip
exactly the alarm rules of their device type (iot.device_types). Pure: no database."""

from __future__ import annotations

import random
import statistics
from datetime import datetime, timedelta

import pytest

from demo.simulator.sensors import FAULT_CYCLE_MINUTES, FAULT_MINUTES, LOCAL, Sensor, Weather
from iot.device_types import DEVICE_TYPES
from iot.rules import RuleSpec

START = datetime(2026, 11, 23, 0, 0, tzinfo=LOCAL)
WEATHER = Weather(1)


def _sensor(type_code: str, *, fault: bool = False, seed: str = "x") -> Sensor:
    offset = timedelta(minutes=0) if fault else None
    return Sensor(type_code, random.Random(seed), START, offset)


def _mean(sensor: Sensor, metric: str, hour: int, *, samples: int = 40, sim_hours=0.0) -> float:
    at = START + timedelta(hours=hour)
    return statistics.mean(
        sensor.read(at, sim_hours=sim_hours, weather=WEATHER)[metric] for _ in range(samples)
    )


def test_noise_is_higher_by_day_with_rush_hour_peaks():
    sensor = _sensor("noise")
    night, midday, rush = (_mean(sensor, "LAeq", h) for h in (3, 13, 8))
    assert night < 50 < midday < rush < 70  # quiet night, busy day, under the 70 dB limit


def test_restaurants_fume_at_meal_times():
    sensor = _sensor("cooking_fume")
    assert _mean(sensor, "concentration", 12) > 3 * _mean(sensor, "concentration", 16)


def test_gas_pressure_dips_with_evening_demand():
    sensor = _sensor("gas_pressure")
    assert _mean(sensor, "pressure", 19) < _mean(sensor, "pressure", 3) - 100


def test_bins_fill_until_the_truck_empties_them():
    sensor = _sensor("waste_bin")
    fills = [sensor.read(START, sim_hours=h / 2, weather=WEATHER)["fill_level"] for h in range(48)]
    rises = sum(1 for a, b in zip(fills, fills[1:], strict=False) if b > a)
    drops = [a - b for a, b in zip(fills, fills[1:], strict=False) if a - b > 0.3]
    assert rises > 30 and drops  # mostly filling, now and then emptied at once
    assert max(fills) < 0.9  # a normal bin is emptied before it is full


def test_showers_raise_the_water_and_dry_up():
    shower_start, shower_end, _intensity = WEATHER.showers[0]
    middle = (shower_start + shower_end) / 2
    sensor = _sensor("water_level")
    wet = sensor.read(START, sim_hours=middle, weather=WEATHER)["depth"]
    dry = sensor.read(START, sim_hours=shower_end + 0.01, weather=WEATHER)["depth"]
    assert wet > dry + 0.01 and dry < 0.02
    cover = _sensor("manhole_cover")
    assert (
        cover.read(START, sim_hours=middle, weather=WEATHER)["water_distance"]
        < cover.read(START, sim_hours=shower_end + 0.01, weather=WEATHER)["water_distance"]
    )


def _rules(type_code: str) -> list[tuple[str, RuleSpec]]:
    """(metric, spec) of the type's threshold rules, battery aside (batteries drain slowly)."""
    spec = next(t for t in DEVICE_TYPES if t["code"] == type_code)
    return [
        (rule["metric"], RuleSpec(operator=rule["operator"], threshold=rule["threshold"]))
        for rule in spec["rules"]
        if rule.get("kind", "threshold") == "threshold" and rule["metric"] != "battery"
    ]


@pytest.mark.parametrize("type_code", [t["code"] for t in DEVICE_TYPES])
def test_a_fault_breaches_a_rule_of_its_type_and_normal_readings_breach_none(type_code):
    faulty, normal = _sensor(type_code, fault=True), _sensor(type_code, seed="normal")
    rules = _rules(type_code)
    for minute in range(0, FAULT_MINUTES, 3):
        at = START + timedelta(hours=12, minutes=minute)
        normal.started = faulty.started = START + timedelta(hours=12)
        values = faulty.read(at, sim_hours=0.1, weather=WEATHER)
        assert any(rule.breaches(values[m]) for m, rule in rules), (type_code, values)
        quiet = normal.read(at, sim_hours=0.1, weather=WEATHER)
        assert not any(rule.breaches(quiet[m]) for m, rule in rules), (type_code, quiet)


def test_faults_come_back_every_cycle_and_leave_time_to_clear():
    sensor = _sensor("noise", fault=True)
    pattern = [sensor.faulty(START + timedelta(minutes=m)) for m in range(2 * FAULT_CYCLE_MINUTES)]
    assert sum(pattern) == 2 * FAULT_MINUTES
    assert pattern[0] and not pattern[FAULT_MINUTES] and pattern[FAULT_CYCLE_MINUTES]
    assert FAULT_CYCLE_MINUTES - FAULT_MINUTES >= 30  # the fume rule clears after 30 quiet min
