"""The live demo city (``manage.py simulate``): producers that keep it moving.

A **producer** is anything with a ``name`` and ``tick(now) -> int`` (the work it did: reports
made, moves made, readings sent), optionally ``close()``. Each module of this package that
registers a factory with ``@register("name")`` is picked up by ``discover()``: adding
``demo/simulator/vehicles.py`` with::

    from demo.simulator import World, register

    @register("vehicles")
    def vehicles(world: World):
        return VehicleProducer(world)  # or None when there is nothing to drive

is all it takes for ``simulate`` (and so ``make demo``) to run it. A factory gets the ``World``:
the seed, the speed, whether this is a single ``--once`` step, the telemetry transport (HTTP to
the demo server by default, MQTT when ``MQTT_URL`` is set) and the start time.

Time: every timestamp is real (``now``); ``speed`` says how much faster than life the city's
processes run (reports per hour, delays between moves, bins filling, showers). Daily patterns
(more noise by day, fumes at meal times) follow the real local clock.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

logger = logging.getLogger(__name__)

DEFAULT_SPEED = 240.0  # a simulated day in six real minutes: a new case every few seconds


@runtime_checkable
class Producer(Protocol):
    name: str

    def tick(self, now: datetime) -> int:
        """Do what is due at ``now``; return how much work was done (0 = nothing due)."""


@dataclass
class World:
    """What every producer may use."""

    seed: int
    speed: float
    started: datetime
    transport: object  # demo.simulator.transport.*Transport
    once: bool = False
    say: Callable[[str], None] = field(default=lambda message: None)

    def sim_hours(self, now: datetime) -> float:
        """Simulated hours since the start (real seconds x speed)."""
        return (now - self.started).total_seconds() * self.speed / 3600


ProducerFactory = Callable[[World], Producer | None]
_registry: dict[str, ProducerFactory] = {}


def register(name: str) -> Callable[[ProducerFactory], ProducerFactory]:
    def decorate(factory: ProducerFactory) -> ProducerFactory:
        _registry[name] = factory
        return factory

    return decorate


def discover() -> dict[str, ProducerFactory]:
    """Import every module of this package so their factories register; name -> factory."""
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("_"):
            continue
        try:
            importlib.import_module(f"{__name__}.{module.name}")
        except ImportError:  # one half-installed producer must not stop the others
            logger.exception("simulator: module %s could not be imported", module.name)
    return dict(_registry)


def build(world: World, *, only: set[str] | None = None) -> list[Producer]:
    """The producers of every registered factory (or of ``only``), in name order."""
    producers = []
    for name, factory in sorted(discover().items()):
        if only is not None and name not in only:
            continue
        producer = factory(world)
        if producer is not None:
            producers.append(producer)
    return producers


@dataclass
class Simulator:
    producers: list[Producer]
    totals: dict[str, int] = field(default_factory=dict)

    def tick(self, now: datetime) -> dict[str, int]:
        """One step of every producer; a producer that fails is logged and the others go on."""
        done: dict[str, int] = {}
        for producer in self.producers:
            try:
                done[producer.name] = producer.tick(now)
            except Exception:  # a locked database or a bug in one producer must not stop the city
                logger.exception("simulator: producer %s failed", producer.name)
                done[producer.name] = 0
            self.totals[producer.name] = self.totals.get(producer.name, 0) + done[producer.name]
        return done

    def close(self) -> None:
        for producer in self.producers:
            close = getattr(producer, "close", None)
            if close is not None:
                close()
