"""Devices producer: every demo sensor sends its readings (SenML) the way a real one does, over
HTTP with its own token to the demo server, or over MQTT when a broker is configured
(``demo.simulator.transport``). What they measure is ``demo.simulator.sensors``; the
alarm-prone ones (``DevicePlan.alarm``) trip their alarm rules within the first minutes and then
about once an hour, which opens cases for the cases producer to move along.

Reporting intervals: a device reports every ``period`` of simulated time (``DevicePlan``), but
never more often than MIN_INTERVAL real seconds, so the demo server is not flooded; noise and
fume stations report every minute, as the real ones do (their alarms need ten minutes above
the limit on the real clock). The physical processes (bins filling, showers, settlement) run
at most MAX_PROCESS_SPEED times faster than life, whatever ``--speed`` the case flow runs at:
at one reading a minute a bin's fill curve then still shows as a curve, not as noise.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from demo.seed_devices import DEVICE_PREFIX, device_token, plan_of
from demo.simulator import World, register
from demo.simulator.sensors import FAULT_STAGGER_MINUTES, FIRST_FAULT_MINUTES, Sensor, Weather
from demo.simulator.transport import senml_pack
from iot.models import Device
from org.services import token_digest

MIN_INTERVAL = 60.0  # real seconds
MAX_INTERVAL = 300.0  # well inside every type's offline window
PER_MINUTE = frozenset({"noise", "cooking_fume"})
MAX_PROCESS_SPEED = 30.0  # a bin's 10-hour round in 20 real minutes, a shower in 4-12


@dataclass
class SimulatedDevice:
    code: str
    token: str
    units: dict[str, str]
    sensor: Sensor
    interval: timedelta
    next_at: datetime


class DeviceProducer:
    name = "devices"

    def __init__(self, world: World) -> None:
        self.world = world
        self.process_speed = min(world.speed, MAX_PROCESS_SPEED)
        self.weather = Weather(world.seed)
        self.devices: list[SimulatedDevice] = []
        self.skipped: list[str] = []
        alarm_index = 0
        rows = Device.objects.filter(code__startswith=DEVICE_PREFIX, is_active=True)
        for device in rows.select_related("device_type").order_by("code"):
            found = plan_of(device.code)
            token = device_token(world.seed, device.code)
            if found is None or device.token_digest != token_digest(token):
                self.skipped.append(device.code)  # not ours, or its token was rotated
                continue
            plan, number = found
            rng = random.Random(f"{world.seed}:{device.code}")
            offset = None
            if number in plan.alarm:
                minutes = FIRST_FAULT_MINUTES + FAULT_STAGGER_MINUTES * alarm_index
                offset = timedelta(minutes=minutes)
                alarm_index += 1
            if device.device_type.code in PER_MINUTE:
                seconds = MIN_INTERVAL
            else:
                seconds = min(MAX_INTERVAL, max(MIN_INTERVAL, plan.period / world.speed))
            interval = timedelta(seconds=seconds)
            self.devices.append(
                SimulatedDevice(
                    code=device.code,
                    token=token,
                    units=device.device_type.metric_units(),
                    sensor=Sensor(device.device_type.code, rng, world.started, offset),
                    interval=interval,
                    # Spread the first readings over one interval (a restart is not a burst).
                    next_at=world.started + interval * rng.random(),
                )
            )
        if self.skipped:
            world.say(f"devices: {len(self.skipped)} skipped (token not the seed's)")

    def tick(self, now: datetime) -> int:
        sent = 0
        sim_hours = (now - self.world.started).total_seconds() * self.process_speed / 3600
        for device in self.devices:
            if not self.world.once and device.next_at > now:
                continue
            values = device.sensor.read(now, sim_hours=sim_hours, weather=self.weather)
            pack = senml_pack(device.code, values, device.units, now.timestamp())
            if self.world.transport.send(code=device.code, token=device.token, pack=pack):
                sent += 1
            # Keep the rhythm; after a pause start afresh rather than send a burst.
            following = device.next_at + device.interval
            device.next_at = following if following > now else now + device.interval
        return sent


@register("devices")
def devices(world: World) -> DeviceProducer | None:
    producer = DeviceProducer(world)
    return producer if producer.devices else None
