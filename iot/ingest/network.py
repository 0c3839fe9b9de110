"""The MQTT side of the telemetry consumer (iot.ingest.mqtt), in a process of its own.

Why a process: paho-mqtt is pure Python. In the writer's process, its network thread (reading
and parsing a window of thousands of in-flight QoS 1 messages) held the GIL while the writer
waited to come back from each database round trip: a 500-message batch took ~70 ms in
``write_batch`` alone but 110-140 ms beside paho (bench/ingest). Here paho has an interpreter
to itself, parses the SenML packs as they arrive, and hands the writer whole chunks.

This module must not import Django: the child is started with ``spawn`` (never ``fork`` a
process holding database connections and threads) and imports only paho and ``iot.senml``.

Protocol, two one-way pipes and shared state:

* child -> parent: lists of :class:`Received` (as many as were waiting, up to ``CHUNK``);
* parent -> child: lists of ``(generation, mid, qos)`` to acknowledge, or ``None`` to stop;
* ``generation`` (shared integer): bumped on every (re)connection. A message's packet id means
  something only on the connection that delivered it; the child acknowledges only those of the
  current generation (the broker redelivers the others, and they are stored duplicates: no-ops);
* ``connected`` / ``subscribed`` (shared events) for the parent and for tests.

If the parent dies, the child sees its pipe close and exits; if the child dies, the parent
starts another (``Link.restart``) and the broker redelivers whatever was not acknowledged.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import queue
import signal
import ssl
import threading
import time
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from iot import senml

logger = logging.getLogger(__name__)

SESSION_EXPIRY_SECONDS = 7 * 24 * 3600  # the broker keeps our queue this long while we are away
# Mosquitto's count of messages it dropped over its queue and in-flight limits, broker-wide and
# since it started, refreshed every sys_interval (10 s) and retained. Not every broker has it, and
# an ACL may hide $SYS: then the consumer simply never learns of drops.
SYS_DROPPED = "$SYS/broker/publish/messages/dropped"
KEEPALIVE_SECONDS = 30
RECEIVE_MAXIMUM = 65535  # MQTT 5: in-flight (unacknowledged) messages the broker may send us
CHUNK = 1000  # messages per pipe write, at most
START_TIMEOUT = 30.0  # seconds for the child to come up
STOP_TIMEOUT = 10.0


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


class Received(NamedTuple):
    """One message as the child received it; ``parsed`` is the SenML pack resolved against
    ``at`` (a list of senml.Record), the SenMLError refusing it, or None when parsing failed in
    an unexpected way (the writer parses again and dead-letters what still fails)."""

    generation: int
    topic: str
    payload: bytes
    mid: int
    qos: int
    at: float
    parsed: list | senml.SenMLError | None


@dataclass(frozen=True)
class Subscription:
    broker: BrokerUrl
    client_id: str
    # None: drain (a retired consumer's session): subscribe to nothing, drop every stale
    # subscription, and take what the broker had queued for this client id.
    topic: str | None
    log_level: int = logging.INFO
    # Subscriptions an earlier run of this client id may have left in its persistent session
    # (the plain topic before a switch to a shared one, another group ...): dropped on connect,
    # or every message matching both would arrive twice.
    stale_topics: tuple[str, ...] = ()


class LinkDown(Exception):
    """The network process is gone (it crashed or was killed)."""


class Link:
    """The parent's handle on the network process."""

    def __init__(self, subscription: Subscription):
        self.subscription = subscription
        self._ctx = mp.get_context("spawn")
        self.connected = self._ctx.Event()
        self.subscribed = self._ctx.Event()
        self.generation = self._ctx.Value("q", 0, lock=True)
        self.broker_dropped = self._ctx.Value("q", -1, lock=True)  # SYS_DROPPED; -1: not known
        self.process: mp.process.BaseProcess | None = None
        self._messages = self._acks = None

    def start(self) -> None:
        messages_in, messages_out = self._ctx.Pipe(duplex=False)
        acks_in, acks_out = self._ctx.Pipe(duplex=False)
        self.connected.clear()
        self.subscribed.clear()
        self.process = self._ctx.Process(
            target=serve,
            name="cityops-mqtt-network",
            args=(
                self.subscription,
                messages_out,
                acks_in,
                self.connected,
                self.subscribed,
                self.generation,
                self.broker_dropped,
            ),
            daemon=True,
        )
        self.process.start()
        # The child holds its own copies now; ours must close so a dead child reads as EOF.
        messages_out.close()
        acks_in.close()
        self._messages, self._acks = messages_in, acks_out

    def alive(self) -> bool:
        return self.process is not None and self.process.is_alive()

    def restart(self) -> None:
        self.stop()
        self.start()

    def receive(self, timeout: float) -> list[Received]:
        """The next chunk of messages, [] when none came within ``timeout``."""
        try:
            if not self._messages.poll(timeout):
                if not self.alive():
                    raise LinkDown(f"the MQTT network process exited ({self._exitcode()})")
                return []
            return self._messages.recv()
        except (EOFError, OSError) as exc:
            raise LinkDown(f"the MQTT network process exited ({self._exitcode()})") from exc

    def acknowledge(self, acks: list[tuple[int, int, int]]) -> None:
        try:
            self._acks.send(acks)
        except OSError as exc:  # BrokenPipeError: the child is gone, the broker redelivers
            raise LinkDown(f"the MQTT network process exited ({self._exitcode()})") from exc

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            self._acks.send(None)
        except OSError:
            pass
        self.process.join(STOP_TIMEOUT)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        for end in (self._messages, self._acks):
            end.close()
        self.process = None
        self.connected.clear()
        self.subscribed.clear()

    def _exitcode(self) -> str:
        code = self.process.exitcode if self.process is not None else None
        return "still running" if code is None else f"exit code {code}"


