"""``manage.py serve``: the production profile's processes, options and supervision.

The last test starts the real thing (gunicorn with two workers and a huey consumer) on a
migrated SQLite file, reads it over HTTP, kills its processes and stops it as systemd would.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cityops.serving import (
    ServeOptions,
    mqtt_client_id,
    reset_metrics_dir,
    retire_mqtt_sessions,
    server_specs,
)
from core.testing import children, free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]


def _names(specs) -> list[str]:
    return [s.name for s in specs]


def test_the_profile_is_gunicorn_and_the_consumers_each_restarted():
    specs = server_specs(ServeOptions(workers=3, threads=8, consumers=2))
    assert _names(specs) == ["web", "worker-1", "worker-2"]
    web = specs[0]
    assert web.argv[1:4] == ("-m", "gunicorn", "cityops.wsgi:application")
    assert web.argv[web.argv.index("--workers") + 1] == "3"
    assert web.argv[web.argv.index("--threads") + 1] == "8"
    assert "--access-logfile" in web.argv
    assert all(s.restart for s in specs) and [s.required for s in specs] == [True, False, False]
    # Only the first consumer schedules the periodic jobs (the SLA scanner ...), or each would
    # be enqueued twice a minute.
    assert "--no-periodic" not in specs[1].argv
    assert specs[2].argv[-1] == "--no-periodic"


def test_mqtt_consumers_join_with_a_broker_sharing_one_subscription():
    assert "mqtt-1" not in _names(server_specs(ServeOptions()))
    one = server_specs(ServeOptions(mqtt_url="mqtt://b:1883"))[-1]
    assert one.name == "mqtt-1" and "--shared" not in one.argv
    # One consumer keeps the id it always had, so its broker session carries on.
    assert one.argv[one.argv.index("--client-id") + 1] == "cityops-ingest"
    two = server_specs(ServeOptions(mqtt_url="mqtt://b:1883", mqtt_consumers=2))[-2:]
    assert [s.argv[s.argv.index("--client-id") + 1] for s in two] == [
        "cityops-ingest",
        "cityops-ingest-2",
    ]
    assert all("--shared" in s.argv for s in two)


def test_every_child_writes_its_metrics_to_the_shared_directory(tmp_path, settings):
    (tmp_path / "counter_123.db").write_bytes(b"old run")
    reset_metrics_dir(tmp_path)
    assert list(tmp_path.iterdir()) == []
    settings.REDIS_URL = ""
    specs = server_specs(ServeOptions(mqtt_url="mqtt://u:secret@b:1883"), metrics=tmp_path)
    assert {s.env["PROMETHEUS_MULTIPROC_DIR"] for s in specs} == {str(tmp_path)}
    # Without Redis the web workers count throttles in one file cache, not each its own.
    assert {s.env["CACHE_DIR"] for s in specs} == {str(settings.VAR_DIR / "cache")}
    # The broker's password travels in the environment, never on a command line.
    mqtt = specs[-1]
    assert mqtt.env["MQTT_URL"] == "mqtt://u:secret@b:1883"
    assert not any("secret" in arg for s in specs for arg in s.argv)
    settings.REDIS_URL = "redis://r:6379/0"
    assert "CACHE_DIR" not in server_specs(ServeOptions())[0].env


def test_an_ipv6_address_is_bracketed_for_gunicorn():
    web = server_specs(ServeOptions(host="::1", port=9000))[0]
    assert web.argv[web.argv.index("--bind") + 1] == "[::1]:9000"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--workers", "0"], "workers must be between 1 and 64, not 0"),
        (["--port", "70000"], "port 70000 is not between 1 and 65535"),
        (["--mqtt-consumers", "100"], "mqtt-consumers must be between 1 and 64, not 100"),
    ],
)
def test_impossible_options_are_refused_before_anything_starts(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("serve", *args, stdout=io.StringIO())


# --- the real server -------------------------------------------------------------------------


def _get(url: str, **headers) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _answers(url: str) -> bool:
    try:
        return _get(url)[0] == 200
    except OSError:
        return False


def _children(pid: int) -> dict[str, int]:
    """The supervisor's direct children by what they run: {"gunicorn": pid, "run_huey": pid}."""
    return {name: found[0] for name in ("gunicorn", "run_huey") if (found := children(pid, name))}


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory) -> dict[str, str]:
    """An environment pointing at a freshly migrated SQLite file and a var dir of its own."""
    base = tmp_path_factory.mktemp("serve")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{base / 'cityops.sqlite3'}",
        "CITYOPS_VAR_DIR": str(base / "var"),
        "REDIS_URL": "",
        "MQTT_URL": "",
        "METRICS_TOKEN": "scrape-me",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    return env


