"""The processes ``serve`` (and ``run_demo``) keep alive: named child specs and a supervisor.

Each child is a command in its own process session, so a Ctrl-C in the terminal reaches only the
supervising command, which then stops the children in reverse start order (SIGTERM, then SIGKILL
after a grace period). A child that exits is reported by name. A child marked ``restart`` is
started again after a back-off that doubles with each quick exit (1 s .. 30 s) and is forgotten
once it has run a minute; a *required* child that keeps dying at once (``CRASH_LOOP_EXITS`` quick
exits in a row: a broken configuration, a taken port) stops the whole thing with a non-zero
status, so systemd or the terminal sees it instead of an endless loop. A required child without
``restart`` stops it at its first exit.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.core.management.base import CommandError

POLL_SECONDS = 0.5
STOP_GRACE_SECONDS = 10.0
PORT_TIMEOUT_SECONDS = 60.0
# Restarts: the back-off doubles from FIRST to MAX; a child alive STABLE seconds starts afresh.
RESTART_FIRST_SECONDS = 1.0
RESTART_MAX_SECONDS = 30.0
STABLE_SECONDS = 60.0
CRASH_LOOP_EXITS = 5
# A server listening on every interface is reached on the loopback address.
WILDCARD_HOSTS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}


@dataclass(frozen=True)
class ChildSpec:
    """One named child process: ``argv`` to start it, ``env`` added to the supervisor's own
    environment; ``restart`` starts it again when it exits; ``required`` stops everything when
    it cannot be kept running."""

    name: str
    argv: tuple[str, ...]
    required: bool = False
    restart: bool = False
    env: Mapping[str, str] = field(default_factory=dict)


def manage_argv(*args: str) -> tuple[str, ...]:
    return (sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args)


def reachable_host(host: str) -> str:
    """Where a client on this machine reaches a server bound to ``host`` (``0.0.0.0`` ->
    ``127.0.0.1``)."""
    return WILDCARD_HOSTS.get(host, host)


def server_url(host: str, port: int) -> str:
    """Where the other children reach the web server (``0.0.0.0`` -> ``127.0.0.1``)."""
    host = reachable_host(host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((reachable_host(host), port), timeout=timeout):
            return True
    except OSError:
        return False


def _signal_group(proc: subprocess.Popen, signum: int) -> None:
    """``signum`` to the child's process group when it leads one (start_new_session), else to
    the child alone."""
    try:
        if os.getpgid(proc.pid) == proc.pid:
            os.killpg(proc.pid, signum)
            return
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.send_signal(signum)
    except ProcessLookupError:
        pass


class ChildDied(Exception):
    def __init__(self, spec: ChildSpec, returncode: int):
        super().__init__(f"{spec.name} exited with status {returncode}")
        self.spec = spec
        self.returncode = returncode


class Supervisor:
    """Starts the children, watches them (restarting those that ask for it), and stops them all
    on request."""

    def __init__(
        self,
        specs: list[ChildSpec],
        *,
        out: TextIO,
        popen: Callable[..., subprocess.Popen] = subprocess.Popen,
        stop_grace: float = STOP_GRACE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        label: str = "cityops",
    ) -> None:
        self.specs = specs
        self.label = label
        self.out = out
        self.popen = popen
        self.stop_grace = stop_grace
        self.clock = clock
        self.procs: dict[str, subprocess.Popen] = {}
        self.started_at: dict[str, float] = {}
        self.quick_exits: dict[str, int] = {}
        self.restart_at: dict[str, float] = {}
        self.restarts: dict[str, int] = {}
        self.reported: set[str] = set()
        self.stop_requested = threading.Event()
        self._previous_handlers: dict[int, object] = {}

    def start(self) -> None:
        for spec in self.specs:
            self._start(spec)

    def _start(self, spec: ChildSpec) -> None:
        env = {**os.environ, **spec.env} if spec.env else None
        self.procs[spec.name] = self.popen(list(spec.argv), start_new_session=True, env=env)
        self.started_at[spec.name] = self.clock()
        self._say(f"started {spec.name} (pid {self.procs[spec.name].pid})")

    def check(self) -> None:
        """Report children that exited since the last check and schedule or make their restarts;
        raise ChildDied for a required child that cannot be kept running."""
        now = self.clock()
        for spec in self.specs:
            name = spec.name
            if name in self.restart_at:
                if now >= self.restart_at[name] and not self.stop_requested.is_set():
                    del self.restart_at[name]
                    self.restarts[name] = self.restarts.get(name, 0) + 1
                    self._start(spec)
                continue
            proc = self.procs.get(name)
            if proc is None or name in self.reported:
                continue
            code = proc.poll()
            if code is None:
                if now - self.started_at[name] >= STABLE_SECONDS:
                    self.quick_exits[name] = 0
                continue
            self._say(f"child '{name}' exited with status {code}")
            if not spec.restart:
                self.reported.add(name)
                if spec.required:
                    raise ChildDied(spec, code)
                continue
            quick = now - self.started_at[name] < STABLE_SECONDS
            exits = self.quick_exits.get(name, 0) + 1 if quick else 1
            self.quick_exits[name] = exits
            if spec.required and exits >= CRASH_LOOP_EXITS:
                self.reported.add(name)
                self._say(f"{name} exited {exits} times in a row within a minute of starting")
                raise ChildDied(spec, code)
            # The exponent is capped: a child failing for hours (a broker down) must not overflow.
            delay = min(RESTART_MAX_SECONDS, RESTART_FIRST_SECONDS * 2 ** min(exits - 1, 10))
            self.restart_at[name] = now + delay
            self._say(f"restarting {name} in {delay:.0f} s")

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
        """SIGTERM every running child (last started first), then SIGKILL the stubborn ones;
        pending restarts are dropped."""
        self.restart_at.clear()
        running = [
            (name, proc) for name, proc in reversed(self.procs.items()) if proc.poll() is None
        ]
        for _name, proc in running:
            # Each child leads its own process group (start_new_session): signal the group, so
            # what it started (gunicorn's workers) goes too even if the child itself is gone.
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_grace
        for name, proc in running:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait()
                self._say(f"{name} did not stop within {self.stop_grace:.0f} s; killed")
            else:
                self._say(f"stopped {name}")

    def _say(self, message: str) -> None:
        self.out.write(f"[{self.label}] {message}\n")
        self.out.flush()


def run_supervised(
    specs: list[ChildSpec],
    *,
    host: str,
    port: int,
    timeout: float,
    out: TextIO,
    announce: Callable[[str], None],
    label: str = "serve",
) -> None:
    """Start ``specs``, wait for the web server on ``host:port``, ``announce(url)``, watch until
    SIGINT/SIGTERM, stop everything. CommandError when the port is taken, the server never
    answers, or a required child cannot be kept running."""
    url = server_url(host, port)
    if port_open(host, port):
        raise CommandError(f"Something already answers on {url}; stop it or choose another --port.")
    supervisor = Supervisor(specs, out=out, label=label)
    supervisor.install_signal_handlers()
    try:
        supervisor.start()
        if not supervisor.wait_for_port(host, port, timeout):
            if supervisor.stop_requested.is_set():
                return
            raise CommandError(f"The web server did not answer on {url} within {timeout} s.")
        announce(url)
        supervisor.watch()
    except ChildDied as exc:
        raise CommandError(f"The {exc.spec.name} process died (status {exc.returncode}).") from None
    finally:
        supervisor.stop()
        supervisor.restore_signal_handlers()
