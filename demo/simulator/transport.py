"""How the simulated devices deliver a SenML pack: the same ways real ones do.

* ``HttpTransport``: ``POST <url>api/v1/telemetry`` with the device's own token (the default:
  the demo's web server, ``simulate --url``);
* ``MqttTransport``: publish QoS 1 to ``cityops/telemetry/<device id>`` on the broker of
  ``MQTT_URL`` (the ``ingest_mqtt`` consumer stores it);
* ``DirectTransport``: hand the pack to ``iot.ingest.http.receive`` in this process, as the
  endpoint would (tests, and ``--transport direct`` without a server).

A send that fails is counted and reported, never raised: one unreachable server must not stop
the simulated city (it is retried with the next reading).
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

HTTP_TIMEOUT = 5.0
MQTT_CLIENT_ID = "cityops-demo-simulator"
REPORT_EVERY = 60.0  # seconds between two "still failing" log lines
SENML_TYPE = "application/senml+json"


@dataclass
class Sent:
    ok: int = 0
    failed: int = 0
    last_error: str = ""
    _reported_at: float = field(default=0.0, repr=False)

    def failure(self, message: str) -> None:
        self.failed += 1
        self.last_error = message
        if time.monotonic() - self._reported_at >= REPORT_EVERY:
            self._reported_at = time.monotonic()
            logger.warning("telemetry not delivered (%d so far): %s", self.failed, message)


class HttpTransport:
    name = "http"

    def __init__(self, url: str) -> None:
        base = url if url.endswith("/") else f"{url}/"
        self.endpoint = f"{base}api/v1/telemetry"
        self.sent = Sent()

    def send(self, *, code: str, token: str, pack: bytes) -> bool:
        request = urllib.request.Request(
            self.endpoint,
            data=pack,
            method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": SENML_TYPE},
        )
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:  # noqa: S310
                response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode("utf-8", "replace")
            self.sent.failure(f"{code}: HTTP {exc.code} {detail}")
            return False
        except (urllib.error.URLError, OSError) as exc:
            self.sent.failure(f"{self.endpoint}: {getattr(exc, 'reason', exc)}")
            return False
        self.sent.ok += 1
        return True

    def close(self) -> None:
        pass


class MqttTransport:
    name = "mqtt"

    def __init__(self, url: str) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        from iot.ingest.mqtt import TOPIC_PREFIX, BrokerUrl

        broker = BrokerUrl.parse(url)
        self.prefix = TOPIC_PREFIX
        self.sent = Sent()
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, client_id=MQTT_CLIENT_ID
        )
        if broker.username:
            self.client.username_pw_set(broker.username, broker.password)
        if broker.tls:
            self.client.tls_set()
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        # connect_async + loop_start: a broker that is down now is retried in the background.
        self.client.connect_async(broker.host, broker.port)
        self.client.loop_start()

    def send(self, *, code: str, token: str, pack: bytes) -> bool:
        info = self.client.publish(f"{self.prefix}{code}", pack, qos=1)
        if info.rc != 0:
            self.sent.failure(f"{code}: MQTT publish refused (rc {info.rc})")
            return False
        self.sent.ok += 1
        return True

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


class DirectTransport:
    name = "direct"

    def __init__(self) -> None:
        self.sent = Sent()

    def send(self, *, code: str, token: str, pack: bytes) -> bool:
        from core.errors import DomainError
        from iot.ingest import http
        from iot.services import device_authenticate

        device = device_authenticate(token)
        if device is None or device.code != code:
            self.sent.failure(f"{code}: the token does not authenticate this device")
            return False
        try:
            http.receive(device=device, body=pack)
        except DomainError as exc:
            self.sent.failure(f"{code}: {exc.message}")
            return False
        self.sent.ok += 1
        return True

    def close(self) -> None:
        pass


def senml_pack(code: str, values: dict[str, float], units: dict[str, str], at: float) -> bytes:
    """One SenML pack (RFC 8428) of every metric, with the absolute base time ``at``."""
    records = []
    for metric, value in values.items():
        record = {"n": metric, "v": value}
        if units.get(metric):
            record["u"] = units[metric]
        records.append(record)
    if records:
        records[0] = {"bn": f"urn:dev:cityops:{code}:", "bt": round(at, 3), **records[0]}
    return json.dumps(records, separators=(",", ":")).encode()
