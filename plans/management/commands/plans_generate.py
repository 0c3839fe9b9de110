"""``manage.py plans_generate [--day YYYY-MM-DD] [--days N]``: create the work orders of planned
work (plans.scheduler) for a day (tomorrow by default) or N days from it; a rerun creates
nothing twice."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from core.dates import day_option
from plans import scheduler


class Command(BaseCommand):
    help = "Create the work orders of planned work (周期性工单) for a day."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--day", help="YYYY-MM-DD (default: tomorrow)")
        parser.add_argument("--days", type=int, default=1)

    def handle(self, *args, day=None, days: int = 1, **options) -> None:
        first = day_option(day, option="--day") if day else timezone.localdate() + timedelta(days=1)
        total = 0
        for n in range(max(1, days)):
            made = scheduler.generate(first + timedelta(days=n))
            total += made
            self.stdout.write(f"{first + timedelta(days=n)}: {made} work orders created")
        self.stdout.write(f"{total} work orders created.")
