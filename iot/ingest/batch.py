"""The batch writer every channel feeds: messages -> readings, latest values, rules, alarms.

``write_batch(messages)`` does all of one batch in **one transaction** and returns only after
the commit, so a caller that acknowledges messages afterwards (the MQTT consumer) never loses a
reading: a crash before the commit means the broker redelivers, and redelivered readings insert
nothing ((device, metric, ts) is unique, ``ON CONFLICT DO NOTHING``) and evaluate no rule twice
(each rule remembers the time of the last reading it saw).

Per batch, whatever its size: one insert of the readings, one read (locked) and one bulk update
of the latest values, and a few more when alarms move; devices and rules come from the caller's
IngestCache (read only for devices it has not seen, or after an edit or its TTL). Malformed
payloads become DeadLetter rows with the reason; unknown devices are counted in UnknownDevice.
Neither ever raises: one bad message must not stop the others.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core import metrics
from iot import senml
from iot.ingest import sql
from iot.ingest.cache import IngestCache, RulesByMetric
from iot.ingest.sql import ReadingRow
from iot.models import (
    AlarmRule,
    DeadLetter,
    Device,
    DeviceMetricState,
    UnknownDevice,
)
from iot.models.devices import METRIC_KEY_RE
from iot.rules import Outcome, RuleState, step
from iot.tracking import positions as tracking

logger = logging.getLogger(__name__)

MAX_FUTURE = timedelta(hours=1)  # device clocks drift; a day ahead is a broken clock
MAX_PAYLOAD_KEPT = 64 * 1024  # of a dead letter's payload
LAST_SEEN_RESOLUTION = timedelta(seconds=30)  # last_seen_at is rewritten at most this often
BATTERY_METRIC = "battery"


@dataclass(frozen=True, slots=True)
class Message:
    """One payload as received: ``device`` when the channel authenticated it (HTTP token),
    else ``device_code`` from the MQTT topic. ``parsed`` is the pack already resolved by the
    channel (a list of senml.Record, or a SenMLError) against ``received_at``; the writer parses
    the payload itself when it is None."""

    channel: str
    payload: bytes
    received_at: datetime
    device_code: str = ""
    device: Device | None = None
    topic: str = ""
    parsed: list | senml.SenMLError | None = None


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A rule outcome that moves an alarm (raise / update / clear), in reading order."""

    device: Device
    rule: AlarmRule
    outcome: Outcome
    value: float
    ts: datetime
    started_at: datetime | None
    unit: str


@dataclass
class BatchResult:
    messages: int = 0
    readings: int = 0  # resolved records offered for storage (duplicates included)
    rules_evaluated: int = 0
    dead_letters: int = 0
    unknown: int = 0
    alarms_raised: int = 0
    alarms_cleared: int = 0
    positions: int = 0  # track points of trackers offered for storage (iot.tracking)
    errors: dict[int, str] = field(default_factory=dict)  # message index -> reason


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def _readings_of(
    message: Message, device: Device, units: dict[str, str]
) -> tuple[list[ReadingRow], str]:
    """The readings of one message, or ([], reason) when the pack is refused."""
    received = message.received_at
    records = message.parsed
    if isinstance(records, senml.SenMLError):
        return [], str(records)
    if records is None:
        try:
            records = senml.parse(message.payload, now=received.timestamp())
        except senml.SenMLError as exc:
            return [], str(exc)
    latest_allowed = received + MAX_FUTURE
    out = []
    for record in records:
        metric = record.metric
        where = f"record {record.index}"
        if not METRIC_KEY_RE.match(metric):
            return (
                [],
                f"{where}: {record.name!r} gives no usable metric name (last ':' or '/' part)",
            )
        declared = units.get(metric)
        if declared and record.unit and record.unit != declared:
            return [], (
                f"{where}: unit {record.unit!r} for {metric!r}, but device type "
                f"{device.device_type.code!r} measures it in {declared!r}"
            )
        ts = _dt(record.time)
        if ts > latest_allowed:
            return [], f"{where}: time {ts.isoformat()} is in the future (device clock?)"
        value = record.value if record.value is not None else record.sum
        text = record.value_str if record.value_str is not None else record.value_data
        out.append(
            ReadingRow(
                device_id=device.pk,
                metric=metric,
                ts=ts,
                value=value,
                value_str=text or "",
                value_bool=record.value_bool,
                unit=record.unit or declared or "",
                received_at=received,
            )
        )
    return out, ""


