"""``manage.py run_demo [--host 127.0.0.1] [--port 8000]``: run the demo until Ctrl-C.

Starts what ``manage.py serve`` starts (gunicorn, the huey worker, the MQTT consumer when a
broker answers) and the simulator as child processes (demo.processes), waits until the site
answers, prints the URL and the demo logins from var/demo-credentials.json, and stops every
child cleanly on Ctrl-C or SIGTERM. A child that exits is restarted; exits non-zero if the web
server cannot stay up or never answers.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from cityops.serving import metrics_dir, reset_metrics_dir
from core.processes import PORT_TIMEOUT_SECONDS, run_supervised
from demo.credentials import (
    credentials_path,
    logins_table,
    read_credentials,
    with_url,
    write_credentials,
)
from demo.processes import broker_url, child_specs

# The terminal shows this many accounts per role; the file lists them all.
LOGINS_PER_ROLE = 5


class Command(BaseCommand):
    help = "Run the demo (web server, and worker/simulator when present) and print the logins."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, default=8000, help="Port (default 8000).")
        parser.add_argument(
            "--timeout",
            type=float,
            default=PORT_TIMEOUT_SECONDS,
            help="Seconds to wait for the web server to answer.",
        )

    def handle(self, *args, host: str, port: int, timeout: float, **options) -> None:
        mqtt_url = broker_url()
        metrics = metrics_dir()
        reset_metrics_dir(metrics)
        run_supervised(
            child_specs(host=host, port=port, mqtt_url=mqtt_url, metrics=metrics),
            host=host,
            port=port,
            timeout=timeout,
            out=self.stdout,
            announce=lambda url: self._announce(url, mqtt_url),
            label="run_demo",
        )

    def _announce(self, url: str, mqtt_url: str) -> None:
        data = read_credentials()
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"CityOps demo is running at {url}"))
        if data is None:
            self.stdout.write(
                f"No {credentials_path()} yet: build the demo city with "
                "`manage.py seed_demo --seed 1`."
            )
        else:
            # The file is what scripts read: point it at where the demo really runs.
            updated = with_url(data, url, mqtt_url=mqtt_url)
            if updated != data:
                data = updated
                write_credentials(data)
            self.stdout.write(f"Every demo password: {data.get('password')}")
            self.stdout.write(logins_table(data, per_role=LOGINS_PER_ROLE))
            token = data.get("api_token")
            if token:
                self.stdout.write(f"API token ({token['username']}): {token['header']}")
            devices = data.get("devices") or []
            if devices:
                telemetry = data.get("telemetry") or {}
                first = devices[0]
                self.stdout.write(
                    f"Sensors: {telemetry.get('devices_total', len(devices))} send SenML to "
                    f"{telemetry.get('http_endpoint', '')} (e.g. {first['id']}, "
                    f"Authorization: Bearer {first['token']})"
                )
            if mqtt_url:
                telemetry = data.get("telemetry") or {}
                self.stdout.write(
                    f"MQTT: {telemetry.get('mqtt_broker')}, topic {telemetry.get('mqtt_topic')}"
                )
            self.stdout.write(f"All of this is in {credentials_path()}.")
        self.stdout.write("Press Ctrl-C to stop.")
