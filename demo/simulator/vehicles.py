"""Vehicles producer 车辆与人员定位: the demo's sweepers, muck trucks and worker badges report
their positions (SenML ``lat``/``lon``/``speed``/``heading``) the way their terminals do, through
the same transport as the sensors (HTTP with the tracker's token, MQTT, or in process).

What they do (generators of ``iot.tracking.demo``, at the real pace: speeds are reported and the
track rules judge them, so ``--speed`` does not hurry a truck):

* a **sweeper** 清扫车 drives its street's swept road back and forth at 8 km/h;
* a **muck truck** 渣土车 shuttles along its approved route at 30 km/h, stopping ten minutes
  at each end to load or tip; one trip in MUCK_CYCLE it takes a side street DETOUR_M north (off
  the route: 偏离路线), another it races the route at SPEEDING_KMH (超速), each truck at another
  point of the cycle, so alarms rise and clear about every quarter hour somewhere in the city;
* a **badge** 环卫工牌 walks about its home grid; one quarter hour in BADGE_CYCLE its worker is a
  grid east of it (离岗越界, an alarm during working hours only).

A terminal records a fix every 30 s (badges every minute) and flushes them once a minute;
positions it could not deliver stay buffered (at most MAX_BACKLOG), as a real terminal's do.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from demo.seed_trackers import BADGE, MUCK, DemoTracker, load_trackers
from demo.simulator import World, register
from iot.tracking.demo import (
    BADGE_EVERY_S,
    MUCK_KMH,
    PACK_POINTS,
    SWEEP_KMH,
    VEHICLE_EVERY_S,
    Fix,
    along,
    loiter,
    senml_pack,
)

SEND_EVERY = timedelta(seconds=60)  # a terminal flushes its buffer once a minute
# The first fixes are a minute old: even a single ``--once`` step draws a short track.
WARMUP = timedelta(seconds=60)
MAX_BACKLOG = timedelta(minutes=10)  # older undelivered fixes are dropped
MUCK_CYCLE = 6  # trips: one off the route and one speeding in every six
MUCK_STOP_MINUTES = 10  # loading or tipping between two trips (the dwell alarm waits 30)
PARKED_RADIUS_M = 5.0  # GPS wander of a parked truck
DETOUR_M = 200.0  # north of the route: four times the route's 50 m buffer
DETOUR_KMH = 15.0  # a side street: slow enough for several fixes off the route
SPEEDING_KMH = 75.0  # over the 60 km/h limit even with the speed noise
BADGE_BLOCK_MINUTES = 15
BADGE_CYCLE = 6  # quarter hours: one away from the home grid in every hour and a half
BADGE_AWAY_RADIUS_M = 30.0


def _next_start(last: Fix | None, start: datetime, every_s: int) -> datetime:
    return last.ts + timedelta(seconds=every_s) if last is not None else start


def sweeper_drive(tracker: DemoTracker, *, start: datetime, rng: random.Random) -> Iterator[Fix]:
    """Back and forth along the street's swept road, for ever."""
    route, t = list(tracker.route), start
    while True:
        last = None
        for last in along(route, start=t, kmh=SWEEP_KMH, every_s=VEHICLE_EVERY_S, rng=rng):
            yield last
        t = _next_start(last, t, VEHICLE_EVERY_S)
        route.reverse()


def muck_drive(
    tracker: DemoTracker, *, start: datetime, rng: random.Random, phase: int
) -> Iterator[Fix]:
    """Trips along the approved route with a stop at each end; trip ``k`` with
    (k + phase) % MUCK_CYCLE == 2 is a detour off the route, == 4 a speeding run (the third
    truck detours on its first trip: the demo shows an alarm within minutes)."""
    route, t, trip = list(tracker.route), start, 0
    while True:
        step = (trip + phase) % MUCK_CYCLE
        if step == 2:
            legs = along(
                route,
                start=t,
                kmh=DETOUR_KMH,
                every_s=VEHICLE_EVERY_S,
                rng=rng,
                offset_m=(0.0, DETOUR_M),
            )
        elif step == 4:
            lap = route + route[-2::-1]  # there and back
            # Twice round: at least four fixes (one per leg at any route length), three in a row
            # over the limit raise the alarm, and the run ends where it began.
            legs = along(lap + lap[1:], start=t, kmh=SPEEDING_KMH, every_s=VEHICLE_EVERY_S, rng=rng)
        else:
            legs = along(route, start=t, kmh=MUCK_KMH, every_s=VEHICLE_EVERY_S, rng=rng)
        last = None
        for last in legs:
            yield last
        t = _next_start(last, t, VEHICLE_EVERY_S)
        if step != 4:  # a speeding run ends where it began (an even number of legs)
            route.reverse()
        # Loading at the site or tipping at the other end, parked on the route.
        for last in loiter(
            route[0],
            start=t,
            minutes=MUCK_STOP_MINUTES,
            every_s=VEHICLE_EVERY_S,
            rng=rng,
            radius_m=PARKED_RADIUS_M,
        ):
            yield last
        t = _next_start(last, t, VEHICLE_EVERY_S)
        trip += 1


