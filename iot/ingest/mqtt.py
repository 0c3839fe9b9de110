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
* Messages are taken in batches (size or time, whichever first): one transaction per batch.
* Alarms raised by a batch do not open their case inside its transaction: their ids are
  queued for the worker after the acknowledgement (iot.alarms.cases_deferred, iot.tasks), so
  intake's cost and failures never hold back telemetry.
* ``--shared`` subscribes ``$share/cityops/cityops/telemetry/+`` so N consumers (each with its
  own client id) split the stream; readings of one device are serialised by row locks.
* A broker outage is handled by paho's reconnect with backoff; acknowledgements of messages
  received on an earlier connection are not sent (the broker redelivers those anyway).

Broker settings that matter (Mosquitto): a session's queue while the consumer is away is capped
by ``max_queued_messages`` (default 1000; raise it, or set 0, in production); an MQTT 5 client's
Receive Maximum lifts the in-flight window (default 20 for MQTT 3.1.1 clients).
"""

from __future__ import annotations

import logging
import queue
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from iot import alarms, senml
from iot.ingest.batch import BatchResult, Message, printable_payload, write_batch
from iot.ingest.cache import IngestCache
from iot.models import Channel, DeadLetter

logger = logging.getLogger(__name__)

TOPIC_PREFIX = "cityops/telemetry/"
TOPIC = TOPIC_PREFIX + "+"
SHARED_GROUP = "cityops"
DEFAULT_CLIENT_ID = "cityops-ingest"
SESSION_EXPIRY_SECONDS = 7 * 24 * 3600  # the broker keeps our queue this long while we are away
KEEPALIVE_SECONDS = 30
DEFAULT_BATCH_SIZE = 500
DEFAULT_BATCH_WAIT = 0.2  # seconds after the first message of a batch
IDLE_POLL = 0.5
RETRY_MIN, RETRY_MAX = 0.5, 30.0  # database retry backoff, seconds
RECEIVE_MAXIMUM = 65535  # MQTT 5: in-flight (unacknowledged) messages the broker may send us
STATS_EVERY = 60.0


class BrokerUrlError(ValueError):
    pass


@dataclass(frozen=True)
class BrokerUrl:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False

    @classmethod
    def parse(cls, url: str) -> BrokerUrl:
        parts = urlsplit(url or "")
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise BrokerUrlError(
                f"MQTT URL {url!r}: write mqtt://[user:password@]host[:1883] or mqtts://..."
            )
        tls = parts.scheme == "mqtts"
        try:
            port = parts.port or (8883 if tls else 1883)
        except ValueError as exc:
            raise BrokerUrlError(f"MQTT URL {url!r}: {exc}") from None
        return cls(
            host=parts.hostname,
            port=port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=tls,
        )


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

    def add(self, result: BatchResult) -> None:
        self.messages += result.messages
        self.readings += result.readings
        self.rules_evaluated += result.rules_evaluated
        self.dead_letters += result.dead_letters
        self.unknown += result.unknown
        self.alarms_raised += result.alarms_raised
        self.batches += 1


@dataclass(frozen=True, slots=True)
class _Received:
    generation: int
    topic: str
    payload: bytes
    mid: int
    qos: int
    at: float
    parsed: list | senml.SenMLError | None  # resolved on arrival (Consumer._on_message)


class Stopped(Exception):
    """The consumer was asked to stop while a batch was still unwritten (it stays unacked)."""


class Consumer:
    """Subscribe, batch, write, acknowledge. ``run()`` blocks until ``stop`` is set."""

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
    ):
        self.broker = BrokerUrl.parse(url)
        self.client_id = client_id
        # The prefix is configurable for benchmarks sharing a broker; devices use the default.
        self.prefix = topic_prefix
        topic = f"{topic_prefix}+"
        self.topic = f"$share/{SHARED_GROUP}/{topic}" if shared else topic
        self.batch_size = max(1, batch_size)
        self.batch_wait = batch_wait
        self.stop_event = stop or threading.Event()
        self.stats = ConsumerStats()
        self.connected = threading.Event()
        self.subscribed = threading.Event()  # the broker confirmed the subscription (SUBACK)
        self._inbox: queue.Queue[_Received] = queue.Queue()
        self.cache = IngestCache()  # devices and rules between batches (iot.ingest.cache)
        self._generation = 0
        self._client = self._make_client()

    # --- MQTT side (paho's network thread) ------------------------------------------------

    def _make_client(self) -> mqtt.Client:
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=mqtt.MQTTv5,
        )
        client.manual_ack_set(True)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        if self.broker.username:
            client.username_pw_set(self.broker.username, self.broker.password)
        if self.broker.tls:
            client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        return client

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            logger.error("MQTT connect refused by %s: %s", self.broker.host, reason_code)
            return
        self._generation += 1
        logger.info(
            "MQTT connected to %s:%s as %s (session present: %s)",
            self.broker.host,
            self.broker.port,
            self.client_id,
            flags.session_present,
        )
        client.subscribe(self.topic, options=SubscribeOptions(qos=1))
        self.connected.set()

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        failed = [rc for rc in reason_codes if rc.is_failure]
        if failed:
            logger.error("MQTT subscription to %s refused: %s", self.topic, failed)
            return
        self.subscribed.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.connected.clear()
        self.subscribed.clear()
        if not self.stop_event.is_set():
            logger.warning("MQTT disconnected (%s); reconnecting with backoff", reason_code)

    def _on_message(self, client, userdata, msg) -> None:
        # Parse here, in paho's network thread: it overlaps with the writer thread's waits on
        # the database (the GIL is free then). Anything unexpected is left for the writer, which
        # parses again and dead-letters what still fails.
        at = time.time()
        try:
            parsed = senml.parse(msg.payload, now=at)
        except senml.SenMLError as exc:
            parsed = exc
        except Exception:  # noqa: BLE001 - never kill the network thread
            parsed = None
        self._inbox.put(
            _Received(self._generation, msg.topic, msg.payload, msg.mid, msg.qos, at, parsed)
        )

    def start(self) -> None:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY_SECONDS
        props.ReceiveMaximum = RECEIVE_MAXIMUM
        self._client.connect_async(
            self.broker.host,
            self.broker.port,
            keepalive=KEEPALIVE_SECONDS,
            clean_start=False,
            properties=props,
        )
        self._client.loop_start()  # paho reconnects by itself, with the backoff above

    def close(self) -> None:
        self.stop_event.set()
        try:
            self._client.disconnect()
        finally:
            self._client.loop_stop()

    # --- database side (the caller's thread) ----------------------------------------------

    def _collect(self) -> list[_Received]:
        try:
            first = self._inbox.get(timeout=IDLE_POLL)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self.batch_wait
        while len(batch) < self.batch_size:
            remaining = deadline - time.monotonic()
            try:
                batch.append(
                    self._inbox.get_nowait()
                    if remaining <= 0
                    else self._inbox.get(timeout=remaining)
                )
            except queue.Empty:
                break
        return batch

    def _messages(self, batch: list[_Received]) -> list[Message]:
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

    def _ack(self, batch: list[_Received]) -> None:
        current = self._generation
        for item in batch:
            if item.generation != current:
                # Received on an earlier connection: its packet id means nothing now, and the
                # broker redelivers it on this one (where it is a stored duplicate: a no-op).
                self.stats.stale_acks_skipped += 1
                continue
            if item.qos > 0:
                self._client.ack(item.mid, item.qos)
            self.stats.acked += 1

    def run_once(self) -> int:
        """Collect, write and acknowledge one batch, then hand the cases of the alarms it raised
        to the worker; returns the batch size (0 when idle)."""
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


def _drop_connection() -> None:
    """Forget a (possibly broken) database connection; Django opens a new one on next use."""
    try:
        connection.close()
    except DatabaseError:
        pass
