"""What ``run_demo`` runs: the production profile's processes (cityops.serving: gunicorn, the
huey worker with the SLA scanner, the MQTT consumer) plus the simulator pointed at the web
server, each restarted when it exits (core.processes.Supervisor).

The MQTT consumer joins when a broker answers: the one ``MQTT_URL`` names, or else a broker on
this machine's standard port (``DEMO_BROKER``), so a reading published to
``cityops/telemetry/<id>`` in the demo is stored, never silently lost. The simulator then
publishes there too.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import get_commands

from cityops.serving import ServeOptions, server_specs
from core.processes import ChildSpec, manage_argv, port_open, server_url

DEMO_BROKER = "mqtt://127.0.0.1:1883"
DEFAULT_MQTT_PORT = 1883


def broker_url(
    configured: str | None = None, *, answers: Callable[[str, int], bool] = port_open
) -> str:
    """The broker the demo uses: ``MQTT_URL`` when set and answering, else ``DEMO_BROKER`` when
    something listens there, else '' (telemetry over HTTP only)."""
    configured = settings.MQTT_URL if configured is None else configured
    for url in (configured, DEMO_BROKER):
        if not url:
            continue
        parts = urlsplit(url)
        if parts.hostname and answers(parts.hostname, parts.port or DEFAULT_MQTT_PORT):
            return url
    return ""


def child_specs(
    *,
    host: str,
    port: int,
    mqtt_url: str = "",
    available: Collection[str] | None = None,
    metrics: Path | None = None,
) -> list[ChildSpec]:
    """The demo's children: the production profile's with its defaults (gunicorn, one huey
    consumer, the MQTT consumer when ``mqtt_url``), then the simulator."""
    available = get_commands() if available is None else available
    options = ServeOptions(host=host, port=port, mqtt_url=mqtt_url, access_log=False)
    specs = server_specs(options, metrics=metrics)
    if "simulate" in available:
        argv = manage_argv("simulate", "--url", server_url(host, port))
        specs.append(ChildSpec("simulator", argv, restart=True))
    if mqtt_url:
        # Every child knows the broker: the simulator publishes there, /readyz checks it.
        specs = [replace(spec, env={**spec.env, "MQTT_URL": mqtt_url}) for spec in specs]
    return specs
