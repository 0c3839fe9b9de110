"""Telemetry transports of the simulator: HTTP with the device's token, and failures that are
counted instead of stopping the city."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from demo.simulator.transport import HttpTransport, senml_pack


class _Recorder(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.path, dict(self.headers), body))
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"code": "invalid_senml", "message": "no"}')

    def log_message(self, *args):
        pass


def _serve(status: int):
    _Recorder.received, _Recorder.status = [], status
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_pack_is_posted_with_the_device_token_as_senml():
    server = _serve(200)
    try:
        transport = HttpTransport(f"http://127.0.0.1:{server.server_port}")
        pack = senml_pack("NB-MH-0001", {"tilt": 1.5, "battery": 90}, {"tilt": "deg"}, 1.8e9)
        assert transport.send(code="NB-MH-0001", token="dev_secret", pack=pack)
    finally:
        server.shutdown()
    path, headers, body = _Recorder.received[0]
    assert path == "/api/v1/telemetry"
    assert headers["Authorization"] == "Bearer dev_secret"
    assert headers["Content-Type"] == "application/senml+json"
    records = json.loads(body)
    assert records[0] == {
        "bn": "urn:dev:cityops:NB-MH-0001:",
        "bt": 1.8e9,
        "n": "tilt",
        "u": "deg",
        "v": 1.5,
    }
    assert records[1] == {"n": "battery", "v": 90}
    assert transport.sent.ok == 1


def test_refusals_and_an_unreachable_server_are_counted_not_raised():
    server = _serve(422)
    try:
        transport = HttpTransport(f"http://127.0.0.1:{server.server_port}/")
        assert not transport.send(code="NB-X-0001", token="t", pack=b"[]")
    finally:
        server.shutdown()
    assert "HTTP 422" in transport.sent.last_error and "invalid_senml" in transport.sent.last_error
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nobody listens here once the socket closes
    down = HttpTransport(f"http://127.0.0.1:{port}/")
    assert not down.send(code="NB-X-0001", token="t", pack=b"[]")
    assert down.sent.failed == 1


def test_with_a_broker_packs_are_published_on_the_device_topic(settings):
    import time
    import uuid

    import paho.mqtt.client as mqtt
    import pytest
    from paho.mqtt.enums import CallbackAPIVersion

    from demo.simulator.transport import MqttTransport
    from iot.ingest.mqtt import BrokerUrl

    broker = BrokerUrl.parse(settings.MQTT_URL_TEST)
    try:
        socket.create_connection((broker.host, broker.port), timeout=2).close()
    except OSError as exc:
        pytest.skip(f"no MQTT broker at {settings.MQTT_URL_TEST} ({exc}); CI runs Mosquitto there")
    code = f"NB-T-{uuid.uuid4().hex[:8]}"
    received: list = []
    subscribed = threading.Event()
    listener = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2)
    listener.on_message = lambda client, userdata, message: received.append(message)
    listener.on_subscribe = lambda *args: subscribed.set()
    listener.on_connect = lambda client, *args: client.subscribe(f"cityops/telemetry/{code}", 1)
    listener.connect(broker.host, broker.port)
    listener.loop_start()
    transport = MqttTransport(settings.MQTT_URL_TEST)
    try:
        assert subscribed.wait(10)
        pack = senml_pack(code, {"depth": 0.1}, {"depth": "m"}, 1.8e9)
        deadline = time.monotonic() + 15
        while not received and time.monotonic() < deadline:
            transport.send(code=code, token="unused", pack=pack)  # QoS 1 once connected
            time.sleep(0.5)
    finally:
        transport.close()
        listener.loop_stop()
        listener.disconnect()
    assert received and json.loads(received[0].payload)[0]["bn"] == f"urn:dev:cityops:{code}:"
