"""The consumer's handling of its MQTT network process (iot.ingest.network), without a broker
or a database: restarts of a child that keeps dying."""

from __future__ import annotations

from iot.ingest import mqtt as ingest_mqtt
from iot.ingest.mqtt import Consumer
from iot.ingest.network import LinkDown


def test_a_network_process_that_keeps_dying_is_restarted_with_backoff(monkeypatch):
    """A crash loop (the child dies right after each start) must not spin: the restarts wait
    0.5, 1, 2 ... s; a child that dies after a calm spell is restarted at once."""
    clock = {"now": 1000.0}
    waits: list[float] = []

    class DeadLink:
        restarts = 0

        def receive(self, timeout):
            raise LinkDown("the MQTT network process exited (exit code 1)")

        def restart(self):
            self.restarts += 1

    class Stop:
        def is_set(self):
            return False

        def wait(self, delay):
            waits.append(delay)
            clock["now"] += delay
            return False

    consumer = Consumer(url="mqtt://127.0.0.1:1883", client_id="cityops-test-backoff")
    consumer._link = link = DeadLink()
    consumer.stop_event = Stop()
    monkeypatch.setattr(ingest_mqtt.time, "monotonic", lambda: clock["now"])
    for _ in range(5):
        consumer._fill(0)
    clock["now"] += 60  # the last child ran a minute before dying
    consumer._fill(0)
    assert waits == [0.5, 1.0, 2.0, 4.0]  # the first restart is immediate, then backing off
    assert link.restarts == 6 and consumer.stats.network_restarts == 6
