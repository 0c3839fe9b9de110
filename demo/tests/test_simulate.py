"""manage.py simulate: one step advances the world, cases go round the loop, sensors report and
the alarm-prone ones trip their alarms. One seeded city for the whole module; telemetry is
delivered in process (``--transport direct``), the path the HTTP endpoint takes."""

from __future__ import annotations

import io
import os
import random
import signal
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command

from cases.models import Case
from cases.states import CaseStatus, SourceChannel
from demo import simulator
from demo.management.commands import simulate as simulate_command
from demo.seed_devices import PLANS
from demo.seed_trackers import BADGE, MUCK, DemoTracker, load_trackers
from demo.simulator.cases import SIM_PREFIX, CaseProducer
from demo.simulator.devices import DeviceProducer
from demo.simulator.transport import DirectTransport
from demo.simulator.vehicles import WARMUP, Terminal, VehicleProducer, muck_drive
from iot.models import Alarm, Device, Reading, RuleKind, TrackPoint

pytestmark = pytest.mark.django_db


def _world(seeded_world, *, once: bool, started=None) -> simulator.World:
    return simulator.World(
        seed=seeded_world.seed,
        speed=simulator.DEFAULT_SPEED,
        started=started or seeded_world.now,
        transport=DirectTransport(),
        once=once,
    )


def test_simulate_once_reports_moves_and_stores_readings(seeded_world):
    readings, cases = Reading.objects.count(), Case.objects.count()
    out = io.StringIO()
    call_command("simulate", "--once", "--transport", "direct", stdout=out)
    text = out.getvalue()
    assert "producers: cases, devices, vehicles" in text
    new = Case.objects.filter(source_ref__startswith=SIM_PREFIX)
    assert Case.objects.count() == cases + 1 and new.count() == 1
    # The new report was moved on in the same step (filed, or verified on site).
    assert new.get().events.count() >= 2
    assert Reading.objects.count() > readings
    assert Reading.objects.values("device").distinct().count() == sum(p.count for p in PLANS)


def test_cases_go_round_the_loop_to_closed(seeded_world):
    producer = CaseProducer(_world(seeded_world, once=True))
    closed = Case.objects.none()
    now = seeded_world.now
    for step in range(24):
        producer.tick(now + timedelta(minutes=step))
        closed = Case.objects.filter(source_ref__startswith=SIM_PREFIX, status=CaseStatus.CLOSED)
        if closed.exists():
            break
    assert closed.exists()
    trail = list(closed.first().events.order_by("pk").values_list("action", flat=True))
    assert trail[0] == "report" and trail[-1] == "close"
    assert {"file", "dispatch", "accept", "dispose", "check_pass"} <= set(trail)


def test_the_producer_leaves_other_peoples_cases_alone(seeded_world):
    seeded_open = set(
        Case.objects.exclude(status__in=[CaseStatus.CLOSED, CaseStatus.VOIDED])
        .exclude(source__in=[SourceChannel.IOT])
        .values_list("pk", "version")
    )
    CaseProducer(_world(seeded_world, once=True)).tick(seeded_world.now)
    after = set(
        Case.objects.filter(pk__in=[pk for pk, _v in seeded_open]).values_list("pk", "version")
    )
    assert after == seeded_open


def test_alarm_prone_devices_trip_their_alarms_and_open_cases(seeded_world):
    start = seeded_world.now
    producer = DeviceProducer(_world(seeded_world, once=False, started=start))
    watched = {"NB-MH-0003", "NB-NS-0002", "NB-MH-0001"}
    producer.devices = [d for d in producer.devices if d.code in watched]
    for minute in range(0, 24):
        producer.tick(start + timedelta(minutes=minute, seconds=1))
    alarms = {a.device.code: a for a in Alarm.objects.select_related("device", "rule")}
    # The displaced cover (two readings over 15°) and the loud street (10 minutes over 70 dB).
    assert alarms["NB-MH-0003"].rule.key == "displaced"
    assert alarms["NB-NS-0002"].rule.key == "loud"
    assert "NB-MH-0001" not in alarms  # a well-behaved device stays quiet
    opened = Case.objects.filter(source=SourceChannel.IOT)
    assert opened.count() >= 2
    # The cases producer takes those cases on like its own.
    CaseProducer(_world(seeded_world, once=True)).tick(start + timedelta(minutes=30))
    assert not opened.filter(status=CaseStatus.REPORTED).exists()


def test_devices_not_holding_the_seeds_token_are_skipped(seeded_world):
    from iot.services import device_rotate_token

    device_rotate_token(device=Device.objects.get(code="NB-GP-0001"))
    producer = DeviceProducer(_world(seeded_world, once=True))
    assert producer.skipped == ["NB-GP-0001"]


