"""gunicorn's hooks for ``serve`` (``-c python:cityops.gunicorn_conf``).

Web workers are recycled (``--max-requests``): each new one writes its own metrics files in
PROMETHEUS_MULTIPROC_DIR. When one exits its live gauges must go, or a scrape would go on
adding a dead process's last values (prometheus-client's ``mark_process_dead``); its counters
stay, so totals never go backwards.
"""

from __future__ import annotations

import os


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
