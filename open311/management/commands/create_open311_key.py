"""``manage.py create_open311_key NAME [--rate N] [--contact TEXT]``: a new Open311 api key.

The key is printed once; only its SHA-256 digest is stored.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from open311 import services
from open311.models import DEFAULT_RATE_PER_HOUR


class Command(BaseCommand):
    help = "Create an Open311 GeoReport v2 api key and print it (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="who will use the key (an app, an integration)")
        parser.add_argument(
            "--rate",
            type=int,
            default=DEFAULT_RATE_PER_HOUR,
            help=f"service requests per hour (0 = no limit; default {DEFAULT_RATE_PER_HOUR})",
        )
        parser.add_argument("--contact", default="", help="how to reach the key's owner")

    def handle(self, *args, name: str, rate: int, contact: str, **options):
        if rate < 0:
            raise CommandError("--rate is a number of requests per hour, 0 or more.")
        try:
            client, key = services.client_create(name=name, rate_per_hour=rate, contact=contact)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Open311 api key for {client.name} (shown once, store it now):")
        self.stdout.write(key)
