"""Helpers for the test suites of every app (imported by tests only)."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def huey_immediate() -> Iterator[None]:
    """Run huey tasks at once, in the calling thread and on the test database, inside the block
    (settings.HUEY is never ``immediate``: the real worker runs them)."""
    from huey.contrib.djhuey import HUEY

    before = HUEY.immediate
    HUEY.immediate = True
    try:
        yield
    finally:
        HUEY.immediate = before


# --- processes, ports and a broker of the test's own -------------------------------------------


def free_port() -> int:
    """A TCP port nobody listens on at the moment (127.0.0.1)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(
    predicate: Callable[[], object],
    what: str,
    *,
    timeout: float = 60.0,
    interval: float = 0.2,
    ignore: tuple[type[BaseException], ...] = (OSError,),
) -> None:
    """Call ``predicate`` until it is true; AssertionError naming ``what`` after ``timeout``
    seconds. The ``ignore`` exceptions count as "not yet" (a server still starting)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except ignore:
            pass
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def processes() -> list[tuple[int, int, str]]:
    """(pid, parent pid, command line) of every process on this machine (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        found.append((int(entry.name), int(stat.rsplit(")", 1)[1].split()[1]), cmdline))
    return found


def children(pid: int, *words: str) -> list[int]:
    """The pids of ``pid``'s children whose command line holds every word."""
    return [
        child
        for child, parent, cmdline in processes()
        if parent == pid and all(word in cmdline for word in words)
    ]


DEPLOY_MOSQUITTO_CONF = Path(__file__).resolve().parents[1] / "deploy" / "mosquitto.conf"


@contextmanager
def private_mosquitto(directory: Path, *, conf: Path = DEPLOY_MOSQUITTO_CONF) -> Iterator[str]:
    """A Mosquitto of the test's own, configured by ``conf`` (the deploy file by default) with
    its listener on a free port and its persistence under ``directory``; yields its mqtt:// URL.
    Tests that kill consumers use it: the CI broker on 1883 keeps Debian's defaults."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(binary).exists():
        message = "mosquitto is not installed (.ci/run installs it)"
        if os.environ.get("CI"):
            raise AssertionError(message)
        pytest.skip(message)
    port = free_port()
    lines = [
        line
        for line in conf.read_text().splitlines()
        if not line.startswith(("listener", "persistence_location", "user "))
    ]
    lines += [
        f"listener {port} 127.0.0.1",
        f"persistence_location {directory}/",
        f"user {getpass.getuser()}",  # as root, mosquitto would switch to a user who cannot write here
    ]
    config = directory / "mosquitto.conf"
    config.write_text("\n".join(lines) + "\n")
    log = (directory / "mosquitto.log").open("w")
    broker = subprocess.Popen([binary, "-c", str(config)], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(
            lambda: socket.create_connection(("127.0.0.1", port), timeout=1).close() or True,
            "the private mosquitto",
            timeout=10,
        )
        yield f"mqtt://127.0.0.1:{port}"
    finally:
        broker.terminate()
        try:
            broker.wait(10)
        except subprocess.TimeoutExpired:
            broker.kill()
            broker.wait()
        log.close()
