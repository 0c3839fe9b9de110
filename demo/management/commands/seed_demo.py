"""``manage.py seed_demo --seed N [--cases N] [--reset | --if-empty]``: build the demo city (宁波市)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.errors import DomainError
from demo.seed_cases import DEFAULT_CASES
from demo.services import demo_exists, demo_reset, refresh_credentials, seed_demo


class Command(BaseCommand):
    help = (
        "Build the demo city (Ningbo on four real district outlines: 50 streets and towns, "
        "~110 communities, ~2,100 unit grids, departments and staff with known logins, routing rules, sensors, video "
        "cameras and sixty days of cases) and write var/demo-credentials.json. The same seed "
        "always gives the same city."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="Layout seed (default 1).")
        parser.add_argument(
            "--cases",
            type=int,
            default=DEFAULT_CASES,
            help=f"Reports over the last sixty days (default {DEFAULT_CASES}; 0 for none).",
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo city (areas, grids, departments, demo users) first.",
        )
        mode.add_argument(
            "--if-empty",
            action="store_true",
            help="If the demo city exists, do nothing but rewrite the credentials file.",
        )

    def handle(self, *args, seed: int, cases: int, reset: bool, if_empty: bool, **options) -> None:
        if cases < 0:
            raise CommandError("--cases must be 0 or more.")
        try:
            if if_empty and demo_exists():
                refresh_credentials(seed=seed, stdout=self.stdout)
                return
            # One transaction: a reset whose new seeding fails leaves the old city in place.
            with transaction.atomic():
                if reset:
                    demo_reset(seed=seed, stdout=self.stdout)
                seed_demo(seed=seed, cases=cases, stdout=self.stdout)
        except DomainError as exc:
            raise CommandError(exc.message) from None
