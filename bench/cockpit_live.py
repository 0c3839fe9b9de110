"""Bench: how the cockpit (决策舱) stays live: polling with ETag/304 (what CityOps ships) vs
Server-Sent Events, on this machine.

    .venv/bin/python bench/cockpit_live.py [--screens 20] [--rest 60] [--changes 5]

Data: a copy of the demo database (``var/cityops.sqlite3``, or ``--db``) in a temporary
directory; without one, the demo city is seeded there first (``seed_demo --seed 2026``, about
a minute and a half). The bench writes its new cases to the copy only.
Server: ``bench/_cockpit_server.py``, Django's threaded WSGI server (the demo's), in a child
process with the SSE route added. Screens: ``--screens`` clients logged in as ``leader``,
either polling ``GET /api/v1/cockpit`` every 2 s with If-None-Match (as static/js/cockpit.js)
or each holding one ``/bench/cockpit/stream``.

Measured per mode:
* **rest**: server CPU seconds (utime + stime from /proc) over ``--rest`` seconds with nothing
  changing, per screen-hour; server threads and open connections held;
* **change**: ``--changes`` times a case is reported (intake, in this process, on the copy),
  and the seconds until every screen has received a new body: p50 and max over screens and
  changes. The target is 5 s.

Last line (DESIGN.md): value = polling CPU ms per screen-hour at rest, baseline = SSE's; the
ratio (baseline / value, higher is better for polling) says how much dearer SSE is at rest.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import ROOT, emit

POLL_SECONDS = 2.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--screens", type=int, default=20)
    parser.add_argument("--rest", type=float, default=60.0, help="seconds at rest per mode")
    parser.add_argument("--changes", type=int, default=5)
    parser.add_argument("--db", default=str(ROOT / "var" / "cityops.sqlite3"))
    args = parser.parse_args()
    workdir = prepare_database(args.db)
    cookie = session_cookie("leader")
    port = free_port()
    server = start_server(port)
    try:
        results = {}
        for mode in ("poll", "sse"):
            results[mode] = _measure(mode, port, server.pid, cookie, args)
            print(f"{mode}: {json.dumps(results[mode])}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
    poll, sse = results["poll"], results["sse"]
    print(
        f"{args.screens} screens. At rest: polling {poll['cpu_ms_per_screen_hour']:.0f} ms CPU "
        f"per screen-hour, {poll['threads']} server threads; SSE "
        f"{sse['cpu_ms_per_screen_hour']:.0f} ms, {sse['threads']} threads and "
        f"{sse['connections']} connections held. A change seen by every screen: polling p50 "
        f"{poll['latency_p50_s']:.2f} s max {poll['latency_max_s']:.2f} s; SSE p50 "
        f"{sse['latency_p50_s']:.2f} s max {sse['latency_max_s']:.2f} s."
    )
    emit(
        bench="cockpit_live",
        value=poll["cpu_ms_per_screen_hour"],
        unit="ms",
        baseline=sse["cpu_ms_per_screen_hour"],
        n=args.screens,
    )


# --- screens ----------------------------------------------------------------------------------


class Screen(threading.Thread):
    """One open cockpit: records when it received each new body (by ETag)."""

    def __init__(self, mode: str, port: int, cookie: str, stop: threading.Event):
        super().__init__(daemon=True)
        self.mode, self.port, self.cookie, self.stop = mode, port, cookie, stop
        self.seen: list[tuple[float, str]] = []  # (monotonic time, etag)
        self.errors = 0

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self._poll() if self.mode == "poll" else self._stream()
            except (OSError, http.client.HTTPException):
                self.errors += 1
                self.stop.wait(1.0)

    def _headers(self) -> dict:
        return {"Cookie": f"sessionid={self.cookie}", "Accept-Language": "zh-hans"}

    def _poll(self) -> None:
        etag = ""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self.stop.is_set():
            headers = self._headers() | ({"If-None-Match": etag} if etag else {})
            conn.request("GET", "/api/v1/cockpit", headers=headers)
            response = response_body = conn.getresponse()
            response_body.read()
            if response.status == 200:
                etag = response.getheader("ETag", "")
                self.seen.append((time.monotonic(), etag))
            elif response.status != 304:
                raise http.client.HTTPException(f"status {response.status}")
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
            self.stop.wait(POLL_SECONDS)
        conn.close()

    def _stream(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request("GET", "/bench/cockpit/stream", headers=self._headers())
        response = conn.getresponse()
        if response.status != 200:
            raise http.client.HTTPException(f"status {response.status}")
        self.connection = conn
        while not self.stop.is_set():
            line = response.fp.readline()
            if not line:
                raise http.client.HTTPException("stream closed")
            if line.startswith(b"id: "):
                self.seen.append((time.monotonic(), line[4:].strip().decode()))
        conn.close()


def _measure(mode: str, port: int, pid: int, cookie: str, args) -> dict:
    stop = threading.Event()
    screens = [Screen(mode, port, cookie, stop) for _ in range(args.screens)]
    for screen in screens:
        screen.start()
        time.sleep(POLL_SECONDS / args.screens)  # spread over a poll period, as real screens
    time.sleep(POLL_SECONDS + 1.5)  # every screen has its first body
    cpu0, t0 = _cpu_seconds(pid), time.monotonic()
    time.sleep(args.rest)
    cpu1, t1 = _cpu_seconds(pid), time.monotonic()
    threads, connections = _threads(pid), connections_to(port)
    latencies = []
    for n in range(args.changes):
        n += args.changes * (mode == "sse")  # a new case each time, never a repeat
        before = [len(s.seen) for s in screens]
        changed_at = time.monotonic()
        report_a_case(n)
        deadline = changed_at + 15
        while time.monotonic() < deadline and any(
            len(s.seen) <= b for s, b in zip(screens, before, strict=True)
        ):
            time.sleep(0.05)
        for screen, b in zip(screens, before, strict=True):
            if len(screen.seen) > b:
                latencies.append(screen.seen[b][0] - changed_at)
            else:
                latencies.append(float("inf"))
        time.sleep(3)  # the cockpit's 1 s cache and the screens settle
    stop.set()
    for screen in screens:
        conn = getattr(screen, "connection", None)
        if conn is not None and conn.sock is not None:
            conn.sock.shutdown(socket.SHUT_RDWR)
    for screen in screens:
        screen.join(timeout=5)
    hours = (t1 - t0) / 3600
    return {
        "cpu_ms_per_screen_hour": round((cpu1 - cpu0) * 1000 / hours / args.screens, 1),
        "cpu_share": round((cpu1 - cpu0) / (t1 - t0), 4),
        "threads": threads,
        "connections": connections,
        "latency_p50_s": round(statistics.median(latencies), 2),
        "latency_max_s": round(max(latencies), 2),
        "errors": sum(s.errors for s in screens),
    }


# --- the server and the database ------------------------------------------------------------


def prepare_database(db: str) -> str:
    """A temporary directory with a copy of the demo database ``db`` (seeded there when there
    is none), set up as this process's database; Django is set up on it."""
    workdir = tempfile.mkdtemp(prefix="cityops-bench-cockpit-")
    copy = Path(workdir) / "cockpit.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{copy}"
    os.environ["CITYOPS_VAR_DIR"] = workdir  # a seeded demo's credentials file goes there too
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
    os.environ.pop("REDIS_URL", None)  # the per-process cache, as the demo runs
    if Path(db).is_file():
        shutil.copy(db, copy)
    else:
        print(f"No demo database at {db}: seeding one in {workdir}.", flush=True)
        for command in (["migrate", "--noinput", "-v0"], ["seed_demo", "--seed", "2026"]):
            subprocess.run(  # noqa: S603 - our own manage.py
                [sys.executable, str(ROOT / "manage.py"), *command],
                check=True,
                env=os.environ.copy(),
                stdout=subprocess.DEVNULL,
            )
    import django

    django.setup()
    return workdir


def start_server(port: int) -> subprocess.Popen:
    """bench/_cockpit_server.py on ``port`` over the prepared database, answering."""
    server = subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, str(ROOT / "bench" / "_cockpit_server.py"), str(port)],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_for(port)
    return server


def session_cookie(username: str) -> str:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client.cookies["sessionid"].value


def report_a_case(n: int) -> None:
    """A 12345 report of a new problem (the n-th grid: another place each time)."""
    from areas.models import UnitGrid
    from intake.services import receive_report

    grids = UnitGrid.objects.filter(is_active=True).order_by("code")
    grid = grids[n % grids.count()]
    receive_report(
        source="hotline_12345",
        description=f"Bench cockpit change {n}: 路灯不亮",
        lon=grid.centroid_lon,
        lat=grid.centroid_lat,
        external_id=f"bench-cockpit-{os.getpid()}-{n}",
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"The bench server did not answer on port {port}.")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def _threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


def connections_to(port: int) -> int:
    """Established TCP connections to the server's port (from /proc/net/tcp)."""
    hex_port = f"{port:04X}"
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if parts[1].endswith(f":{hex_port}") and parts[3] == "01":  # local side, ESTABLISHED
            count += 1
    return count


if __name__ == "__main__":
    main()
