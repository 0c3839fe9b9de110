"""What each demo sensor measures: daily patterns, slow processes, weather, and faults. Pure.

No package ships a fitting open data set for a Ningbo street (the ones that do, e.g. Seattle's
weather in vega_datasets, need pandas and describe another city), so readings are generated:

* **daily patterns on the real clock** (the reading's own local time): noise is higher by day
  with rush-hour peaks, restaurants fume at meal times, gas pressure dips with evening demand;
* **processes on the simulated clock** (``sim_hours``: real time x the process speed): bins fill until
  the truck empties them, settlement creeps, rain showers come and go and raise the water;
* **faults on the real clock** for the alarm-prone devices (``DevicePlan.alarm``): one window of
  FAULT_MINUTES every FAULT_CYCLE_MINUTES, long enough for every alarm rule to fire (counts of
  readings, or 10 minutes above the limit), and a normal stretch long enough for it to clear.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Shanghai")
FAULT_CYCLE_MINUTES = 60
FAULT_MINUTES = 15
FIRST_FAULT_MINUTES = 2.0  # the first alarm-prone device faults this soon after the start
FAULT_STAGGER_MINUTES = 0.75  # ... and the next ones one after another
RAIN_EVERY_HOURS = 30.0  # simulated hours between showers, on average
RAIN_HOURS = (2.0, 6.0)
BATTERY_DRAIN = 0.01  # percent per reading


def local_hour(moment: datetime) -> float:
    local = moment.astimezone(LOCAL)
    return local.hour + local.minute / 60


def bump(hour: float, centre: float, width: float) -> float:
    """A smooth 0..1 bump around ``centre`` (hours, wrapping at midnight)."""
    distance = min(abs(hour - centre), 24 - abs(hour - centre))
    return math.exp(-((distance / width) ** 2))


def daylight(hour: float) -> float:
    """How awake the city is, 0..1: asleep before 06:00, up by 08:00, winding down 20-23."""
    if hour < 6 or hour >= 23:
        return 0.0
    if hour < 8:
        return (hour - 6) / 2
    return 1.0 if hour < 20 else (23 - hour) / 3


class Weather:
    """Showers on the simulated clock: a deterministic list of (start, end, intensity 0..1)."""

    def __init__(self, seed: int, *, horizon_hours: float = 24 * 365) -> None:
        rng = random.Random(f"{seed}:weather")
        self.showers: list[tuple[float, float, float]] = []
        at = rng.uniform(0.5, 3.0)  # the demo opens with a shower soon
        while at < horizon_hours:
            length = rng.uniform(*RAIN_HOURS)
            self.showers.append((at, at + length, rng.uniform(0.4, 1.0)))
            at += length + rng.expovariate(1 / RAIN_EVERY_HOURS)

    def rain(self, sim_hours: float) -> float:
        """Rain intensity 0..1: ramps up and down within each shower."""
        for start, end, intensity in self.showers:
            if start <= sim_hours <= end:
                return intensity * math.sin(math.pi * (sim_hours - start) / (end - start))
            if start > sim_hours:
                break
        return 0.0


@dataclass
class Sensor:
    """One device's readings; ``fault_offset`` is None for a device that never faults."""

    type_code: str
    rng: random.Random
    started: datetime
    fault_offset: timedelta | None = None
    state: dict = field(default_factory=dict)

    def faulty(self, now: datetime) -> bool:
        if self.fault_offset is None:
            return False
        since = (now - self.started - self.fault_offset).total_seconds() / 60
        return since >= 0 and since % FAULT_CYCLE_MINUTES < FAULT_MINUTES

    def read(self, now: datetime, *, sim_hours: float, weather: Weather) -> dict[str, float]:
        """Metric -> value at ``now``; empty for a type the demo does not know."""
        reader = getattr(self, f"read_{self.type_code}", None)
        if reader is None:
            return {}
        values = reader(now, sim_hours, weather, self.faulty(now))
        return {k: round(v, 4) for k, v in values.items()}

    # --- helpers ---------------------------------------------------------------------------------
    def _jitter(self, sigma: float) -> float:
        return self.rng.gauss(0, sigma)

    def _battery(self) -> float:
        level = self.state.setdefault("battery", self.rng.uniform(55, 100))
        self.state["battery"] = max(30.0, level - BATTERY_DRAIN)
        return self.state["battery"]

    def _base(self, key: str, low: float, high: float) -> float:
        """A per-device constant (how sensitive this spot is), drawn once."""
        return self.state.setdefault(key, self.rng.uniform(low, high))

    # --- the seven starter types (iot.device_types) ----------------------------------------------
    def read_manhole_cover(self, now, sim_hours, weather, fault):
        tilt = self.rng.uniform(18, 26) if fault else abs(1.2 + self._jitter(0.4))
        depth = self._base("depth", 1.1, 1.6)
        rain = weather.rain(sim_hours)
        return {
            "tilt": tilt,
            "water_distance": max(0.35, depth - 0.6 * rain + self._jitter(0.02)),
            "battery": self._battery(),
        }

    def read_waste_bin(self, now, sim_hours, weather, fault):
        cycle = self._base("truck_every_hours", 8, 12)  # the truck's round, simulated hours
        peak = self._base("peak", 0.55, 0.8)
        phase = self._base("phase", 0, 12)
        fill = ((sim_hours + phase) % cycle) / cycle * peak
        if fault:
            fill = self.rng.uniform(0.93, 1.0)
        hour = local_hour(now)
        return {
            "fill_level": max(0.0, fill + self._jitter(0.01)),
            "temperature": 12 + 9 * daylight(hour) + self._jitter(0.4),
            "battery": self._battery(),
        }

    def read_noise(self, now, sim_hours, weather, fault):
        hour = local_hour(now)
        level = 44 + 16 * daylight(hour) + 3 * bump(hour, 8, 1) + 3 * bump(hour, 17.5, 1)
        if fault:
            level = self.rng.uniform(74, 80)
        return {"LAeq": level + self._jitter(1.5)}

    def read_cooking_fume(self, now, sim_hours, weather, fault):
        hour = local_hour(now)
        meal = max(bump(hour, 12, 1.0), bump(hour, 18.5, 1.3))
        level = 0.15 + 1.2 * meal * self._base("busy", 0.6, 1.1)
        if fault:
            level = self.rng.uniform(2.4, 3.2)
        return {"concentration": max(0.02, level + self._jitter(0.05))}

    def read_gas_pressure(self, now, sim_hours, weather, fault):
        hour = local_hour(now)
        pressure = 2050 - 180 * bump(hour, 18.5, 1.5) - 90 * bump(hour, 7.5, 1)
        if fault:
            pressure = self.rng.uniform(1200, 1400)
        return {"pressure": pressure + self._jitter(15), "battery": self._battery()}

    def read_road_subsidence(self, now, sim_hours, weather, fault):
        creep = min(0.012, 0.003 + 0.0004 * sim_hours / 24)
        settlement = self.rng.uniform(0.024, 0.03) if fault else creep
        return {
            "settlement": settlement + self._jitter(0.0002),
            "battery": self._battery(),
        }

    def read_water_level(self, now, sim_hours, weather, fault):
        depth = weather.rain(sim_hours) * self._base("low_spot", 0.03, 0.12)
        if fault:
            depth = self.rng.uniform(0.18, 0.36)
        return {"depth": max(0.0, depth + self._jitter(0.004)), "battery": self._battery()}
