"""``manage.py load_device_types [--reset]``: the starter device types and default alarm rules
(iot/device_types.py). Existing rows keep operators' edits unless ``--reset``; rules whose case
category was missing (catalogue loaded later) are linked now."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from catalog.models import Category
from iot import device_types
from iot.models import AlarmRule, DeviceType


class Command(BaseCommand):
    help = "Load the starter device types and their default alarm rules."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--reset", action="store_true", help="overwrite edited rows")

    def handle(self, *args, reset: bool, **options) -> None:
        with transaction.atomic():
            counts = device_types.load(
                device_type_model=DeviceType,
                rule_model=AlarmRule,
                category_model=Category,
                reset=reset,
            )
        self.stdout.write(
            f"Device types created: {counts['types']}, rules created: {counts['rules']}, "
            f"case categories linked: {counts['linked']}."
        )
