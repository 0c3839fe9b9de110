"""The processes ``run_demo`` keeps alive: named child specs and a small supervisor.

Each child is a ``manage.py`` command in its own process session, so a Ctrl-C in the terminal
reaches only ``run_demo``, which then stops the children in reverse start order (SIGTERM, then
SIGKILL after a grace period). A child that exits is reported by name; if it was required (the
web server) the demo stops with a non-zero status. The worker (``run_huey``: SLA scanner,
notification delivery, offline scan) and the simulator (``simulate``, pointed at the web
server) join when their commands exist; with ``MQTT_URL`` set the MQTT telemetry consumer
(``ingest_mqtt``) joins too, since the simulator then publishes there.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.core.management import get_commands

POLL_SECONDS = 0.5
STOP_GRACE_SECONDS = 10.0
PORT_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class ChildSpec:
    """One named child process: ``argv`` to start it; ``required`` stops the demo if it dies."""

    name: str
    argv: tuple[str, ...]
    required: bool = False


# (name, manage.py command, extra arguments) of children that join once their command exists;
# "{url}" is replaced by the web server's address.
OPTIONAL_CHILDREN = (
    ("worker", "run_huey", ()),
    ("simulator", "simulate", ("--url", "{url}")),
)
MQTT_CHILD = ("mqtt", "ingest_mqtt", ())
# A server listening on every interface is reached on the loopback address.
WILDCARD_HOSTS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}


def manage_argv(*args: str) -> tuple[str, ...]:
    return (sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args)


def server_url(host: str, port: int) -> str:
    """Where the other children reach the web server (``0.0.0.0`` -> ``127.0.0.1``)."""
    host = WILDCARD_HOSTS.get(host, host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def child_specs(
    *,
    host: str,
    port: int,
    available: Collection[str] | None = None,
    mqtt_url: str | None = None,
) -> list[ChildSpec]:
    """The demo's children: the web server, then every optional child whose command exists
    (and the MQTT consumer when a broker is configured)."""
    available = get_commands() if available is None else available
    mqtt_url = getattr(settings, "MQTT_URL", "") if mqtt_url is None else mqtt_url
    url = server_url(host, port)
    # --insecure keeps static files served whatever DEBUG says; --noreload keeps one process.
    specs = [
        ChildSpec(
            "web",
            manage_argv("runserver", f"{host}:{port}", "--noreload", "--insecure"),
            required=True,
        )
    ]
    optional = [*OPTIONAL_CHILDREN, *([MQTT_CHILD] if mqtt_url else [])]
    specs += [
        ChildSpec(name, manage_argv(command, *(a.format(url=url) for a in args)))
        for name, command, args in optional
        if command in available
    ]
    return specs


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class ChildDied(Exception):
    def __init__(self, spec: ChildSpec, returncode: int):
        super().__init__(f"{spec.name} exited with status {returncode}")
        self.spec = spec
        self.returncode = returncode


class Supervisor:
    """Starts the children, watches them, and stops them all on request."""

    def __init__(
        self,
        specs: list[ChildSpec],
        *,
        out: TextIO,
        popen: Callable[..., subprocess.Popen] = subprocess.Popen,
        stop_grace: float = STOP_GRACE_SECONDS,
    ) -> None:
        self.specs = specs
        self.out = out
        self.popen = popen
        self.stop_grace = stop_grace
        self.procs: dict[str, subprocess.Popen] = {}
        self.reported: set[str] = set()
        self.stop_requested = threading.Event()
        self._previous_handlers: dict[int, object] = {}

    def start(self) -> None:
        for spec in self.specs:
            self.procs[spec.name] = self.popen(list(spec.argv), start_new_session=True)
            self._say(f"started {spec.name} (pid {self.procs[spec.name].pid})")

    def check(self) -> None:
        """Report children that exited since the last check; raise ChildDied for a required one."""
        for spec in self.specs:
            proc = self.procs.get(spec.name)
            if proc is None or spec.name in self.reported:
                continue
            code = proc.poll()
            if code is None:
                continue
            self.reported.add(spec.name)
            self._say(f"child '{spec.name}' exited with status {code}")
            if spec.required:
                raise ChildDied(spec, code)

    def wait_for_port(self, host: str, port: int, timeout: float = PORT_TIMEOUT_SECONDS) -> bool:
        """True once ``host:port`` accepts connections; False on timeout or stop request."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.stop_requested.is_set():
            self.check()
            if port_open(host, port):
                return True
            self.stop_requested.wait(POLL_SECONDS / 2)
        return False

    def watch(self) -> None:
        """Block until a stop is requested (returns) or a required child dies (ChildDied)."""
        while not self.stop_requested.is_set():
            self.check()
            self.stop_requested.wait(POLL_SECONDS)

    def request_stop(self, *_args) -> None:
        """Signal handler for SIGINT/SIGTERM: only sets a flag, the main loop does the work."""
        self.stop_requested.set()

    def install_signal_handlers(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._previous_handlers[signum] = signal.signal(signum, self.request_stop)

    def restore_signal_handlers(self) -> None:
        for signum, handler in self._previous_handlers.items():
            signal.signal(signum, handler)
        self._previous_handlers.clear()

    def stop(self) -> None:
        """SIGTERM every running child (last started first), then SIGKILL the stubborn ones."""
        running = [
            (name, proc) for name, proc in reversed(self.procs.items()) if proc.poll() is None
        ]
        for _name, proc in running:
            proc.terminate()
        deadline = time.monotonic() + self.stop_grace
        for name, proc in running:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                self._say(f"{name} did not stop within {self.stop_grace:.0f} s; killed")
            else:
                self._say(f"stopped {name}")

    def _say(self, message: str) -> None:
        self.out.write(f"[run_demo] {message}\n")
        self.out.flush()