def test_simulate_stops_cleanly_on_sigterm(seeded_world, monkeypatch):
    ticks = []

    class Counter:
        name = "counter"

        def tick(self, now):
            ticks.append(now)
            return 1

    monkeypatch.setattr(simulator, "build", lambda world, only=None: [Counter()])
    # The loop drops stale connections; here that one holds the module's seeded world (on
    # PostgreSQL closing it would end the transaction under the tests that follow).
    monkeypatch.setattr(simulate_command, "close_old_connections", lambda: None)
    out = io.StringIO()
    timer = threading.Thread(target=_sigterm_after_ticks, args=(ticks,), daemon=True)
    timer.start()
    call_command("simulate", "--transport", "direct", "--tick", "0.05", stdout=out)
    timer.join(timeout=5)
    assert len(ticks) >= 3
    assert "[simulate] stopped: counter" in out.getvalue()


def _sigterm_after_ticks(ticks: list) -> None:
    for _ in range(200):
        # Only while simulate's own handler is installed: never hit pytest with a real SIGTERM.
        handler = signal.getsignal(signal.SIGTERM)
        if len(ticks) >= 3 and getattr(handler, "__name__", "") == "<lambda>":
            os.kill(os.getpid(), signal.SIGTERM)
            return
        threading.Event().wait(0.05)


def test_simulate_once_only_vehicles_stores_new_track_points(seeded_world):
    last = TrackPoint.objects.order_by("-pk").values_list("pk", flat=True).first()
    out = io.StringIO()
    call_command("simulate", "--once", "--only", "vehicles", "--transport", "direct", stdout=out)
    assert "producers: vehicles" in out.getvalue()
    new = TrackPoint.objects.filter(pk__gt=last)
    codes = {t.code for t in load_trackers(seeded_world.seed)}
    assert len(codes) == 15  # 6 sweepers, 3 muck trucks, 6 badges
    # Every tracker flushed the minute before the step: a short track, not a lone dot.
    per_tracker = Counter(new.values_list("tracker__code", flat=True))
    assert set(per_tracker) == codes and min(per_tracker.values()) >= 2
    assert Case.objects.filter(source_ref__startswith=SIM_PREFIX).count() == 0  # only vehicles


def test_muck_trucks_and_badges_break_the_rules_now_and_then(seeded_world):
    start = seeded_world.now  # a working Monday morning: out-of-grid counts
    with time_machine.travel(start, tick=False) as clock:
        producer = VehicleProducer(_world(seeded_world, once=False, started=start))
        producer.terminals = [t for t in producer.terminals if t.tracker.kind in (MUCK, BADGE)]
        for minute in range(45):
            clock.move_to(start + timedelta(minutes=minute))
            producer.tick(start + timedelta(minutes=minute))
    raised = Alarm.objects.filter(started_at__gte=start - WARMUP).select_related("device")
    by_kind = {(a.rule.kind, a.device.code[:2]) for a in raised.select_related("rule")}
    # Off the approved route and speeding (trucks), out of the home grid (a badge).
    assert {(RuleKind.OFF_ROUTE, "VH"), (RuleKind.SPEEDING, "VH")} <= by_kind
    assert (RuleKind.OUT_OF_GRID, "WB") in by_kind
    # ... and back to normal afterwards: alarms clear, they do not pile up.
    assert raised.filter(status="cleared").exists()


def test_trackers_not_holding_the_seeds_token_are_left_out(seeded_world):
    from iot.services import device_rotate_token

    device_rotate_token(device=Device.objects.get(code="VH-BDM1"))
    codes = {t.code for t in load_trackers(seeded_world.seed)}
    assert "VH-BDM1" not in codes and len(codes) == 14


def test_undelivered_positions_stay_buffered_until_the_server_takes_them(db):
    class Flaky:
        name = "flaky"

        def __init__(self) -> None:
            self.up = False

        def send(self, *, code, token, pack):
            return self.up

    start = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    transport = Flaky()
    world = simulator.World(seed=1, speed=1.0, started=start, transport=transport)
    producer = VehicleProducer(world)
    tracker = DemoTracker("VH-X", "t", MUCK, "浙B-X", "x", ((121.5, 29.86), (121.51, 29.86)))
    fixes = muck_drive(tracker, start=start, rng=random.Random(1), phase=0)
    producer.terminals = [Terminal(tracker=tracker, fixes=fixes, next_send=start)]
    assert producer.tick(start + timedelta(minutes=2)) == 0  # server down
    transport.up = True
    assert producer.tick(start + timedelta(minutes=3)) == 7  # 0:00 to 3:00 every 30 s
    # After a long outage only the last MAX_BACKLOG (ten minutes, both ends) is sent.
    assert producer.tick(start + timedelta(minutes=20)) == 21
