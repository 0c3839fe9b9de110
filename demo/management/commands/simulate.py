"""``manage.py simulate [--url URL] [--speed N] [--seed N] [--once] [--transport ...]``: keep
the demo city alive: new reports moving along the case loop, sensors reporting (some tripping
alarms), and whatever else ``demo.simulator`` producers do (vehicles, once they exist).

Runs until SIGTERM or Ctrl-C and stops cleanly between two steps. ``run_demo`` starts it with
the demo server's URL. ``--once`` makes one step of everything (one new report, one move of
every case it manages, one reading of every device) and exits: for tests and a quick look.
Telemetry goes over HTTP to ``--url`` unless ``MQTT_URL`` is set (then over MQTT) or
``--transport`` says otherwise (``direct`` stores readings in this process, without a server).
"""

from __future__ import annotations

import signal
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone

from demo import simulator
from demo.services import seeded_with
from demo.simulator.transport import DirectTransport, HttpTransport, MqttTransport

TICK_SECONDS = 1.0
REPORT_EVERY = 60.0  # seconds between two progress lines
DEFAULT_URL = "http://127.0.0.1:8000/"
TRANSPORTS = ("auto", "http", "mqtt", "direct")


class Command(BaseCommand):
    help = "Run the demo city's simulator (reports, case moves, sensor readings) until stopped."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--url", default=DEFAULT_URL, help=f"The demo server (default {DEFAULT_URL})."
        )
        parser.add_argument(
            "--speed",
            type=float,
            default=simulator.DEFAULT_SPEED,
            help="How much faster than life the city runs (default %(default)s: a day in six "
            "minutes). Timestamps stay real.",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=None,
            help="Seed of the demo city (default: the one seed_demo used).",
        )
        parser.add_argument(
            "--once", action="store_true", help="One step of everything, then exit."
        )
        parser.add_argument(
            "--transport",
            choices=TRANSPORTS,
            default="auto",
            help="Telemetry: auto (MQTT when MQTT_URL is set, else HTTP), http, mqtt or direct.",
        )
        parser.add_argument(
            "--only", action="append", default=None, help="Run only this producer (repeatable)."
        )
        parser.add_argument("--tick", type=float, default=TICK_SECONDS, help="Seconds per step.")

    def handle(self, *args, url, speed, seed, once, transport, only, tick, **options) -> None:
        if speed <= 0:
            raise CommandError("--speed must be positive.")
        seed = seed if seed is not None else seeded_with()
        if seed is None:
            raise CommandError("No demo city found: run `manage.py seed_demo` first.")
        verbose = options.get("verbosity", 1) >= 2
        world = simulator.World(
            seed=seed,
            speed=speed,
            started=timezone.now(),
            transport=self._transport(transport, url),
            once=once,
            say=(lambda message: self.stdout.write(message)) if verbose else (lambda m: None),
        )
        try:
            producers = simulator.build(world, only=set(only) if only else None)
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        sim = simulator.Simulator(producers)
        names = ", ".join(p.name for p in producers) or "none"
        self.stdout.write(
            f"[simulate] seed {seed}, speed x{speed:g}, telemetry over "
            f"{world.transport.name}, producers: {names}"
        )
        try:
            if once:
                done = sim.tick(timezone.now())
                self.stdout.write("[simulate] one step: " + _summary(done, world.transport))
                return
            self._run(sim, world, tick)
        finally:
            sim.close()
            world.transport.close()

    def _transport(self, choice: str, url: str):
        mqtt_url = getattr(settings, "MQTT_URL", "")
        if choice == "direct":
            return DirectTransport()
        if choice == "mqtt" or (choice == "auto" and mqtt_url):
            if not mqtt_url:
                raise CommandError("--transport mqtt needs MQTT_URL (mqtt://host:1883).")
            return MqttTransport(mqtt_url)
        return HttpTransport(url)

    def _run(self, sim: simulator.Simulator, world: simulator.World, tick: float) -> None:
        stop = threading.Event()
        previous = {
            signum: signal.signal(signum, lambda *_: stop.set())
            for signum in (signal.SIGTERM, signal.SIGINT)
        }
        reported_at, reported = time.monotonic(), dict(sim.totals)
        try:
            while not stop.is_set():
                close_old_connections()  # a long-lived process: never keep a dead connection
                sim.tick(timezone.now())
                if time.monotonic() - reported_at >= REPORT_EVERY:
                    delta = {k: v - reported.get(k, 0) for k, v in sim.totals.items()}
                    self.stdout.write("[simulate] last minute: " + _summary(delta, world.transport))
                    reported_at, reported = time.monotonic(), dict(sim.totals)
                stop.wait(tick)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            close_old_connections()
        self.stdout.write("[simulate] stopped: " + _summary(sim.totals, world.transport))


def _summary(done: dict[str, int], transport) -> str:
    parts = [f"{name} {count}" for name, count in done.items()]
    sent = getattr(transport, "sent", None)
    if sent is not None and sent.failed:
        parts.append(f"telemetry failures {sent.failed} (last: {sent.last_error})")
    return ", ".join(parts) or "nothing to do"
