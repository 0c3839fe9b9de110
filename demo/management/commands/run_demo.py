"""``manage.py run_demo [--host 127.0.0.1] [--port 8000]``: run the demo until Ctrl-C.

Starts the web server (and the worker and simulator once those commands exist) as child
processes, waits until the site answers, prints the URL and the demo logins from
var/demo-credentials.json, and stops every child cleanly on Ctrl-C or SIGTERM. Exits non-zero
if the web server dies or never answers.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from demo.credentials import (
    credentials_path,
    logins_table,
    read_credentials,
    with_url,
    write_credentials,
)
from demo.processes import (
    PORT_TIMEOUT_SECONDS,
    ChildDied,
    Supervisor,
    child_specs,
    port_open,
)

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
        url = f"http://{host}:{port}/"
        if port_open(host, port):
            raise CommandError(
                f"Something already answers on {url}; stop it or choose another --port."
            )
        supervisor = Supervisor(child_specs(host=host, port=port), out=self.stdout)
        supervisor.install_signal_handlers()
        try:
            supervisor.start()
            if not supervisor.wait_for_port(host, port, timeout):
                if supervisor.stop_requested.is_set():
                    return
                raise CommandError(f"The web server did not answer on {url} within {timeout} s.")
            self._announce(url)
            supervisor.watch()
        except ChildDied as exc:
            raise CommandError(
                f"The {exc.spec.name} process died (status {exc.returncode})."
            ) from None
        finally:
            supervisor.stop()
            supervisor.restore_signal_handlers()

    def _announce(self, url: str) -> None:
        data = read_credentials()
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"CityOps demo is running at {url}"))
        if data is None:
            self.stdout.write(
                f"No {credentials_path()} yet: build the demo city with "
                "`manage.py seed_demo --seed 1`."
            )
        else:
            if data.get("url") != url:
                # The file is what scripts read: point it at where the demo really runs.
                data = with_url(data, url)
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
            self.stdout.write(f"All of this is in {credentials_path()}.")
        self.stdout.write("Press Ctrl-C to stop.")