def printable_payload(payload: bytes) -> str:
    """A payload as text a dead letter can hold (PostgreSQL text refuses NUL characters)."""
    return payload[:MAX_PAYLOAD_KEPT].decode("utf-8", "replace").replace("\x00", "\\u0000")


def _numeric(reading: ReadingRow) -> float | None:
    if reading.value is not None:
        return reading.value
    if reading.value_bool is not None:
        return 1.0 if reading.value_bool else 0.0
    return None


@dataclass(slots=True)
class _State:
    """A DeviceMetricState row as plain values (sql.update_states writes it back)."""

    pk: int
    device_id: int
    metric: str
    ts: datetime | None
    value: float | None
    value_str: str
    value_bool: bool | None
    unit: str
    rule_state: dict


def _lock_states(pairs: set[tuple[int, str]]) -> dict[tuple[int, str], _State]:
    """The latest-value rows of ``pairs``, created when missing, locked for this transaction.

    The lock serialises two consumers (shared subscription) that got the same device's
    messages: rule windows and "one open alarm per (device, rule)" then have one answer.
    """
    device_ids = sorted({d for d, _ in pairs})

    def read() -> dict[tuple[int, str], _State]:
        rows = sql.lock_states(device_ids)
        return {(r[1], r[2]): _State(*r[:-1], rule_state=r[-1] or {}) for r in rows}

    states = read()
    missing = pairs - states.keys()
    if missing:
        DeviceMetricState.objects.bulk_create(
            [DeviceMetricState(device_id=d, metric=m) for d, m in sorted(missing)],
            ignore_conflicts=True,
        )
        states = read()
    return states


def _count_unknown(unknown: dict[tuple[str, str], int], now: datetime) -> None:
    for (code, channel), n in unknown.items():
        updated = UnknownDevice.objects.filter(code=code).update(
            count=F("count") + n, last_seen_at=now, channel=channel
        )
        if not updated:
            UnknownDevice.objects.bulk_create(
                [
                    UnknownDevice(
                        code=code, channel=channel, count=n, first_seen_at=now, last_seen_at=now
                    )
                ],
                ignore_conflicts=True,
            )


def write_batch(
    messages: Sequence[Message], *, now: datetime | None = None, cache: IngestCache | None = None
) -> BatchResult:
    """Store and evaluate ``messages`` in one transaction (module docstring). A long-running
    caller passes its ``cache`` (iot.ingest.cache) to keep devices and rules between batches."""
    from iot import alarms

    now = now or timezone.now()
    cache = cache or IngestCache()
    result = BatchResult(messages=len(messages))
    devices = cache.devices({m.device_code for m in messages if m.device is None})
    dead: list[DeadLetter] = []
    unknown: dict[tuple[str, str], int] = defaultdict(int)
    readings: list[ReadingRow] = []
    points: list[tracking.Position] = []
    seen_devices: dict[int, Device] = {}
    for index, message in enumerate(messages):
        device = message.device or devices.get(message.device_code)
        if device is None:
            unknown[(message.device_code[:200], message.channel)] += 1
            result.errors[index] = f"unknown device {message.device_code!r}"
            continue
        rows, reason = _readings_of(message, device, cache.units(device))
        if not reason and cache.is_tracker(device):
            # lat/lon/speed/heading become track points, not readings (iot.tracking.positions)
            rows, found, reason = tracking.take_positions(rows, device=device)
            points.extend(found)
        if reason:
            dead.append(
                DeadLetter(
                    received_at=message.received_at,
                    channel=message.channel,
                    topic=message.topic[:200],
                    device=device,
                    payload=printable_payload(message.payload),
                    reason=reason,
                )
            )
            result.errors[index] = reason
            continue
        readings.extend(rows)
        seen_devices[device.pk] = device
    result.readings = len(readings)
    result.positions = len(points)
    result.dead_letters = len(dead)
    result.unknown = sum(unknown.values())

    with transaction.atomic():
        if dead:
            DeadLetter.objects.bulk_create(dead)
        if unknown:
            _count_unknown(unknown, now)
        if readings:
            sql.insert_readings(readings)
            hits = _evaluate(readings, seen_devices, cache.rules(seen_devices.values()), result)
            if hits:
                raised, cleared = alarms.apply_rule_hits(hits, now=now)
                result.alarms_raised += raised
                result.alarms_cleared += cleared
        if points:
            moved = tracking.store_positions(points, devices=seen_devices, now=now)
            result.rules_evaluated += moved.rules_evaluated
            result.alarms_raised += moved.alarms_raised
            result.alarms_cleared += moved.alarms_cleared
        if readings or points:
            result.alarms_cleared += _touch_devices(seen_devices, readings, now)
    if messages:
        metrics.record_batch(
            channel=messages[0].channel,
            stored=result.readings + result.positions,
            refused=result.dead_letters + result.unknown,
        )
    return result


