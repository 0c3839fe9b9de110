"""The production profile's processes (``manage.py serve``; ``run_demo`` runs the same ones).

* ``web``: gunicorn with ``workers`` processes of ``threads`` threads each (gthread: a slow
  export or a phone on a bad line holds one thread, not a whole worker); gunicorn's own master
  replaces a worker that dies, the supervisor replaces the master.
* ``worker-N``: huey consumers (notification delivery, imports, nightly jobs). Only the first
  schedules the periodic jobs (the SLA scanner 时限扫描 every minute ...): N schedulers would
  enqueue every job N times.
* ``mqtt-N``: MQTT telemetry consumers when a broker is configured, on a shared subscription
  when there are several (each message to one of them), each with its own client id.

Every child is restarted when it exits (core.processes.Supervisor); the web server is required:
if it cannot stay up, ``serve`` exits non-zero for the service manager to see.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from core.metrics import MULTIPROC_ENV
from core.processes import ChildSpec, manage_argv
from iot.ingest.mqtt import DEFAULT_CLIENT_ID, BrokerUrl

WSGI_APP = "cityops.wsgi:application"
# gunicorn's own graceful stop stays inside the supervisor's 10 s before SIGKILL.
GRACEFUL_SECONDS = 8
# A worker that stops answering its master for this long is replaced (gthread heartbeats run
# beside the requests, so a long export does not trip it).
WORKER_TIMEOUT_SECONDS = 60
# Recycle a worker after this many requests (plus jitter) so a slow leak can never grow unbounded.
MAX_REQUESTS = 5000
MAX_REQUESTS_JITTER = 500
MAX_PROCESSES = 64  # of each kind (ServeOptions.check)


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    threads: int = 4
    consumers: int = 1
    mqtt_url: str = ""
    mqtt_consumers: int = 1
    access_log: bool = True

    def check(self) -> list[str]:
        """What is wrong with these options, one sentence each (empty when nothing)."""
        problems = []
        if not 1 <= self.port <= 65535:
            problems.append(f"port {self.port} is not between 1 and 65535")
        for name in ("workers", "threads", "consumers", "mqtt_consumers"):
            value = getattr(self, name)
            if not 1 <= value <= MAX_PROCESSES:
                problems.append(
                    f"{name.replace('_', '-')} must be between 1 and {MAX_PROCESSES}, not {value}"
                )
        return problems


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def web_argv(options: ServeOptions) -> tuple[str, ...]:
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        WSGI_APP,
        "--bind",
        bind_address(options.host, options.port),
        "--workers",
        str(options.workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(options.threads),
        "--timeout",
        str(WORKER_TIMEOUT_SECONDS),
        "--graceful-timeout",
        str(GRACEFUL_SECONDS),
        "--max-requests",
        str(MAX_REQUESTS),
        "--max-requests-jitter",
        str(MAX_REQUESTS_JITTER),
        "--error-logfile",
        "-",
        # gunicorn's control socket lives in the home directory by default: two servers on one
        # machine (the demo beside a test run) would fight over it; the supervisor is the control.
        "--no-control-socket",
        # Hooks: a recycled worker's live metrics go with it (cityops.gunicorn_conf).
        "--config",
        "python:cityops.gunicorn_conf",
    ]
    if options.access_log:
        argv += ["--access-logfile", "-"]
    return tuple(argv)


def metrics_dir() -> Path:
    """Where the children's metrics files go: PROMETHEUS_MULTIPROC_DIR, else var/metrics."""
    return Path(os.environ.get(MULTIPROC_ENV) or settings.VAR_DIR / "metrics")


def reset_metrics_dir(path: Path) -> None:
    """Empty ``path`` before the children start: files of a previous run's processes would
    otherwise be added to this run's figures (prometheus-client multiprocess mode)."""
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()


def shared_env(metrics: Path | None) -> dict[str, str]:
    """What every child shares: the metrics directory and, without Redis, a file cache so the
    web workers count throttles together (cityops.settings.cache_config)."""
    env = {MULTIPROC_ENV: str(metrics)} if metrics else {}
    if not settings.REDIS_URL and not os.environ.get("CACHE_DIR"):
        env["CACHE_DIR"] = str(Path(settings.VAR_DIR) / "cache")
    return env


def server_specs(options: ServeOptions, *, metrics: Path | None = None) -> list[ChildSpec]:
    """The children of the production profile, in start order (stopped in reverse); with
    ``metrics`` every child writes its metrics there."""
    env = shared_env(metrics)
    specs = [ChildSpec("web", web_argv(options), required=True, restart=True, env=env)]
    for n in range(1, options.consumers + 1):
        extra = () if n == 1 else ("--no-periodic",)
        argv = manage_argv("run_huey", *extra)
        specs.append(ChildSpec(f"worker-{n}", argv, restart=True, env=env))
    if options.mqtt_url:
        shared = options.mqtt_consumers > 1
        for n in range(1, options.mqtt_consumers + 1):
            # The broker URL (maybe with a password) goes by the environment, never on the
            # command line where `ps` shows it to every local user.
            argv = manage_argv("ingest_mqtt")
            argv += ("--client-id", mqtt_client_id(n))
            if shared:
                argv += ("--shared",)
            mqtt_env = {**env, "MQTT_URL": options.mqtt_url}
            specs.append(ChildSpec(f"mqtt-{n}", argv, restart=True, env=mqtt_env))
    return specs


def mqtt_client_id(n: int, base: str = DEFAULT_CLIENT_ID) -> str:
    """The client id of MQTT consumer ``n`` (from 1). The first keeps the one consumer's id, so
    its broker session (and what is queued there) carries on when more are added."""
    return base if n == 1 else f"{base}-{n}"


CONSUMERS_RECORD = "mqtt-consumers.json"  # in VAR_DIR: the MQTT consumers serve last ran


def retire_mqtt_sessions(
    url: str, keep: int, *, base: str = DEFAULT_CLIENT_ID, record: Path | None = None
) -> list[str]:
    """Drain and forget the broker sessions of consumers the last ``serve`` ran on this broker
    and group but this one will not (``MQTT_CONSUMERS`` was lowered), then record the ones this
    run starts. A retired persistent session stays a member of the shared subscription: the
    broker goes on handing it its turn at the readings, queued for nobody. Draining first takes
    what it had queued (iot.ingest.mqtt.Consumer.drain), so lowering the count loses nothing.
    Only client ids the record names are touched: a consumer this machine never ran (another
    host's) is left alone. Returns the retired ids; raises ConnectionError when the broker does
    not answer (the record is then kept, to try again on the next start)."""
    from iot.ingest.mqtt import SHARED_GROUP, Consumer

    record = record or Path(settings.VAR_DIR) / CONSUMERS_RECORD
    broker = BrokerUrl.parse(url)
    here = {
        "broker": f"{broker.host}:{broker.port}",
        "group": getattr(settings, "MQTT_SHARED_GROUP", "") or SHARED_GROUP,
        "ids": [mqtt_client_id(n, base) for n in range(1, keep + 1)],
    }
    try:
        last = json.loads(record.read_text())
    except (OSError, ValueError):
        last = {}
    retired = []
    if isinstance(last, dict) and (last.get("broker"), last.get("group")) == (
        here["broker"],
        here["group"],
    ):
        retired = [i for i in last.get("ids") or [] if isinstance(i, str) and i not in here["ids"]]
    for client_id in retired:
        Consumer(url=url, client_id=client_id, shared=True, drain=True).drain()
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(here))
    return retired
