"""What a long-running ingest consumer keeps between batches 接入缓存: devices by code (with their
type and its metric units) and the threshold rules that apply to each device.

Without it every batch of the MQTT consumer re-read its devices (and built a model instance per
device) and their rules: ~6 ms of a ~60 ms batch of 500 messages (bench/ingest.py).

Freshness:

* an edit **in this process** (admin, import, tests: ``post_save`` / ``post_delete`` of Device,
  DeviceType or AlarmRule) empties every cache at once (a module-wide generation number);
* an edit in **another process** (the web admin while ``manage.py ingest_mqtt`` runs) is seen
  after at most ``ttl`` seconds (30 by default): a device switched off may still be accepted
  for that long, a new rule starts within that long.

Only devices that exist and are active are cached; an unknown code is asked for again in the
next batch, so a device registered meanwhile is accepted at once. What the batch writes back to a
device (last seen, online, battery) is written to the cached instance too.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable

from iot.models import AlarmRule, Device, RuleKind
from iot.rules import RuleSpec, RuleSpecError
from iot.selectors import effective_rules
from iot.tracking import positions as tracking

logger = logging.getLogger(__name__)

# device id -> metric -> its rules with their compiled specs, in effective_rules order
RulesByMetric = dict[str, list[tuple[AlarmRule, RuleSpec]]]

DEFAULT_TTL = 30.0  # seconds

_generation = 0


def invalidate(**_kwargs) -> None:
    """Signal receiver (iot.apps): every IngestCache of this process starts afresh."""
    global _generation
    _generation += 1


class IngestCache:
    """Devices, metric units and effective threshold rules, kept for ``ttl`` seconds."""

    def __init__(self, *, ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self._clock = clock
        self._clear()

    def _clear(self) -> None:
        self._devices: dict[str, Device] = {}
        self._units: dict[int, dict[str, str]] = {}
        self._trackers: dict[int, bool] = {}
        self._rules: dict[int, RulesByMetric] = {}
        self._generation = _generation
        self._expires = self._clock() + self.ttl

    def _fresh(self) -> None:
        if self._generation != _generation or self._clock() >= self._expires:
            self._clear()

    def devices(self, codes: Iterable[str]) -> dict[str, Device]:
        """code -> active Device (device_type loaded) for the codes that exist."""
        self._fresh()
        wanted = set(codes)
        missing = wanted - self._devices.keys()
        if missing:
            for device in Device.objects.filter(code__in=missing, is_active=True).select_related(
                "device_type"
            ):
                self._devices[device.code] = device
        return {code: self._devices[code] for code in wanted if code in self._devices}

    def units(self, device: Device) -> dict[str, str]:
        """metric -> declared unit of the device's type."""
        units = self._units.get(device.device_type_id)
        if units is None:
            units = self._units[device.device_type_id] = device.device_type.metric_units()
        return units

    def is_tracker(self, device: Device) -> bool:
        """Whether the device's type reports positions (iot.tracking.positions.is_tracker)."""
        tracker = self._trackers.get(device.device_type_id)
        if tracker is None:
            tracker = self._trackers[device.device_type_id] = tracking.is_tracker(
                device.device_type
            )
        return tracker

    def rules(self, devices: Iterable[Device]) -> dict[int, RulesByMetric]:
        """device id -> metric -> its active threshold rules (iot.selectors.effective_rules)
        with their RuleSpec; a rule whose spec is invalid is left out (and logged)."""
        self._fresh()
        devices = list(devices)
        missing = [d for d in devices if d.pk not in self._rules]
        if missing:
            specs: dict[int, RuleSpec | None] = {}
            for device_id, rules in effective_rules(missing, kind=RuleKind.THRESHOLD).items():
                by_metric: RulesByMetric = defaultdict(list)
                for rule in rules:
                    if rule.pk not in specs:
                        specs[rule.pk] = _spec(rule)
                    if specs[rule.pk] is not None:
                        by_metric[rule.metric].append((rule, specs[rule.pk]))
                self._rules[device_id] = dict(by_metric)
        return {d.pk: self._rules[d.pk] for d in devices}


def _spec(rule: AlarmRule) -> RuleSpec | None:
    try:
        return RuleSpec(
            operator=rule.operator,
            threshold=rule.threshold,
            clear_threshold=rule.clear_threshold,
            count=rule.count,
            duration=rule.duration_seconds,
            clear_count=rule.clear_count,
            clear_duration=rule.clear_duration_seconds,
        )
    except RuleSpecError as exc:  # the admin validates; a raw SQL edit could still do this
        logger.warning("alarm rule %s (%s) skipped: %s", rule.pk, rule.name, exc)
        return None
