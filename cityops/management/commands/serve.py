"""``manage.py serve``: the production profile in one supervised command (``make serve``).

    manage.py serve [--host 127.0.0.1] [--port 8000] [--workers 2] [--threads 4]
                    [--consumers 1] [--mqtt-consumers 1] [--no-access-log]

Runs gunicorn, the huey consumers (the SLA scanner among their periodic jobs) and, with
``MQTT_URL`` set, the MQTT telemetry consumers, each restarted when it exits
(cityops.serving). Defaults come from WEB_WORKERS, WEB_THREADS, HUEY_CONSUMERS and
MQTT_CONSUMERS. SIGTERM or Ctrl-C stops them all; a web server that cannot stay up ends the
command with status 1. Run ``manage.py migrate`` first (``make serve`` does).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cityops.serving import (
    ServeOptions,
    metrics_dir,
    reset_metrics_dir,
    retire_mqtt_sessions,
    server_specs,
)
from core.processes import PORT_TIMEOUT_SECONDS, run_supervised


class Command(BaseCommand):
    help = "Run the web server, the task consumers and the MQTT consumers, supervised."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=settings.WEB_WORKERS)
        parser.add_argument("--threads", type=int, default=settings.WEB_THREADS)
        parser.add_argument("--consumers", type=int, default=settings.HUEY_CONSUMERS)
        parser.add_argument("--mqtt-consumers", type=int, default=settings.MQTT_CONSUMERS)
        parser.add_argument(
            "--no-access-log", action="store_true", help="Do not log every request."
        )
        parser.add_argument("--timeout", type=float, default=PORT_TIMEOUT_SECONDS)

    def handle(self, *args, **opts) -> None:
        options = ServeOptions(
            host=opts["host"],
            port=opts["port"],
            workers=opts["workers"],
            threads=opts["threads"],
            consumers=opts["consumers"],
            mqtt_url=settings.MQTT_URL,
            mqtt_consumers=opts["mqtt_consumers"],
            access_log=not opts["no_access_log"],
        )
        problems = options.check()
        if problems:
            raise CommandError("; ".join(problems) + ".")
        if options.mqtt_url:
            self._retire_mqtt_sessions(options)
        metrics = metrics_dir()
        reset_metrics_dir(metrics)
        run_supervised(
            server_specs(options, metrics=metrics),
            host=options.host,
            port=options.port,
            timeout=opts["timeout"],
            out=self.stdout,
            announce=lambda url: self.stdout.write(
                self.style.SUCCESS(f"CityOps is serving at {url} (health: {url}healthz)")
            ),
        )

    def _retire_mqtt_sessions(self, options: ServeOptions) -> None:
        """Sessions of consumers no longer run are drained and leave the shared group first; a
        broker that is down now is no reason not to serve (the consumers reconnect by
        themselves)."""
        try:
            retired = retire_mqtt_sessions(options.mqtt_url, options.mqtt_consumers)
        except (ConnectionError, OSError, ValueError) as exc:
            self.stderr.write(
                f"Could not retire the sessions of MQTT consumers no longer run ({exc}); "
                "run serve again once the broker answers."
            )
            return
        if retired:
            self.stdout.write(f"Drained and retired the MQTT sessions of {', '.join(retired)}.")
