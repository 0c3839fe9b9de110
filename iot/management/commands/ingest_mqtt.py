"""``manage.py ingest_mqtt``: the long-running MQTT telemetry consumer (iot/ingest/mqtt.py).

    manage.py ingest_mqtt [--url mqtt://127.0.0.1:1883] [--client-id cityops-ingest]
                          [--shared] [--batch-size 1000] [--batch-ms 200]

SIGTERM / Ctrl-C finish the batch being written (or leave it unacknowledged) and disconnect.
Run N consumers with ``--shared`` and a distinct ``--client-id`` each.
"""

from __future__ import annotations

import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from iot.ingest import mqtt


class Command(BaseCommand):
    help = "Consume SenML telemetry from MQTT (cityops/telemetry/<device_id>, QoS 1)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--url", default=settings.MQTT_URL, help="default: MQTT_URL")
        parser.add_argument("--client-id", default=mqtt.DEFAULT_CLIENT_ID)
        parser.add_argument(
            "--shared", action="store_true", help="shared subscription: split among consumers"
        )
        parser.add_argument("--batch-size", type=int, default=mqtt.DEFAULT_BATCH_SIZE)
        parser.add_argument("--batch-ms", type=int, default=int(mqtt.DEFAULT_BATCH_WAIT * 1000))

    def handle(
        self,
        *args,
        url: str,
        client_id: str,
        shared: bool,
        batch_size: int,
        batch_ms: int,
        **options,
    ) -> None:
        if not url:
            raise CommandError("No broker: set MQTT_URL or pass --url mqtt://host:1883.")
        try:
            consumer = mqtt.Consumer(
                url=url,
                client_id=client_id,
                shared=shared,
                batch_size=batch_size,
                batch_wait=batch_ms / 1000,
            )
        except mqtt.BrokerUrlError as exc:
            raise CommandError(str(exc)) from None

        def stop(signum, frame) -> None:
            consumer.stop_event.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(
            f"Consuming {consumer.topic} from {consumer.broker.host}:{consumer.broker.port} as {client_id}"
        )
        stats = consumer.run()
        self.stdout.write(f"Stopped: {stats}")