def test_serve_runs_supervises_and_stops_the_production_profile(migrated_sqlite, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "serve.log").open("w+")
    last: dict[str, int] = {}
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port), "--workers", "2"],
        cwd=ROOT,
        env=migrated_sqlite,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: _answers(f"{base}/healthz"), "the server")
        status, body = _get(f"{base}/readyz")
        assert status == 200, body
        assert _get(f"{base}/static/css/cityops.css")[0] == 200  # whitenoise, no runserver
        assert "城市" in _get(f"{base}/citizen/")[1].decode()
        # Requests answered by two worker processes add up in one scrape.
        for _ in range(6):
            _get(f"{base}/citizen/")
        metrics = _get(f"{base}/metrics", Authorization="Bearer scrape-me")[1].decode()
        line = 'cityops_http_requests_total{method="GET",route="citizen/",status="200"}'
        assert f"{line} 7.0" in metrics, metrics[:2000]
        # The worker runs the SLA scanner at once; its heartbeat reaches the web's /readyz.
        wait_for(
            lambda: b'"lag_seconds": null' not in _get(f"{base}/readyz")[1],
            "the first SLA scan",
        )

        # A killed process is started again; the web answers again.
        children = _children(proc.pid)
        assert set(children) == {"gunicorn", "run_huey"}, children
        os.kill(children["gunicorn"], signal.SIGKILL)
        os.kill(children["run_huey"], signal.SIGKILL)
        wait_for(lambda: set(_children(proc.pid)) == {"gunicorn", "run_huey"}, "the restarts")
        wait_for(lambda: _answers(f"{base}/healthz"), "the restarted server")
        last = _children(proc.pid)
        assert set(last.values()).isdisjoint(children.values())

        proc.send_signal(signal.SIGTERM)  # as systemd stops a service
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.seek(0)
        text = log.read()
    assert "restarting web in 1 s" in text and "restarting worker-1 in 1 s" in text, text
    assert "stopped web" in text and "stopped worker-1" in text, text
    for pid in last.values():  # nothing left running behind it
        assert not Path(f"/proc/{pid}").exists()


def test_serve_retires_only_the_consumers_it_ran_before_and_runs_no_longer(
    tmp_path, settings, monkeypatch
):
    """The record of the last run names the ids: with 3 run before and 2 now, the third is
    drained (iot tests: Consumer.drain) and the record updated; ids it never ran (another
    host's) and a record of another broker or group are left alone."""
    from iot.ingest import mqtt as ingest

    drained = []
    monkeypatch.setattr(ingest.Consumer, "drain", lambda self: drained.append(self.client_id))
    settings.MQTT_SHARED_GROUP = "cityops"
    record = tmp_path / "mqtt-consumers.json"
    url = "mqtt://127.0.0.1:1883"
    ids = [mqtt_client_id(n, "retire") for n in (1, 2, 3)]
    assert ids == ["retire", "retire-2", "retire-3"]
    assert retire_mqtt_sessions(url, 3, base="retire", record=record) == []  # no record yet
    assert json.loads(record.read_text())["ids"] == ids
    assert retire_mqtt_sessions(url, 2, base="retire", record=record) == ["retire-3"]
    assert drained == ["retire-3"]
    assert json.loads(record.read_text()) == {
        "broker": "127.0.0.1:1883",
        "group": "cityops",
        "ids": ["retire", "retire-2"],
    }
    assert retire_mqtt_sessions(url, 1, base="retire", record=record) == ["retire-2"]
    settings.MQTT_SHARED_GROUP = "elsewhere"  # another group: none of its sessions are ours
    assert retire_mqtt_sessions(url, 1, base="retire", record=record) == []
    assert retire_mqtt_sessions("mqtt://10.0.0.9:1883", 1, base="retire", record=record) == []
    record.write_text("not json")
    assert retire_mqtt_sessions(url, 1, base="retire", record=record) == []
    assert drained == ["retire-3", "retire-2"]


def test_serve_starts_even_when_the_broker_is_down(tmp_path, settings, monkeypatch):
    """The retired sessions cannot be drained then: serve says so, keeps its record for the next
    start and goes on (the consumers reconnect by themselves)."""
    settings.VAR_DIR = tmp_path
    down = f"mqtt://127.0.0.1:{free_port()}"
    (tmp_path / "mqtt-consumers.json").write_text(
        json.dumps(
            {"broker": down[7:], "group": "cityops", "ids": ["cityops-ingest", "cityops-ingest-2"]}
        )
    )
    settings.MQTT_URL = down
    settings.MQTT_SHARED_GROUP = "cityops"
    started = []
    monkeypatch.setattr(
        "cityops.management.commands.serve.run_supervised",
        lambda specs, **kw: started.append(specs),
    )
    monkeypatch.setattr("cityops.management.commands.serve.reset_metrics_dir", lambda path: None)
    monkeypatch.setattr("iot.ingest.mqtt.START_WAIT", 1.0)
    err = io.StringIO()
    call_command("serve", "--mqtt-consumers", "1", stderr=err, stdout=io.StringIO())
    assert "Could not retire the sessions of MQTT consumers no longer run" in err.getvalue()
    assert [spec.name for spec in started[0]][-1] == "mqtt-1"
    assert "cityops-ingest-2" in (tmp_path / "mqtt-consumers.json").read_text()  # kept: retry


def test_a_recycled_web_worker_takes_its_live_gauges_with_it(tmp_path, monkeypatch):
    """gunicorn calls child_exit when a worker stops (recycled by --max-requests): its live
    gauge file goes, its counters stay (totals never go backwards)."""
    from types import SimpleNamespace

    from cityops import gunicorn_conf

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    for name in ("gauge_livemax_4242.db", "gauge_liveall_4242.db", "counter_4242.db",
                 "gauge_livemax_4343.db"):  # fmt: skip
        (tmp_path / name).write_bytes(b"")
    gunicorn_conf.child_exit(None, SimpleNamespace(pid=4242))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "counter_4242.db",
        "gauge_livemax_4343.db",
    ]
    web = server_specs(ServeOptions())[0]
    assert "python:cityops.gunicorn_conf" in web.argv
