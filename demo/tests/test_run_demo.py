"""run_demo: which children it starts, how it watches them, and how it stops them.

Children here are tiny Python processes (a sleeper, a failing one, http.server) so no real
Django server has to start.
"""

from __future__ import annotations

import io
import json
import os
import signal
import sys
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.processes import ChildDied, ChildSpec, Supervisor
from core.testing import free_port
from demo.credentials import FILENAME, DemoCredentials, Login
from demo.processes import DEMO_BROKER, broker_url, child_specs

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


def _http_server(port: int) -> tuple[str, ...]:
    return (PY, "-m", "http.server", str(port), "--bind", "127.0.0.1")


def test_the_demo_runs_the_production_server_not_runserver():
    specs = child_specs(host="127.0.0.1", port=8123, available=set())
    assert [s.name for s in specs] == ["web", "worker-1"]
    web = specs[0]
    assert web.required and web.restart
    assert web.argv[1:4] == ("-m", "gunicorn", "cityops.wsgi:application")
    assert "runserver" not in web.argv
    assert web.argv[web.argv.index("--bind") + 1] == "127.0.0.1:8123"
    # The demo's terminal shows the banner and problems, not every request.
    assert "--access-logfile" not in web.argv


def test_the_simulator_joins_and_posts_to_the_web_server_it_runs_beside():
    specs = child_specs(host="127.0.0.1", port=8000, available={"simulate"})
    assert [(s.name, s.required, s.restart) for s in specs] == [
        ("web", True, True),
        ("worker-1", False, True),
        ("simulator", False, True),
    ]
    assert specs[2].argv[2:] == ("simulate", "--url", "http://127.0.0.1:8000/")


def test_the_simulator_reaches_a_server_on_every_interface_through_loopback():
    specs = child_specs(host="0.0.0.0", port=9000, available={"simulate"})
    assert specs[-1].argv[3:] == ("--url", "http://127.0.0.1:9000/")


def test_with_a_broker_the_mqtt_consumer_joins_and_the_simulator_publishes_there():
    specs = child_specs(
        host="127.0.0.1", port=8000, available={"simulate"}, mqtt_url="mqtt://b:1883"
    )
    assert [s.name for s in specs] == ["web", "worker-1", "mqtt-1", "simulator"]
    mqtt = specs[2]
    assert mqtt.argv[2] == "ingest_mqtt" and "mqtt://b:1883" not in mqtt.argv  # never in `ps`
    assert mqtt.restart
    assert all(s.env["MQTT_URL"] == "mqtt://b:1883" for s in specs)
    assert "mqtt-1" not in [s.name for s in child_specs(host="h", port=1, available=set())]


def test_the_demo_uses_the_configured_broker_or_one_answering_on_this_machine():
    def answers(*listening):
        return lambda host, port: (host, port) in listening

    assert broker_url("mqtt://b:1884", answers=answers(("b", 1884))) == "mqtt://b:1884"
    # Configured but silent: a local broker is better than readings lost.
    assert broker_url("mqtt://b:1884", answers=answers(("127.0.0.1", 1883))) == DEMO_BROKER
    assert broker_url("", answers=answers(("127.0.0.1", 1883))) == DEMO_BROKER
    assert broker_url("", answers=answers()) == ""
    assert broker_url("mqtt://b:1884", answers=answers()) == ""


