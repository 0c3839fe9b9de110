"""Bench: a cockpit (决策舱) left open: does the screen grow, does it hold on to connections, does
it come back by itself after the server restarts?

    .venv/bin/python bench/cockpit_soak.py [--minutes 30] [--change-every 10] [--db PATH]

The issue asks for 24 hours; this runs the same screen faster: the cockpit page in headless
Chromium (Debian's, as the browser tests) at 1920x1080 as the leader, polling every 2 s as
shipped, while a new case is reported every ``--change-every`` seconds (each one redraws the
lists, the counters and the map's markers: a day of a busy city's redraws in half an hour), and
the server is restarted once half-way. Data and server as bench/cockpit_live.py (a copy of
the demo database; the threaded WSGI server in a child process).

Every minute, after a forced garbage collection in the page (Chrome DevTools Protocol
``HeapProfiler.collectGarbage``): the page's JS heap in use, DOM nodes, event listeners, the
server's established connections and resident memory. The growth is the last sample against
the one after the first five minutes (warm-up: the map's tiles and first lists), per hour.

Last line (DESIGN.md): value = JS heap MB at the end, baseline = after the warm-up; ratio =
value / baseline (1.0: no growth; above 1 the screen grew).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

from _common import ROOT, emit
from cockpit_live import (
    connections_to,
    free_port,
    prepare_database,
    report_a_case,
    session_cookie,
    start_server,
)

WARM_UP_MINUTES = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--change-every", type=float, default=10.0, help="seconds")
    parser.add_argument("--db", default=str(ROOT / "var" / "cityops.sqlite3"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from web.tests.conftest import CHROMIUM, CHROMIUM_ARGS  # the browser tests' Chromium

    # Playwright's sync API runs an event loop in this thread; the ORM calls here (reporting
    # the cases) are plain blocking ones between page steps, which is what Django guards.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    workdir = prepare_database(args.db)
    cookie = session_cookie("leader")
    port = free_port()
    server = start_server(port)
    samples: list[dict] = []
    restarted = recovered_after = None
    changes = 0
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
            context.add_cookies(
                [{"name": "sessionid", "value": cookie, "domain": "127.0.0.1", "path": "/"}]
            )
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{port}/cockpit/")
            cdp = context.new_cdp_session(page)
            cdp.send("Performance.enable")
            started = time.monotonic()
            next_change, next_sample = started, started
            end = started + args.minutes * 60
            while time.monotonic() < end:
                now = time.monotonic()
                if now >= next_change:
                    report_a_case(changes)
                    changes += 1
                    next_change += args.change_every
                if now >= next_sample:
                    samples.append(_sample(page, cdp, server.pid, port, now - started))
                    print(json.dumps(samples[-1]), flush=True)
                    next_sample += 60
                if restarted is None and now - started >= args.minutes * 30:
                    server.terminate()
                    server.wait(timeout=10)
                    time.sleep(5)  # the screen notices
                    lost = page.evaluate("document.getElementById('live').dataset.state")
                    server = start_server(port)
                    restarted = time.monotonic()
                    print(f"server restarted (the screen said {lost!r})", flush=True)
                if restarted is not None and recovered_after is None:
                    if page.evaluate("document.getElementById('live').dataset.state") == "live":
                        recovered_after = round(time.monotonic() - restarted, 1)
                        print(f"live again after {recovered_after} s", flush=True)
                page.wait_for_timeout(500)
            samples.append(_sample(page, cdp, server.pid, port, time.monotonic() - started))
            print(json.dumps(samples[-1]), flush=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
    warm = next((s for s in samples if s["minute"] >= WARM_UP_MINUTES), samples[0])
    last = samples[-1]
    hours = max((last["minute"] - warm["minute"]) / 60, 1e-9)
    print(
        f"{args.minutes:.0f} min, {changes} new cases, server restarted once (live again after "
        f"{recovered_after} s). From minute {warm['minute']:.0f} to {last['minute']:.0f}: JS heap "
        f"{warm['heap_mb']:.1f} -> {last['heap_mb']:.1f} MB "
        f"({(last['heap_mb'] - warm['heap_mb']) / hours:+.1f} MB/h), DOM nodes "
        f"{warm['nodes']} -> {last['nodes']}, listeners {warm['listeners']} -> "
        f"{last['listeners']}, server connections {warm['connections']} -> "
        f"{last['connections']}, server memory {warm['server_rss_mb']:.0f} -> "
        f"{last['server_rss_mb']:.0f} MB; polls {last['polls']}."
    )
    emit(
        bench="cockpit_soak",
        value=last["heap_mb"],
        unit="MB",
        baseline=warm["heap_mb"],
        n=changes,
    )


def _sample(page, cdp, pid: int, port: int, seconds: float) -> dict:
    cdp.send("HeapProfiler.collectGarbage")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return {
        "minute": round(seconds / 60, 1),
        "heap_mb": round(metrics["JSHeapUsedSize"] / 2**20, 2),
        "nodes": int(metrics["Nodes"]),
        "listeners": int(metrics["JSEventListeners"]),
        "connections": connections_to(port),
        "server_rss_mb": round(_rss_kb(pid) / 1024, 1),
        "polls": int(page.evaluate("document.body.dataset.polls || 0")),
    }


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