def forget_session(broker: BrokerUrl, client_id: str, *, timeout: float = 10.0) -> None:
    """Drop the broker's persistent session of ``client_id``: its subscriptions and the queue
    kept for it (connect with a clean start and a session expiry of 0, then leave). Raises
    ConnectionError when the broker cannot be reached or refuses the connection."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    answered = threading.Event()
    outcome: list = []

    def on_connect(client, userdata, flags, reason_code, properties) -> None:
        outcome.append(reason_code)
        answered.set()

    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5
    )
    if broker.username:
        client.username_pw_set(broker.username, broker.password)
    if broker.tls:
        client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
    client.on_connect = on_connect
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 0
    try:
        client.connect(broker.host, broker.port, clean_start=True, properties=props)
    except OSError as exc:
        raise ConnectionError(f"MQTT broker {broker.host}:{broker.port}: {exc}") from exc
    client.loop_start()
    try:
        if not answered.wait(timeout):
            raise ConnectionError(f"MQTT broker {broker.host}:{broker.port} did not answer")
        if outcome[0].is_failure:
            raise ConnectionError(f"MQTT broker {broker.host}:{broker.port}: {outcome[0]}")
    finally:
        client.disconnect()
        client.loop_stop()


# --- the child process ------------------------------------------------------------------------


def serve(
    subscription, messages_out, acks_in, connected, subscribed, generation, broker_dropped
) -> None:
    """The network process: connect, subscribe, forward messages, send the acknowledgements the
    parent asks for. Runs until the parent says stop (None) or goes away (EOF)."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties
    from paho.mqtt.subscribeoptions import SubscribeOptions

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: parent stops us
    logging.basicConfig(
        level=subscription.log_level, format="[%(asctime)s] %(levelname)s %(name)s: %(message)s"
    )
    broker = subscription.broker
    inbox: queue.SimpleQueue[Received] = queue.SimpleQueue()
    stopping = threading.Event()
    telemetry_mid = [None]  # packet id of the telemetry SUBSCRIBE (the other one is SYS_DROPPED)

    def on_connect(client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            logger.error("MQTT connect refused by %s: %s", broker.host, reason_code)
            return
        with generation.get_lock():
            generation.value += 1
        logger.info(
            "MQTT connected to %s:%s as %s (session present: %s)",
            broker.host,
            broker.port,
            subscription.client_id,
            flags.session_present,
        )
        if subscription.topic is None:  # draining: the queued messages come all the same
            client.unsubscribe(list(subscription.stale_topics))
            connected.set()
            return
        telemetry_mid[0] = client.subscribe(subscription.topic, options=SubscribeOptions(qos=1))[1]
        client.subscribe(SYS_DROPPED, options=SubscribeOptions(qos=0))
        if flags.session_present and subscription.stale_topics:
            client.unsubscribe(list(subscription.stale_topics))
        connected.set()

    def on_unsubscribe(client, userdata, mid, reason_codes, properties) -> None:
        if subscription.topic is None:
            subscribed.set()  # draining: nothing new will come, only what was queued

    def on_subscribe(client, userdata, mid, reason_codes, properties) -> None:
        failed = [rc for rc in reason_codes if rc.is_failure]
        if mid != telemetry_mid[0]:
            if failed:
                logger.info("the broker does not share %s (%s)", SYS_DROPPED, failed)
            return
        if failed:
            logger.error("MQTT subscription to %s refused: %s", subscription.topic, failed)
            return
        subscribed.set()

    def on_disconnect(client, userdata, flags, reason_code, properties) -> None:
        connected.clear()
        subscribed.clear()
        if not stopping.is_set():
            logger.warning("MQTT disconnected (%s); reconnecting with backoff", reason_code)

    def on_message(client, userdata, msg) -> None:
        if msg.topic == SYS_DROPPED:
            try:
                broker_dropped.value = int(msg.payload)
            except ValueError:
                pass
            return
        at = time.time()
        try:
            parsed = senml.parse(msg.payload, now=at)
        except senml.SenMLError as exc:
            parsed = exc
        except Exception:  # noqa: BLE001 - never kill the network thread; the writer decides
            parsed = None
        inbox.put(Received(generation.value, msg.topic, msg.payload, msg.mid, msg.qos, at, parsed))

    def forward() -> None:
        while True:
            chunk = [inbox.get()]
            while len(chunk) < CHUNK:
                try:
                    chunk.append(inbox.get_nowait())
                except queue.Empty:
                    break
            try:
                messages_out.send(chunk)
            except OSError:  # the parent is gone
                return

    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=subscription.client_id,
        protocol=mqtt.MQTTv5,
    )
    client.manual_ack_set(True)
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    if broker.username:
        client.username_pw_set(broker.username, broker.password)
    if broker.tls:
        client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
    client.on_connect = on_connect
    client.on_disconnect = on_disconnect
    client.on_message = on_message
    client.on_subscribe = on_subscribe
    client.on_unsubscribe = on_unsubscribe
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = SESSION_EXPIRY_SECONDS
    props.ReceiveMaximum = RECEIVE_MAXIMUM
    threading.Thread(target=forward, name="forward", daemon=True).start()
    client.connect_async(
        broker.host, broker.port, keepalive=KEEPALIVE_SECONDS, clean_start=False, properties=props
    )
    client.loop_start()  # paho reconnects by itself, with the backoff above
    try:
        while True:
            try:
                acks = acks_in.recv()
            except (EOFError, OSError):  # the parent is gone
                break
            if acks is None:
                break
            current = generation.value
            for item_generation, mid, qos in acks:
                if item_generation == current and qos > 0:
                    client.ack(mid, qos)
    finally:
        stopping.set()
        client.disconnect()
        client.loop_stop()
