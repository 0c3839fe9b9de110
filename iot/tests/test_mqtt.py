"""The MQTT consumer against the real Mosquitto (settings.MQTT_URL_TEST, CI: 127.0.0.1:1883).

Readings published on cityops/telemetry/<device_id> are stored, raise alarms and open cases;
messages are acknowledged only after their readings committed, so a crash, a database outage or
a consumer away from the broker loses nothing and stores nothing twice.

Device ids and MQTT client ids are unique per test run: several people (and CI jobs) share one
broker, and the consumer counts other people's devices as unknown without harm.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
import pytest
from django.conf import settings
from django.db import DataError, OperationalError, connection
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from core.testing import huey_immediate, private_mosquitto, wait_for
from iot import services
from iot.ingest import mqtt as ingest_mqtt
from iot.ingest.mqtt import BrokerUrl, Consumer, forget_session
from iot.models import Alarm, DeadLetter, DeviceType, Reading

pytestmark = [
    # serialized_rollback: the flush after each test must not wipe the migrated seed data
    # (catalog, device types, calendar) that later tests in the same session rely on.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WAIT = 20.0  # seconds: generous, the CI machine is shared


def _broker() -> BrokerUrl:
    broker = BrokerUrl.parse(settings.MQTT_URL_TEST)
    try:
        socket.create_connection((broker.host, broker.port), timeout=2).close()
    except OSError as exc:
        pytest.skip(f"no MQTT broker at {settings.MQTT_URL_TEST} ({exc}); CI runs Mosquitto there")
    return broker


@pytest.fixture
def broker() -> BrokerUrl:
    return _broker()


@pytest.fixture
def run_id() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
def device(small_city, run_id):
    from areas.models import UnitGrid

    grid = UnitGrid.objects.get(code="330203001001001")
    made, _ = services.device_create(
        code=f"MH-{run_id}",
        device_type=DeviceType.objects.get(code="manhole_cover"),
        lon=grid.centroid_lon,
        lat=grid.centroid_lat,
    )
    return made


def wait_until(predicate, *, timeout: float = WAIT, what: str = "condition") -> None:
    # SQLite's shared in-memory test database locks a table while the consumer writes it
    # ("database table is locked"): ask again, as the consumer itself does.
    wait_for(predicate, what, timeout=timeout, interval=0.1, ignore=(OperationalError,))


@contextmanager
def consumer_running(broker: BrokerUrl, client_id: str, **kwargs):
    consumer = Consumer(
        url=f"mqtt://{broker.host}:{broker.port}", client_id=client_id, batch_wait=0.05, **kwargs
    )
    thread = threading.Thread(target=consumer.run, daemon=True)
    thread.start()
    try:
        assert consumer.subscribed.wait(WAIT), "the consumer did not subscribe"
        yield consumer
    finally:
        consumer.stop_event.set()
        thread.join(WAIT)


@contextmanager
def publisher(broker: BrokerUrl):
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.connect(broker.host, broker.port)
    client.loop_start()
    sent = []

    def publish(code: str, records: list[dict]) -> None:
        info = client.publish(f"cityops/telemetry/{code}", json.dumps(records), qos=1)
        sent.append(info)

    try:
        yield publish
        for info in sent:
            info.wait_for_publish(WAIT)
    finally:
        client.disconnect()
        client.loop_stop()


def tilt_pack(index: int, value: float) -> list[dict]:
    # Absolute times (>= 2**28): a redelivered message then names the same reading.
    base = datetime(2026, 11, 23, 1, 0, tzinfo=UTC).timestamp()
    return [{"n": "tilt", "u": "deg", "v": value, "t": base + index}]


@pytest.fixture
def client_id(broker, run_id):
    name = f"cityops-test-{run_id}"
    yield name
    forget_session(broker, name)


def test_published_readings_are_stored_raise_an_alarm_and_open_a_case(broker, device, client_id):
    with (
        huey_immediate(),
        consumer_running(broker, client_id) as consumer,
        publisher(broker) as publish,
    ):
        publish(device.code, tilt_pack(0, 2.0))
        publish(device.code, tilt_pack(1, 25.0))
        publish(device.code, tilt_pack(2, 30.0))
        publish(device.code, [{"n": "tilt", "v": "bad"}])  # dead letter, not a crash
        wait_until(lambda: Alarm.objects.filter(device=device).exists(), what="the alarm")
        wait_until(lambda: consumer.stats.dead_letters >= 1, what="the dead letter")
    assert Reading.objects.filter(device=device).count() == 3
    alarm = Alarm.objects.get(device=device)
    assert alarm.rule.key == "displaced" and alarm.case is not None
    assert alarm.case.source == "iot"
    assert consumer.stats.acked == consumer.stats.messages
    assert consumer.stats.cases_queued == 1  # opened by the worker's task, after the ack


def test_the_network_process_killed_mid_stream_is_restarted_and_nothing_is_lost(
    broker, device, client_id
):
    """paho runs in a child process (iot.ingest.network). Killed with messages received but not
    acknowledged, it is started again and the broker redelivers them; stopping the consumer
    ends the child too."""
    n = 200
    with (
        consumer_running(broker, client_id, batch_size=20) as consumer,
        publisher(broker) as publish,
    ):
        first = consumer.network_pid
        assert first is not None and first != os.getpid()
        for i in range(n):
            publish(device.code, tilt_pack(i, 1.0 + i % 3))
            if i == n // 2:
                os.kill(first, signal.SIGKILL)
        wait_until(
            lambda: (
                Reading.objects.filter(device=device).count() == n
                and consumer.network_pid not in (None, first)
                and consumer.subscribed.is_set()
            ),
            what="every reading, through a new network process",
        )
    assert consumer.stats.network_restarts >= 1
    assert Reading.objects.filter(device=device).count() == n
    assert consumer.network_pid is None  # stopped with the consumer


def test_the_consumer_hands_alarm_cases_to_the_worker_after_the_ack(
    broker, device, client_id, monkeypatch
):
    """The batch that raises the alarm commits and is acknowledged without its case; the case
    is opened by iot.tasks.open_alarm_cases (here: recorded, then run by hand)."""
    from iot import tasks

    queued, task = [], tasks.open_alarm_cases
    monkeypatch.setattr(tasks, "open_alarm_cases", lambda ids: queued.append((list(ids), acked())))
    with consumer_running(broker, client_id) as consumer, publisher(broker) as publish:

        def acked():
            return consumer.stats.acked

        publish(device.code, tilt_pack(0, 25.0))
        publish(device.code, tilt_pack(1, 30.0))
        wait_until(lambda: queued, what="the hand-over")
    alarm = Alarm.objects.get(device=device)
    assert alarm.case is None
    [(ids, acked_then)] = queued
    assert ids == [alarm.pk] and acked_then == 2  # both messages were acknowledged first
    with huey_immediate():
        assert task.call_local(ids) == 1
    alarm.refresh_from_db()
    assert alarm.case is not None and alarm.case.source == "iot"


def test_unacknowledged_messages_are_redelivered_and_stored_exactly_once(
    broker, device, client_id, monkeypatch
):
    n = 40
    # 1. A consumer that commits but dies before acknowledging (acks never leave).
    with consumer_running(broker, client_id) as first, publisher(broker) as publish:
        monkeypatch.setattr(first, "_ack", lambda batch: None)
        for i in range(n):
            publish(device.code, tilt_pack(i, 1.0 + i % 3))
        wait_until(
            lambda: Reading.objects.filter(device=device).count() == n, what="the first writes"
        )
    # 2. Published while no consumer runs: the persistent session queues them.
    with publisher(broker) as publish:
        for i in range(n, n + 10):
            publish(device.code, tilt_pack(i, 1.0))
    # 3. The same client id comes back: all 50 unacknowledged messages are delivered again.
    with consumer_running(broker, client_id) as second:
        wait_until(lambda: second.stats.acked >= n + 10, what="redelivery")
    assert Reading.objects.filter(device=device).count() == n + 10  # exactly once each


def test_while_commits_fail_nothing_is_acknowledged_and_nothing_is_lost(
    broker, device, client_id, monkeypatch
):
    real = ingest_mqtt.write_batch
    failures = {"left": 3}
    monkeypatch.setattr(ingest_mqtt, "RETRY_MIN", 0.05)

    def flaky(messages, **kwargs):
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError("server closed the connection unexpectedly")
        return real(messages, **kwargs)

    monkeypatch.setattr(ingest_mqtt, "write_batch", flaky)
    with consumer_running(broker, client_id) as consumer, publisher(broker) as publish:
        for i in range(20):
            publish(device.code, tilt_pack(i, 1.0))
        wait_until(lambda: consumer.stats.acked >= 20, what="all acknowledged")
    assert consumer.stats.db_retries == 3
    assert Reading.objects.filter(device=device).count() == 20


@pytest.mark.postgres_only
@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="kills the consumer's server connection (pg_terminate_backend): PostgreSQL only",
)
def test_the_consumers_database_connection_killed_mid_stream_loses_nothing(
    broker, device, client_id, monkeypatch
):
    monkeypatch.setattr(ingest_mqtt, "RETRY_MIN", 0.05)
    n, killed = 300, 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        (started,) = cursor.fetchone()
    with (
        consumer_running(broker, client_id, batch_size=20) as consumer,
        publisher(broker) as publish,
    ):
        for i in range(n):
            publish(device.code, tilt_pack(i, 1.0 + i % 5))
            if i % 60 == 30:  # several times while the stream flows
                with connection.cursor() as cursor:
                    cursor.execute(
                        # Only the consumer's connections: those opened since this test
                        # began. Older ones (other tests' live servers, browser contexts) are
                        # left alone so later tests do not inherit a dead connection.
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                        "AND backend_start >= %s",
                        [started],
                    )
                    killed += cursor.fetchone()[0]
                time.sleep(0.05)
        wait_until(
            lambda: (
                Reading.objects.filter(device=device).count() == n and consumer.stats.acked >= n
            ),
            what="every reading",
        )
    assert killed >= 1 and consumer.stats.db_retries >= 1
    assert Reading.objects.filter(device=device).count() == n


def test_a_message_the_database_refuses_is_dead_lettered_and_the_stream_goes_on(
    broker, device, client_id, monkeypatch
):
    real = ingest_mqtt.write_batch

    def picky(messages, **kwargs):
        if any(b"poison" in m.payload for m in messages):
            raise DataError("value too long for type character varying(16)")
        return real(messages, **kwargs)

    monkeypatch.setattr(ingest_mqtt, "write_batch", picky)
    with consumer_running(broker, client_id) as consumer, publisher(broker) as publish:
        publish(device.code, tilt_pack(0, 1.0))
        publish(device.code, [{"n": "tilt", "vs": "poison"}])
        publish(device.code, tilt_pack(1, 1.0))
        wait_until(lambda: consumer.stats.acked >= 3, what="all acknowledged")
    assert Reading.objects.filter(device=device).count() == 2
    letter = DeadLetter.objects.get(topic=f"cityops/telemetry/{device.code}")
    assert "the database refused it: value too long" in letter.reason


def _one_consumer_away(broker: BrokerUrl, device, n: int, then) -> tuple:
    """Two consumers share the stream; one leaves (a restart) while ``n`` readings arrive and
    comes back; ``then(stays, back)`` runs while both consume. The broker kept giving the absent
    member its turn and queued its share for it."""
    with consumer_running(broker, "stays", shared=True) as stays:
        with consumer_running(broker, "away", shared=True):
            pass  # subscribed, then gone: its session stays in the group
        with publisher(broker) as publish:
            for i in range(n):
                publish(device.code, tilt_pack(i, 1.0))
        with consumer_running(broker, "away", shared=True) as back:
            then(stays, back)
    return stays, back


def test_a_consumer_away_while_the_stream_goes_on_loses_nothing_on_the_deploy_broker(
    device, run_id, tmp_path, settings
):
    """With deploy/mosquitto.conf nothing of the absent consumer's share is dropped (Mosquitto's
    default queue limit of 1000 dropped ~500 of 3,000 here)."""
    settings.MQTT_SHARED_GROUP = f"away{run_id}"
    n = 3000

    def every_reading(stays, back) -> None:
        wait_until(
            lambda: Reading.objects.filter(device=device).count() == n,
            timeout=90,
            what=f"all {n} readings",
        )

    with private_mosquitto(tmp_path) as url:
        stays, back = _one_consumer_away(BrokerUrl.parse(url), device, n, every_reading)
    assert Reading.objects.filter(device=device).count() == n
    assert back.stats.messages > 1000 and stays.stats.messages < n  # the group did split them
    assert stays.stats.broker_dropped == 0  # the consumer reads the broker's own count


def test_readings_the_broker_drops_are_reported_not_lost_silently(
    device, run_id, tmp_path, settings, caplog
):
    """On a broker left at its default queue limit the loss happens inside the broker; the
    consumers read its dropped count ($SYS) and log an error naming the fix, and the metric
    shows it."""
    from core import metrics

    settings.MQTT_SHARED_GROUP = f"drop{run_id}"
    defaults = tmp_path / "default.conf"
    defaults.write_text("sys_interval 1\nallow_anonymous true\n")  # Mosquitto's own limits

    def a_drop(stays, back) -> None:
        wait_until(
            lambda: max(stays.stats.broker_dropped, back.stats.broker_dropped) > 0,
            timeout=30,
            what="the broker's dropped count",
        )

    with (
        caplog.at_level("ERROR", logger="iot.ingest.mqtt"),
        private_mosquitto(tmp_path, conf=defaults) as url,
    ):
        stays, back = _one_consumer_away(BrokerUrl.parse(url), device, 3000, a_drop)
    assert Reading.objects.filter(device=device).count() < 3000  # the broker did drop some
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert any("the MQTT broker dropped" in e and "max_queued_messages" in e for e in errors)
    assert metrics.MQTT_BROKER_DROPPED._value.get() > 0


def test_a_client_id_that_subscribed_otherwise_before_gets_each_message_once(
    device, client_id, settings, tmp_path
):
    """The broker keeps a session's subscriptions: a consumer that ran shared and now runs
    alone (or the other way round) would hold both and receive every message twice. (A broker
    of its own: exact counts, whoever else publishes on the shared one.)"""
    settings.MQTT_SHARED_GROUP = f"was-{client_id}"
    n = 20
    with private_mosquitto(tmp_path) as url:
        broker = BrokerUrl.parse(url)
        with consumer_running(broker, client_id, shared=True):
            pass
        with consumer_running(broker, client_id) as alone, publisher(broker) as publish:
            for i in range(n):
                publish(device.code, tilt_pack(i, 1.0))
            wait_until(
                lambda: Reading.objects.filter(device=device).count() == n, what="the readings"
            )
            time.sleep(0.5)  # a second copy would have arrived by now
    assert alone.stats.messages == n


def test_a_retired_consumers_session_is_drained_then_forgotten(device, run_id, tmp_path, settings):
    """MQTT_CONSUMERS went from 2 to 1: what the broker queued for the retired member of the
    group while serve was down is stored, then its session (and group membership) is gone, so
    the one consumer left gets every later reading."""
    settings.MQTT_SHARED_GROUP = f"retire{run_id}"
    n = 400
    with private_mosquitto(tmp_path) as url:
        broker = BrokerUrl.parse(url)
        for client_id in ("stays", "retired"):
            with consumer_running(broker, client_id, shared=True):
                pass
        with publisher(broker) as publish:  # nobody running: each member's share is queued
            for i in range(n):
                publish(device.code, tilt_pack(i, 1.0))
        drained = Consumer(url=url, client_id="retired", shared=True, drain=True)
        stats = drained.drain(idle=1.0)
        assert stats.messages == n // 2  # its share, round robin
        assert Reading.objects.filter(device=device).count() == n // 2
        assert _session_present(broker, "retired") is False
        with consumer_running(broker, "stays", shared=True) as stays:
            with publisher(broker) as publish:
                for i in range(n, n + 100):
                    publish(device.code, tilt_pack(i, 1.0))
            wait_until(
                lambda: Reading.objects.filter(device=device).count() == n + 100,
                what="the queued half and every new reading",
            )
        assert stays.stats.messages == n // 2 + 100  # the group has one member now


def _session_present(broker: BrokerUrl, client_id: str) -> bool:
    """Whether the broker keeps a session for ``client_id`` (the probe leaves none behind)."""
    flags = []
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5
    )
    client.on_connect = lambda c, u, f, rc, p: flags.append(f.session_present)
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 0
    client.connect(broker.host, broker.port, clean_start=False, properties=props)
    client.loop_start()
    try:
        wait_until(lambda: flags, what="the CONNACK", timeout=10)
    finally:
        client.disconnect()
        client.loop_stop()
    return flags[0]


def test_drops_while_no_consumer_watched_are_reported_on_the_next_start(caplog, settings):
    """The dropped count the consumers last saw is kept in the shared cache: a consumer that
    starts and reads a higher one reports the difference as lost, not as old history."""
    from django.core.cache import cache

    consumer = Consumer(url="mqtt://127.0.0.1:1", client_id="watch-test")
    cache.set("mqtt-broker-dropped:127.0.0.1:1", 4, None)
    consumer._link.broker_dropped.value = 10
    with caplog.at_level("WARNING", logger="iot.ingest.mqtt"):
        consumer.watch_broker()
    [record] = caplog.records
    assert record.levelname == "ERROR" and "dropped 6 messages" in record.getMessage()
    assert cache.get("mqtt-broker-dropped:127.0.0.1:1") == 10
    cache.delete("mqtt-broker-dropped:127.0.0.1:1")
    fresh = Consumer(url="mqtt://127.0.0.1:1", client_id="watch-test")
    fresh._link.broker_dropped.value = 3  # nothing remembered: the broker's old history
    caplog.clear()
    with caplog.at_level("WARNING", logger="iot.ingest.mqtt"):
        fresh.watch_broker()
    assert [r.levelname for r in caplog.records] == ["WARNING"]