def badge_walk(
    tracker: DemoTracker, *, start: datetime, rng: random.Random, phase: int
) -> Iterator[Fix]:
    """Quarter hours about the home grid; block ``k`` with (k + phase) % BADGE_CYCLE ==
    BADGE_CYCLE - 1 away from it."""
    t, block = start, 0
    while True:
        away = (block + phase) % BADGE_CYCLE == BADGE_CYCLE - 1 and tracker.away is not None
        last = None
        for last in loiter(
            tracker.away if away else tracker.home,
            start=t,
            minutes=BADGE_BLOCK_MINUTES,
            every_s=BADGE_EVERY_S,
            rng=rng,
            radius_m=BADGE_AWAY_RADIUS_M if away else tracker.radius_m,
        ):
            yield last
        t = _next_start(last, t, BADGE_EVERY_S)
        block += 1


@dataclass
class Terminal:
    """One tracker's terminal: its track to come and the fixes recorded but not yet sent."""

    tracker: DemoTracker
    fixes: Iterator[Fix]
    next_send: datetime
    upcoming: Fix | None = None
    buffer: list[Fix] = field(default_factory=list)

    def record_until(self, now: datetime) -> None:
        """Move the fixes taken up to ``now`` into the buffer (the rest stay to come)."""
        if self.upcoming is None:
            self.upcoming = next(self.fixes)
        while self.upcoming.ts <= now:
            self.buffer.append(self.upcoming)
            self.upcoming = next(self.fixes)
        oldest = now - MAX_BACKLOG
        if self.buffer and self.buffer[0].ts < oldest:
            self.buffer = [fix for fix in self.buffer if fix.ts >= oldest]


class VehicleProducer:
    name = "vehicles"

    def __init__(self, world: World) -> None:
        self.world = world
        start = world.started - WARMUP
        self.terminals: list[Terminal] = []
        phases: dict[str, int] = {}
        for tracker in load_trackers(world.seed):
            rng = random.Random(f"{world.seed}:{tracker.code}")
            phase = phases.get(tracker.kind, 0)
            phases[tracker.kind] = phase + 1
            if tracker.kind == MUCK:
                fixes = muck_drive(tracker, start=start, rng=rng, phase=phase)
            elif tracker.kind == BADGE:
                fixes = badge_walk(tracker, start=start, rng=rng, phase=phase)
            else:
                fixes = sweeper_drive(tracker, start=start, rng=rng)
            # Spread the flushes over a minute (a restart is not a burst).
            first_send = world.started + SEND_EVERY * rng.random()
            self.terminals.append(Terminal(tracker=tracker, fixes=fixes, next_send=first_send))
        if not self.terminals:
            world.say("vehicles: no demo vehicle or badge holds the seed's token")

    def tick(self, now: datetime) -> int:
        """Flush every terminal that is due; the number of positions delivered."""
        sent = 0
        for terminal in self.terminals:
            if not self.world.once and terminal.next_send > now:
                continue
            terminal.record_until(now)
            following = terminal.next_send + SEND_EVERY
            terminal.next_send = following if following > now else now + SEND_EVERY
            sent += self._flush(terminal)
        return sent

    def _flush(self, terminal: Terminal) -> int:
        tracker, sent = terminal.tracker, 0
        while terminal.buffer:
            chunk = terminal.buffer[:PACK_POINTS]
            pack = senml_pack(chunk, with_motion=tracker.kind != BADGE)
            if not self.world.transport.send(code=tracker.code, token=tracker.token, pack=pack):
                break  # kept for the next flush; the transport counts and reports the failure
            del terminal.buffer[: len(chunk)]
            sent += len(chunk)
        return sent


@register("vehicles")
def vehicles(world: World) -> VehicleProducer | None:
    producer = VehicleProducer(world)
    return producer if producer.terminals else None