def test_the_real_commands_are_all_there_and_the_worker_runs_the_periodic_jobs():
    from django.core.management import get_commands
    from django.utils.module_loading import autodiscover_modules
    from huey.contrib.djhuey import HUEY

    names = [s.name for s in child_specs(host="127.0.0.1", port=8000)]
    assert names == ["web", "worker-1", "simulator"]
    assert {"run_huey", "simulate", "ingest_mqtt", "serve"} <= set(get_commands())
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
    port = free_port()
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
    port = free_port()
    monkeypatch.setattr(
        "demo.management.commands.run_demo.child_specs",
        lambda host, port, mqtt_url, metrics: [ChildSpec("web", _http_server(port), required=True)],
    )
    monkeypatch.setattr(
        "demo.management.commands.run_demo.broker_url", lambda: "mqtt://127.0.0.1:1883"
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
    # The file now points where the demo really ran, and at the broker its consumer reads.
    written = json.loads(demo_credentials_file.read_text())
    assert written["url"] == f"http://127.0.0.1:{port}/"
    assert written["telemetry"]["mqtt_broker"] == "mqtt://127.0.0.1:1883"
    assert "MQTT: mqtt://127.0.0.1:1883, topic cityops/telemetry/{device_id}" in text


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
        lambda host, port, mqtt_url, metrics: [ChildSpec("web", _failing(4), required=True)],
    )
    with pytest.raises(CommandError, match="web process died"):
        call_command("run_demo", "--port", str(free_port()), stdout=io.StringIO())


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _exited(code: int):
    """A stand-in for Popen: a process that has already exited with ``code``."""

    class Exited:
        pid = 1
        returncode = code

        def poll(self):
            return code

    return lambda argv, **kwargs: Exited()


def test_a_child_that_exits_is_restarted_after_a_back_off_that_doubles():
    clock = FakeClock()
    out = io.StringIO()
    supervisor = Supervisor(
        [ChildSpec("mqtt-1", ("x",), restart=True)], out=out, popen=_exited(1), clock=clock
    )
    supervisor.start()
    supervisor.check()
    assert supervisor.restart_at["mqtt-1"] == clock.now + 1
    clock.now += 0.5
    supervisor.check()
    assert supervisor.restarts.get("mqtt-1") is None  # not yet
    clock.now += 0.5
    supervisor.check()  # restarted; it exits again at once
    assert supervisor.restarts["mqtt-1"] == 1
    supervisor.check()
    assert supervisor.restart_at["mqtt-1"] == clock.now + 2
    for _ in range(10):  # an optional child is retried for ever, at most every 30 s
        clock.now = supervisor.restart_at["mqtt-1"]
        supervisor.check()
        supervisor.check()
    assert supervisor.restart_at["mqtt-1"] - clock.now == 30
    assert "restarting mqtt-1 in 30 s" in out.getvalue()


def _always_failing_web(clock: FakeClock) -> Supervisor:
    """A started supervisor of a required, restarting web server that exits 3 every time."""
    supervisor = Supervisor(
        [ChildSpec("web", ("x",), required=True, restart=True)],
        out=io.StringIO(),
        popen=_exited(3),
        clock=clock,
    )
    supervisor.start()
    return supervisor


def test_a_required_child_in_a_crash_loop_stops_everything():
    clock = FakeClock()
    supervisor = _always_failing_web(clock)
    with pytest.raises(ChildDied) as died:
        for _ in range(20):
            supervisor.check()
            clock.now += 31
    assert died.value.returncode == 3
    assert supervisor.restarts["web"] == 4  # five quick exits in a row


def test_a_child_that_ran_a_minute_before_exiting_starts_its_count_afresh():
    clock = FakeClock()
    supervisor = _always_failing_web(clock)
    for _ in range(30):  # each run lasts past the stable minute: restarted every time, 1 s later
        clock.now += 61
        supervisor.check()
        assert supervisor.restart_at["web"] == clock.now + 1
        clock.now += 1
        supervisor.check()
    assert supervisor.restarts["web"] == 30


def test_a_restarted_child_really_runs_again():
    port = free_port()
    out = io.StringIO()
    script = (
        "import os, sys, pathlib; p = pathlib.Path(sys.argv[1]); "
        "n = int(p.read_text()) if p.exists() else 0; p.write_text(str(n + 1)); "
        "os.execv(sys.executable, [sys.executable, '-m', 'http.server', sys.argv[2], "
        "'--bind', '127.0.0.1']) if n else sys.exit(5)"
    )
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        counter = f"{tmp}/runs"
        spec = ChildSpec("web", (PY, "-c", script, counter, str(port)), required=True, restart=True)
        supervisor = Supervisor([spec], out=out)
        supervisor.start()
        try:
            # The first run exits 5; the second, a second later, serves.
            assert supervisor.wait_for_port("127.0.0.1", port, timeout=20)
        finally:
            supervisor.stop()
    assert "child 'web' exited with status 5" in out.getvalue()
    assert "restarting web in 1 s" in out.getvalue()
