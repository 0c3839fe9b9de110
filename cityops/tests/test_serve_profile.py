"""The production profile under load and losses (issue 15): ``manage.py serve`` on PostgreSQL,
Redis and Mosquitto with 2 web workers, 2 huey consumers and 2 MQTT consumers on a shared
subscription. 10,000 readings are published while one process of each kind is killed; a case
goes from report to close through the API and its reporter is texted. Afterwards every reading
is stored once, every move happened once, every text went out once.

The server runs on this test's own (transactional) database, so what it writes is read back
here; the test needs the CI's PostgreSQL and Redis (REDIS_URL_TEST), and starts a Mosquitto of its
own configured by deploy/mosquitto.conf (with Debian's default queue limit of 1000 messages, the
killed consumer's share of the stream is dropped by the broker while it restarts: stop 28).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.db.models import Count

from cases.tests.conftest import photo, staff, standard  # noqa: F401 - fixtures
from core.testing import children, free_port, private_mosquitto, processes, wait_for
from iot import services as iot_services
from iot.ingest.mqtt import BrokerUrl
from iot.models import DeviceType, Reading
from notify.models import SmsSinkMessage
from org.services import api_token_create

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="the profile's processes share this test's database: PostgreSQL only",
    ),
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
DEVICES = 50
READINGS_PER_DEVICE = 200  # 10,000 in all
WAIT = 180.0
CLIENT_IDS = ("cityops-ingest", "cityops-ingest-2")  # serve's two consumers (cityops.serving)


def _wait(predicate, what: str, timeout: float = WAIT) -> None:
    wait_for(
        predicate, what, timeout=timeout, interval=0.5, ignore=(requests.RequestException, OSError)
    )


def _child(serve_pid: int, *words: str) -> int:
    """The pid of serve's child whose command line holds every word."""
    found = children(serve_pid, *words)
    assert found, f"no child of serve runs {words}"
    return found[0]


def _gunicorn_worker(master: int) -> int:
    return next(pid for pid, ppid, _cmd in processes() if ppid == master)


