"""run_demo: which children it starts, how it watches them, and how it stops them.

Children here are tiny Python processes (a sleeper, a failing one, http.server) so no real
Django server has to start.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import sys
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from demo.credentials import FILENAME, DemoCredentials, Login
from demo.processes import ChildDied, ChildSpec, Supervisor, child_specs

PY = sys.executable
SLEEPER = (PY, "-c", "import time; time.sleep(60)")
STUBBORN = (
    PY,
    "-c",
    "import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print('ready', flush=True); time.sleep(60)",
)


def _failing(status: int) -> tuple[str, ...]:
    return (PY, "-c", f"raise SystemExit({status})")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _http_server(port: int) -> tuple[str, ...]:
    return (PY, "-m", "http.server", str(port), "--bind", "127.0.0.1")


def test_web_server_is_always_a_required_child():
    specs = child_specs(host="127.0.0.1", port=8123, available={"runserver"})
    assert [s.name for s in specs] == ["web"]
    web = specs[0]
    assert web.required
    assert web.argv[-4:] == ("runserver", "127.0.0.1:8123", "--noreload", "--insecure")


def test_worker_and_simulator_join_once_their_commands_exist():
    specs = child_specs(
        host="127.0.0.1", port=8000, available={"runserver", "run_huey", "simulate"}, mqtt_url=""
    )
    assert [(s.name, s.argv[2], s.required) for s in specs] == [
        ("web", "runserver", True),
        ("worker", "run_huey", False),
        ("simulator", "simulate", False),
    ]
    # The simulator posts its telemetry to the web server it runs beside.
    assert specs[2].argv[3:] == ("--url", "http://127.0.0.1:8000/")


def test_the_simulator_reaches_a_server_on_every_interface_through_loopback():
    specs = child_specs(host="0.0.0.0", port=9000, available={"simulate"}, mqtt_url="")
    assert specs[-1].argv[3:] == ("--url", "http://127.0.0.1:9000/")


def test_with_a_broker_configured_the_mqtt_consumer_joins_too():
    available = {"runserver", "run_huey", "simulate", "ingest_mqtt"}
    specs = child_specs(host="127.0.0.1", port=8000, available=available, mqtt_url="mqtt://b:1883")
    assert [s.name for s in specs] == ["web", "worker", "simulator", "mqtt"]
    assert "mqtt" not in [
        s.name for s in child_specs(host="h", port=1, available=available, mqtt_url="")
    ]


def test_the_real_commands_are_all_there_and_the_worker_runs_the_periodic_jobs():
    from django.core.management import get_commands
    from django.utils.module_loading import autodiscover_modules
    from huey.contrib.djhuey import HUEY

    names = [s.name for s in child_specs(host="127.0.0.1", port=8000, mqtt_url="")]
    assert names == ["web", "worker", "simulator"]
    assert {"run_huey", "simulate", "ingest_mqtt"} <= set(get_commands())
    autodiscover_modules("tasks")  # as `run_huey` does before it starts the consumer
    registered = " ".join(HUEY._registry._registry)
    for task in (
        "dispatch.tasks.scan_sla",
        "notify.tasks.deliver_outbox",
        "notify.tasks.retry_due",
    ):
        assert task in registered, registered


def test_an_optional_child_that_dies_is_reported_by_name_and_the_rest_go_on():
    out = io.StringIO()
    supervisor = Supervisor(
        [ChildSpec("web", SLEEPER, required=True), ChildSpec("worker", _failing(3))], out=out
    )
    supervisor.start()
    try:
        supervisor.procs["worker"].wait(timeout=10)
        supervisor.check()
        supervisor.check()  # reported once only
        assert out.getvalue().count("child 'worker' exited with status 3") == 1
        assert supervisor.procs["web"].poll() is None
    finally:
        supervisor.stop()
    assert supervisor.procs["web"].poll() is not None
    assert "stopped web" in out.getvalue()


def test_a_required_child_that_dies_stops_the_watch():
    supervisor = Supervisor([ChildSpec("web", _failing(2), required=True)], out=io.StringIO())
    supervisor.start()
    supervisor.procs["web"].wait(timeout=10)
    with pytest.raises(ChildDied) as died:
        supervisor.watch()
    assert (died.value.spec.name, died.value.returncode) == ("web", 2)


def test_stop_kills_a_child_that_ignores_sigterm():
    out = io.StringIO()
    supervisor = Supervisor([ChildSpec("stubborn", STUBBORN)], out=out, stop_grace=0.5)
    supervisor.popen = _with_stdout_pipe(supervisor.popen)
    supervisor.start()
    supervisor.procs["stubborn"].stdout.readline()  # its SIGTERM handler is in place
    supervisor.stop()
    assert supervisor.procs["stubborn"].returncode == -signal.SIGKILL
    assert "stubborn did not stop" in out.getvalue()


def _with_stdout_pipe(popen):
    import subprocess

    def start(argv, **kwargs):
        return popen(argv, stdout=subprocess.PIPE, text=True, **kwargs)

    return start


def test_wait_for_port_answers_once_the_server_listens():
    port = _free_port()
    supervisor = Supervisor(
        [ChildSpec("web", _http_server(port), required=True)], out=io.StringIO()
    )
    supervisor.start()
    try:
        assert supervisor.wait_for_port("127.0.0.1", port, timeout=20)
    finally:
        supervisor.stop()


@pytest.fixture
def demo_credentials_file(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    login = Login("dispatcher", "Dispatcher 派遣员", "dispatcher", "pw", "宁波市 330200", None)
    data = DemoCredentials(
        seed=1, password="pw", logins=[login], api_token={"username": "dispatcher", "token": "k"}
    ).as_json()
    (tmp_path / FILENAME).write_text(json.dumps(data), encoding="utf-8")
    return tmp_path / FILENAME


def test_run_demo_prints_url_and_logins_and_stops_on_sigterm(monkeypatch, demo_credentials_file):
    port = _free_port()
    monkeypatch.setattr(
        "demo.management.commands.run_demo.child_specs",
        lambda host, port: [ChildSpec("web", _http_server(port), required=True)],
    )
    out = io.StringIO()
    # SIGTERM once the banner is out, as `kill` or a service manager would send it.
    timer = threading.Timer(1.0, _sigterm_when_announced, args=(out,))
    timer.start()
    try:
        call_command("run_demo", "--port", str(port), "--timeout", "20", stdout=out)
    finally:
        timer.cancel()
    text = out.getvalue()
    assert f"http://127.0.0.1:{port}/" in text
    assert "dispatcher" in text and "宁波市 330200" in text
    assert "Authorization: Bearer k" in text
    assert "stopped web" in text
    # The file now points where the demo really ran.
    assert json.loads(demo_credentials_file.read_text())["url"] == f"http://127.0.0.1:{port}/"


def _sigterm_when_announced(out: io.StringIO) -> None:
    for _ in range(300):
        # Only while run_demo's own handler is installed: never hit pytest with a real SIGTERM.
        handler = signal.getsignal(signal.SIGTERM)
        if "Press Ctrl-C" in out.getvalue() and isinstance(
            getattr(handler, "__self__", None), Supervisor
        ):
            os.kill(os.getpid(), signal.SIGTERM)
            return
        threading.Event().wait(0.1)


def test_run_demo_fails_when_the_web_server_dies(monkeypatch, demo_credentials_file):
    monkeypatch.setattr(
        "demo.management.commands.run_demo.child_specs",
        lambda host, port: [ChildSpec("web", _failing(4), required=True)],
    )
    with pytest.raises(CommandError, match="web process died"):
        call_command("run_demo", "--port", str(_free_port()), stdout=io.StringIO())