def _evaluate(
    readings: list[ReadingRow],
    devices: dict[int, Device],
    rules: dict[int, RulesByMetric],
    result: BatchResult,
) -> list[RuleHit]:
    by_pair: dict[tuple[int, str], list[ReadingRow]] = defaultdict(list)
    for reading in readings:
        by_pair[(reading.device_id, reading.metric)].append(reading)
    states = _lock_states(set(by_pair))
    hits: list[RuleHit] = []
    changed: list[_State] = []
    for pair, rows in by_pair.items():
        state = states[pair]
        device = devices[pair[0]]
        rows.sort(key=lambda r: r.ts)
        latest = rows[-1]
        dirty = False
        if state.ts is None or latest.ts > state.ts:
            state.ts, state.value, state.unit = latest.ts, latest.value, latest.unit
            state.value_str, state.value_bool = latest.value_str, latest.value_bool
            dirty = True
        metric_rules = rules[pair[0]].get(pair[1], ())
        if metric_rules:
            # Each rule's state is decoded once per pair and batch, stepped through the pair's
            # readings in time order, and encoded once at the end.
            memory = dict(state.rule_state)
            current = {
                rule.pk: RuleState.from_dict(memory.get(str(rule.pk))) for rule, _ in metric_rules
            }
            for reading in rows:
                value = _numeric(reading)
                if value is None:
                    continue  # text readings have no threshold
                ts = reading.ts.timestamp()
                for rule, spec in metric_rules:
                    outcome = step(spec, current[rule.pk], value=value, ts=ts)
                    if outcome.outcome is Outcome.IGNORED:
                        continue
                    result.rules_evaluated += 1
                    current[rule.pk] = outcome.state
                    if outcome.outcome is not Outcome.NONE:
                        hits.append(
                            RuleHit(
                                device=device,
                                rule=rule,
                                outcome=outcome.outcome,
                                value=value,
                                ts=reading.ts,
                                started_at=_dt(outcome.started_at)
                                if outcome.started_at is not None
                                else None,
                                unit=reading.unit,
                            )
                        )
            for pk, rule_state in current.items():
                memory[str(pk)] = rule_state.as_dict()
            if memory != state.rule_state:
                state.rule_state = memory
                dirty = True
        if dirty:
            changed.append(state)
    if changed:
        sql.update_states(changed)
    return hits


def _touch_devices(devices: dict[int, Device], readings: list[ReadingRow], now: datetime) -> int:
    """last seen, online and battery; a device coming back clears its offline alarm."""
    from iot import alarms

    battery: dict[int, tuple[datetime, float]] = {}
    for reading in readings:
        if reading.metric == BATTERY_METRIC and reading.value is not None:
            known = battery.get(reading.device_id)
            if known is None or reading.ts > known[0]:
                battery[reading.device_id] = (reading.ts, reading.value)
    # Read inside the transaction: the offline scan may have flipped a device since the batch
    # loaded it, and its offline alarm must clear now that data arrived.
    offline = set(
        Device.objects.filter(pk__in=list(devices), is_online=False).values_list("pk", flat=True)
    )
    changed, back_online = [], []
    for device in devices.values():
        level = battery.get(device.pk, (None, device.battery))[1]
        stale = device.last_seen_at is None or now - device.last_seen_at >= LAST_SEEN_RESOLUTION
        if device.pk in offline:
            back_online.append(device)
        if stale or device.pk in offline or level != device.battery:
            device.last_seen_at, device.is_online, device.battery = now, True, level
            changed.append(device)
    if changed:
        sql.update_rows(
            Device._meta.db_table,
            ("id", "last_seen_at", "is_online", "battery"),
            [(d.pk, d.last_seen_at, d.is_online, d.battery) for d in changed],
        )
    return alarms.clear_offline(back_online, now=now) if back_online else 0