def _publish(
    broker: BrokerUrl, codes: list[str], *, started: threading.Event, halfway, outcome: dict
) -> None:
    """Publish every reading with QoS 1 and record how many the broker acknowledged (a publish
    still queued in this client when it disconnects would be lost here, not by CityOps)."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(100)
    client.connect(broker.host, broker.port)
    client.loop_start()
    base = time.time() - 3600
    sent = 0
    infos = []
    for i in range(READINGS_PER_DEVICE):
        for code in codes:
            pack = [
                {"bn": f"urn:dev:cityops:{code}:", "n": "tilt", "u": "deg", "v": 1.5, "t": base + i}
            ]
            infos.append(client.publish(f"cityops/telemetry/{code}", json.dumps(pack), qos=1))
            sent += 1
            if sent == 3000:
                halfway()
        started.set()
    deadline = time.monotonic() + WAIT
    for info in infos:
        info.wait_for_publish(timeout=max(0.1, deadline - time.monotonic()))
    outcome["acknowledged"] = sum(info.is_published() for info in infos)
    client.disconnect()
    client.loop_stop()


def test_nothing_is_lost_or_done_twice_when_processes_die(staff, standard, tmp_path):  # noqa: F811
    with private_mosquitto(tmp_path) as mqtt_url:
        _run_the_profile(staff, standard, tmp_path, mqtt_url)


def _run_the_profile(staff, standard, tmp_path, mqtt_url: str) -> None:  # noqa: F811
    manhole = DeviceType.objects.get(code="manhole_cover")
    codes = []
    for n in range(DEVICES):
        device, _ = iot_services.device_create(
            code=f"PROF-{n:03d}", device_type=manhole, lon=121.505, lat=29.865
        )
        codes.append(device.code)
    tokens = {
        role: api_token_create(user=staff[role], name="profile test")[1]
        for role in ("alpha_inspector", "shift_leader", "city_dispatcher", "roads_disposer")
    }

    db = connection.settings_dict
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL_TEST,
        "MQTT_URL": mqtt_url,
        "CITYOPS_VAR_DIR": str(tmp_path / "var"),
        "PYTHONUNBUFFERED": "1",
    }
    broker = BrokerUrl.parse(mqtt_url)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log = (tmp_path / "serve.log").open("w+")
    serve = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "serve",
            "--port",
            str(port),
            "--workers",
            "2",
            "--consumers",
            "2",
            "--mqtt-consumers",
            "2",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    killed: dict[str, int] = {}

    def kill_one_of_each() -> None:
        killed["mqtt"] = _child(serve.pid, "ingest_mqtt", "cityops-ingest-2")
        killed["huey"] = _child(serve.pid, "run_huey", "--no-periodic")
        killed["web"] = _gunicorn_worker(_child(serve.pid, "gunicorn"))
        for pid in killed.values():
            os.kill(pid, signal.SIGKILL)

    try:
        _wait(lambda: requests.get(f"{base}/readyz", timeout=5).status_code == 200, "ready")
        checks = requests.get(f"{base}/readyz", timeout=5).json()["checks"]
        assert checks["redis"]["ok"] and checks["broker"]["ok"]

        # Publish only once both consumers hold their subscriptions: the test starts with no broker
        # session (a new broker), and a message with no subscriber anywhere is dropped by the
        # broker, not lost by CityOps. (A deployment keeps its sessions, so its queue waits.)
        def subscribed() -> bool:
            log.flush()
            text = Path(log.name).read_text()
            return all(f"as {client_id} (session present" in text for client_id in CLIENT_IDS)

        _wait(subscribed, "both MQTT consumers to connect")
        time.sleep(2)  # and their SUBACKs
        started = threading.Event()
        published: dict[str, int] = {}
        publisher = threading.Thread(
            target=_publish,
            args=(broker, codes),
            kwargs={"started": started, "halfway": kill_one_of_each, "outcome": published},
        )
        publisher.start()

        def call(role: str, method: str, path: str, **kwargs):
            headers = {"Authorization": f"Bearer {tokens[role]}"}
            for _attempt in range(3):  # a request on the killed worker's socket is retried
                try:
                    response = requests.request(
                        method, f"{base}/api/v1{path}", headers=headers, timeout=30, **kwargs
                    )
                except requests.ConnectionError:
                    time.sleep(1)
                    continue
                assert response.status_code in (200, 201), (path, response.text)
                return response.json()
            raise AssertionError(f"{path}: no answer")

        def upload(role: str, number: str, kind: str, task: int | None = None):
            data = {"kind": kind, **({"task": str(task)} if task else {})}
            upload_photo = photo(f"{kind}.jpg")
            files = {"photos": (upload_photo.name, upload_photo.read(), "image/jpeg")}
            return call(role, "POST", f"/cases/{number}/evidence", data=data, files=files)

        case = call(
            "alpha_inspector",
            "POST",
            "/cases",
            json={
                "source": "inspector",
                "description": "Manhole cover missing at Alpha road",
                "lon": 121.505,
                "lat": 29.865,
                "reporter_phone": "13800138000",
                "external_id": "profile-test-1",
            },
        )
        number = case["number"]
        upload("alpha_inspector", number, "before")
        call("shift_leader", "POST", f"/cases/{number}/file", json={"standard": standard.code})
        case = call(
            "city_dispatcher",
            "POST",
            f"/cases/{number}/dispatch",
            json={"departments": ["CITY-ROADS"]},
        )
        task = case["tasks"][0]["id"]
        call("roads_disposer", "POST", f"/tasks/{task}/accept", json={"note": "on our way"})
        upload("roads_disposer", number, "after", task=task)
        call("roads_disposer", "POST", f"/tasks/{task}/dispose", json={"note": "new cover"})
        call("alpha_inspector", "POST", f"/cases/{number}/start-check", json={})
        upload("alpha_inspector", number, "check")
        call("alpha_inspector", "POST", f"/cases/{number}/check-pass", json={"note": "fine"})
        case = call("shift_leader", "POST", f"/cases/{number}/close", json={})
        assert case["status"] == "closed"

        publisher.join(timeout=WAIT)
        assert not publisher.is_alive() and set(killed) == {"mqtt", "huey", "web"}
        total = DEVICES * READINGS_PER_DEVICE
        assert published == {"acknowledged": total}, published  # the broker has every reading
        readings = Reading.objects.filter(device__code__startswith="PROF-")
        try:
            _wait(lambda: readings.count() >= total, "every reading")
        except AssertionError:
            log.flush()
            tail = Path(log.name).read_text()[-4000:]
            raise AssertionError(
                f"{readings.count()} of {total} readings stored; serve: {tail}"
            ) from None
        _wait(lambda: SmsSinkMessage.objects.count() >= 2, "the reporter's texts")
        time.sleep(3)  # anything done twice would show by now
        stored = Reading.objects.filter(device__code__startswith="PROF-")
        assert stored.count() == total  # unique (device, metric, ts): none lost, none twice
        timeline = call("shift_leader", "GET", f"/cases/{number}/timeline")
        actions = [e["action"] for e in timeline]
        assert actions == [
            "report",
            "attach",
            "file",
            "dispatch",
            "accept",
            "attach",
            "dispose",
            "start_check",
            "attach",
            "check_pass",
            "close",
        ]
        texts = SmsSinkMessage.objects.values("outbox").annotate(n=Count("pk"))
        assert [t["n"] for t in texts] and all(t["n"] == 1 for t in texts), list(texts)

        # Every killed process was replaced.
        _wait(
            lambda: all(
                not Path(f"/proc/{pid}").exists() or _is_zombie(pid) for pid in killed.values()
            ),
            "the killed processes to be gone",
            timeout=30,
        )
        _child(serve.pid, "ingest_mqtt", "cityops-ingest-2")
        _child(serve.pid, "run_huey", "--no-periodic")
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=60) == 0
    finally:
        if serve.poll() is None:  # stop it as systemd would: its children go with it
            serve.send_signal(signal.SIGTERM)
            try:
                serve.wait(timeout=60)
            except subprocess.TimeoutExpired:
                serve.kill()
                serve.wait()
        log.seek(0)
        text = log.read()
    assert "restarting mqtt-2" in text and "restarting worker-2" in text, text[-3000:]


def _is_zombie(pid: int) -> bool:
    try:
        return (Path(f"/proc/{pid}") / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
