"""The MQTT telemetry consumer (``manage.py ingest_mqtt``): topic ``cityops/telemetry/<device_id>``,
payload a SenML JSON pack, QoS 1.

Nothing is lost, nothing is stored twice:

* MQTT 5 persistent session (fixed client id, ``clean_start=False``, a session expiry): QoS 1
  messages published while the consumer is away are queued by the broker and delivered when
  it returns.
* Manual acknowledgement (paho ``manual_ack_set(True)``): a message is PUBACKed only after the
  transaction holding its readings has **committed**. If the database is down, the batch is
  retried with backoff and nothing is acknowledged meanwhile; if the process dies, the broker
  redelivers every unacknowledged message.
* Redelivery is harmless: (device, metric, ts) is unique and inserted with ON CONFLICT DO
  NOTHING, and rules skip readings they have seen (iot.ingest.batch). Packs should carry
  absolute times (``bt``/``t`` >= 2**28): a relative or missing time is read against the
  receive time, which differs on redelivery.
* The MQTT client runs in a child process (iot.ingest.network): paho is pure Python, and in
  this process its network thread held the GIL while the writer waited on the database. The
  child parses SenML on arrival and sends chunks through a pipe; this process writes and sends
  back the packet ids to acknowledge. A child that dies is started again (nothing was acked
  that was not committed, so the broker redelivers the rest).
* Messages are taken in batches (size or time, whichever first): one transaction per batch.
* Alarms raised by a batch do not open their case inside its transaction: their ids are
  queued for the worker after the acknowledgement (iot.alarms.cases_deferred, iot.tasks), so
  intake's cost and failures never hold back telemetry.
* ``--shared`` subscribes ``$share/cityops/cityops/telemetry/+`` so N consumers (each with its
  own client id) split the stream; readings of one device are serialised by row locks.
* A broker outage is handled by paho's reconnect with backoff; acknowledgements of messages
  received on an earlier connection are not sent (the broker redelivers those anyway).

Broker settings that matter (Mosquitto; deploy/mosquitto.conf sets them): a session's queue
while its consumer is away is capped by ``max_queued_messages``, and what goes over the cap is
**dropped**. The default (1000) loses readings whenever a consumer restarts under load: Mosquitto
2.0 keeps giving an offline member of a shared subscription its turn, so a consumer SIGKILLed
and back 1.5 s later at 10 k messages in flight lost 3,828 of its 5,000 (stop 28; with the
deploy file's limit, none). An MQTT 5 client's Receive Maximum lifts the in-flight window
(default 20 for MQTT 3.1.1 clients). ``manage.py serve`` drains and forgets the sessions of
consumers it ran before and no longer runs (cityops.serving.retire_mqtt_sessions,
``Consumer(drain=True)``): a retired member of the group would otherwise take its turn at
every message, queued for nobody.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction

from core import metrics
from iot import alarms
from iot.ingest.batch import BatchResult, Message, printable_payload, write_batch
from iot.ingest.cache import IngestCache
from iot.ingest.network import (
    BrokerUrl,
    BrokerUrlError,
    Link,
    LinkDown,
    Received,
    Subscription,
    forget_session,
)
from iot.models import Channel, DeadLetter

__all__ = ["BrokerUrl", "BrokerUrlError", "Consumer", "ConsumerStats", "Stopped", "forget_session"]

logger = logging.getLogger(__name__)

TOPIC_PREFIX = "cityops/telemetry/"
TOPIC = TOPIC_PREFIX + "+"
SHARED_GROUP = "cityops"
DEFAULT_CLIENT_ID = "cityops-ingest"
# Messages per transaction at most (under load; a quiet stream closes a batch after BATCH_WAIT).
# Latest values and device rows are written once per (device, batch): bigger batches share them
# out (bench/ingest: 500 -> 1000 lifted the rate by ~15 %).
DEFAULT_BATCH_SIZE = 1000
DEFAULT_BATCH_WAIT = 0.2  # seconds after the first message of a batch
IDLE_POLL = 0.5
RETRY_MIN, RETRY_MAX = 0.5, 30.0  # database retry backoff, seconds
STATS_EVERY = 60.0
RESTART_CALM = 10.0  # seconds: a network process that dies sooner after its start backs off
DRAIN_IDLE = 2.0  # seconds without a message before a drained session counts as empty
DRAIN_LIMIT = 300.0  # seconds at most for one drain
START_WAIT = 30.0  # seconds for the broker to answer a drain


@dataclass
class ConsumerStats:
    messages: int = 0
    readings: int = 0
    rules_evaluated: int = 0
    dead_letters: int = 0
    unknown: int = 0
    alarms_raised: int = 0
    batches: int = 0
    db_retries: int = 0
    acked: int = 0
    stale_acks_skipped: int = 0
    cases_queued: int = 0  # alarms whose case was handed to the worker (iot.tasks)
    network_restarts: int = 0  # the MQTT network process died and was started again
    # What the broker says it dropped over its limits since it started (-1: it does not say).
    broker_dropped: int = -1

    def add(self, result: BatchResult) -> None:
        self.messages += result.messages
        self.readings += result.readings
        self.rules_evaluated += result.rules_evaluated
        self.dead_letters += result.dead_letters
        self.unknown += result.unknown
        self.alarms_raised += result.alarms_raised
        self.batches += 1


class Stopped(Exception):
    """The consumer was asked to stop while a batch was still unwritten (it stays unacked)."""


class Consumer:
    """Subscribe, batch, write, acknowledge. ``run()`` blocks until ``stop`` is set.

    The MQTT client lives in a child process (iot.ingest.network); this process only writes."""

    def __init__(
        self,
        *,
        url: str,
        client_id: str = DEFAULT_CLIENT_ID,
        shared: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
        batch_wait: float = DEFAULT_BATCH_WAIT,
        stop: threading.Event | None = None,
        topic_prefix: str = TOPIC_PREFIX,
        drain: bool = False,
    ):
        self.broker = BrokerUrl.parse(url)
        self.client_id = client_id
        # The prefix is configurable for benchmarks sharing a broker; devices use the default.
        self.prefix = topic_prefix
        topic = f"{topic_prefix}+"
        group = getattr(settings, "MQTT_SHARED_GROUP", "") or SHARED_GROUP
        self.topic = f"$share/{group}/{topic}" if shared else topic
        # The same client id may have subscribed otherwise on an earlier run (one consumer, then
        # several, or another group): those subscriptions stay in the broker's session.
        forms = {topic, f"$share/{SHARED_GROUP}/{topic}", f"$share/{group}/{topic}"}
        if drain:  # a retired consumer's session: every form goes, the queue is taken
            self.topic = None
        stale = tuple(sorted(forms - {self.topic}))
        self.batch_size = max(1, batch_size)
        self.batch_wait = batch_wait
        self.stop_event = stop or threading.Event()
        self.stats = ConsumerStats()
        self.cache = IngestCache()  # devices and rules between batches (iot.ingest.cache)
        self._link = Link(
            Subscription(
                broker=self.broker,
                client_id=client_id,
                topic=self.topic,
                log_level=logging.getLogger().getEffectiveLevel(),
                stale_topics=stale,
            )
        )
        self.connected = self._link.connected
        self.subscribed = self._link.subscribed  # the broker confirmed the subscription (SUBACK)
        self._pending: deque[Received] = deque()  # received, not yet taken into a batch
        self._restarted_at = float("-inf")
        self._restart_delay = 0.0
        self._dropped_seen = -1

    def start(self) -> None:
        self._link.start()

    def close(self) -> None:
        self.stop_event.set()
        self._link.stop()

    @property
    def network_pid(self) -> int | None:
        """The MQTT network process (tests kill it to show nothing is lost)."""
        return self._link.process.pid if self._link.process is not None else None

    # --- batching -------------------------------------------------------------------------

    def _fill(self, timeout: float) -> None:
        """Move the next chunk from the network process into ``_pending`` (waiting up to
        ``timeout``); a dead network process is started again, and what it had received but
        this process had not acknowledged comes back from the broker."""
        try:
            self._pending.extend(self._link.receive(timeout))
        except LinkDown as exc:
            if self.stop_event.is_set():
                return
            # A child that dies again soon after its start waits longer each time (a crash
            # loop must not spin); one that ran a while is restarted at once.
            now = time.monotonic()
            if now - self._restarted_at < RESTART_CALM:
                self._restart_delay = min(max(RETRY_MIN, self._restart_delay * 2), RETRY_MAX)
            else:
                self._restart_delay = 0.0
            self.stats.network_restarts += 1
            logger.error("%s; starting it again in %.1f s", exc, self._restart_delay)
            if self._restart_delay and self.stop_event.wait(self._restart_delay):
                return
            self._link.restart()
            self._restarted_at = time.monotonic()

    def _collect(self) -> list[Received]:
        if not self._pending:
            self._fill(IDLE_POLL)
            if not self._pending:
                return []
        deadline = time.monotonic() + self.batch_wait
        while len(self._pending) < self.batch_size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._fill(0)  # take what is already there, do not wait
                break
            self._fill(remaining)
        take = min(self.batch_size, len(self._pending))
        return [self._pending.popleft() for _ in range(take)]

    def _messages(self, batch: list[Received]) -> list[Message]:
        out = []
        for item in batch:
            code = item.topic[len(self.prefix) :] if item.topic.startswith(self.prefix) else ""
            out.append(
                Message(
                    channel=Channel.MQTT,
                    payload=item.payload,
                    received_at=datetime.fromtimestamp(item.at, tz=UTC),
                    device_code=code or item.topic,
                    topic=item.topic,
                    parsed=item.parsed,
                )
            )
        return out

    def _write(self, messages: list[Message]) -> BatchResult:
        """write_batch until it commits. Database errors: close the connection, back off, retry
        (nothing is acked meanwhile). Anything else is a poisoned message: split the batch, and
        dead-letter the one message that still fails on its own."""
        delay = RETRY_MIN
        while True:
            try:
                return write_batch(messages, cache=self.cache)
            except (OperationalError, InterfaceError) as exc:  # the database, not the data
                self.stats.db_retries += 1
                logger.warning("database write failed (%s); retrying in %.1f s", exc, delay)
                _drop_connection()
                if self.stop_event.wait(delay):
                    raise Stopped from exc
                delay = min(delay * 2, RETRY_MAX)
            except Exception as exc:  # bad data or a bug must not stop the stream: isolate it
                if len(messages) == 1:
                    logger.exception("message on %s could not be processed", messages[0].topic)
                    reason = (
                        f"the database refused it: {exc}"
                        if isinstance(exc, DatabaseError)
                        else f"internal error: {exc!r}"
                    )
                    return self._dead_letter(messages[0], reason)
                total = BatchResult()
                for message in messages:
                    part = self._write([message])
                    for name in ("messages", "readings", "rules_evaluated", "dead_letters"):
                        setattr(total, name, getattr(total, name) + getattr(part, name))
                    total.unknown += part.unknown
                    total.alarms_raised += part.alarms_raised
                return total

    def _dead_letter(self, message: Message, reason: str) -> BatchResult:
        with transaction.atomic():
            DeadLetter.objects.create(
                received_at=message.received_at,
                channel=message.channel,
                topic=message.topic[:200],
                payload=printable_payload(message.payload),
                reason=reason,
            )
        return BatchResult(messages=1, dead_letters=1)

    def _ack(self, batch: list[Received]) -> None:
        """Ask the network process to PUBACK the batch. Messages received on an earlier
        connection are skipped: their packet ids mean nothing now, and the broker redelivers
        them on this one (where they are stored duplicates: no-ops). The network process checks
        the generation again when it sends, in case the connection changed meanwhile."""
        current = self._link.generation.value
        acks = []
        for item in batch:
            if item.generation != current:
                self.stats.stale_acks_skipped += 1
                continue
            acks.append((item.generation, item.mid, item.qos))
        try:
            self._link.acknowledge(acks)
        except LinkDown as exc:  # picked up (and restarted) by the next _fill
            logger.warning("%s: %d acknowledgements not sent, redelivered", exc, len(acks))
            self.stats.stale_acks_skipped += len(acks)
            return
        self.stats.acked += len(acks)

    def watch_broker(self) -> None:
        """Say so, loudly, when the broker drops messages (iot.ingest.network.SYS_DROPPED): over
        its queue limit while a consumer is away, readings are gone before CityOps sees them,
        and only the broker knows. The count is broker-wide and since the broker started."""
        seen = self._link.broker_dropped.value
        if seen < 0 or seen == self._dropped_seen:
            return
        key = f"mqtt-broker-dropped:{self.broker.host}:{self.broker.port}"
        if self._dropped_seen < 0:
            # The count the consumers last saw (shared cache: Redis or serve's file cache)
            # tells drops that happened while this one was away from a broker's old history.
            before = _cached(key)
            if isinstance(before, int) and seen > before:
                self._dropped_seen = before
            elif seen:
                logger.warning(
                    "the MQTT broker has dropped %d messages since it started; if readings were "
                    "among them, raise its queue limit (deploy/mosquitto.conf)",
                    seen,
                )
        if seen > self._dropped_seen >= 0:
            logger.error(
                "the MQTT broker dropped %d messages over its queue limits (%d since it "
                "started): readings among them are lost; raise max_queued_messages "
                "(deploy/mosquitto.conf)",
                seen - self._dropped_seen,
                seen,
            )
        self._dropped_seen = self.stats.broker_dropped = seen
        try:
            cache.set(key, seen, None)
        except Exception:  # noqa: BLE001 - a cache outage must not stop the stream
            logger.warning("could not remember the broker's dropped count", exc_info=True)
        metrics.MQTT_BROKER_DROPPED.set(seen)

    def run_once(self) -> int:
        """Collect, write and acknowledge one batch, then hand the cases of the alarms it raised
        to the worker; returns the batch size (0 when idle)."""
        self.watch_broker()
        batch = self._collect()
        if not batch:
            return 0
        with alarms.cases_deferred() as pending:
            result = self._write(self._messages(batch))
        self.stats.add(result)
        self._ack(batch)
        if pending:
            self._hand_over(pending)
        return len(batch)

    def _hand_over(self, alarm_ids: list[int]) -> None:
        """Queue the case opening of committed alarms (iot.tasks). Ids of an attempt that rolled
        back name no alarm and are skipped there; if the queue is unreachable, the minute
        sweeper (iot.tasks.open_missing_alarm_cases) opens them."""
        from iot.tasks import open_alarm_cases

        try:
            open_alarm_cases(alarm_ids)
        except Exception:  # noqa: BLE001 - the sweeper is the fallback, the stream goes on
            logger.exception("could not queue the cases of alarms %s", alarm_ids)
        self.stats.cases_queued += len(alarm_ids)

    def drain(self, *, idle: float = DRAIN_IDLE, limit: float = DRAIN_LIMIT) -> ConsumerStats:
        """Take what the broker queued for this (retired) client id, write and acknowledge it,
        and forget the session (``drain=True``): stops once nothing came for ``idle`` seconds
        after the subscriptions were dropped, or after ``limit`` seconds in all. Raises
        ConnectionError when the broker never answered."""
        self.start()
        started = time.monotonic()
        try:
            if not self.subscribed.wait(START_WAIT):
                raise ConnectionError(f"MQTT broker {self.broker.host}:{self.broker.port}")
            quiet_since = time.monotonic()
            while time.monotonic() - started < limit:
                if self.run_once():
                    quiet_since = time.monotonic()
                elif time.monotonic() - quiet_since >= idle:
                    break
        finally:
            self.close()
            _drop_connection()
        forget_session(self.broker, self.client_id)
        return self.stats

    def run(self) -> ConsumerStats:
        self.start()
        last_log = time.monotonic()
        try:
            while not self.stop_event.is_set():
                try:
                    self.run_once()
                except Stopped:
                    break
                if time.monotonic() - last_log >= STATS_EVERY:
                    logger.info("ingest: %s", self.stats)
                    last_log = time.monotonic()
        finally:
            self.close()
            _drop_connection()
        return self.stats


def _cached(key: str):
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001 - a cache outage must not stop the stream
        return None


def _drop_connection() -> None:
    """Forget a (possibly broken) database connection; Django opens a new one on next use."""
    try:
        connection.close()
    except DatabaseError:
        pass
