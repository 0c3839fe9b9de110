"""``manage.py signs_compute [--day DATE | --from DATE --to DATE] [--hours]``: compute the sign
index of every area for each day (default: yesterday), e.g. the past month on first install,
and with ``--hours`` each of its hours that has ended (the index "now" as it stood then; the
worker keeps hourly values for a week). The worker computes yesterday each night and each
hour as it ends."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from core.dates import day_option
from signs import measures, services
from signs.tree import active_tree


class Command(BaseCommand):
    help = "Compute the city sign index (城市运行体征) of every area for days."

    def add_arguments(self, parser):
        parser.add_argument("--day", help="one day, YYYY-MM-DD (default: yesterday)")
        parser.add_argument("--from", dest="first", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="last", help="last day, YYYY-MM-DD (default: yesterday)")
        parser.add_argument(
            "--hours", action="store_true", help="also every hour of those days that has ended"
        )

    def handle(self, *args, day=None, first=None, last=None, hours=False, **options):
        yesterday = timezone.localdate() - timedelta(days=1)
        if day and (first or last):
            raise CommandError("give --day, or --from and --to, not both")
        if first:
            start, end = (
                day_option(first, option="--from"),
                day_option(last, option="--to") if last else yesterday,
            )
        else:
            start = end = day_option(day, option="--day") if day else yesterday
        if start > end:
            raise CommandError(f"--from {start} is after --to {end}")
        if active_tree() is None:
            raise CommandError(
                "no sign tree is in use: manage.py signs_tree load --default --activate"
            )
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        units: list[tuple] = [(one, None) for one in days]
        if hours:
            now = timezone.now()
            units += [
                (one, hour)
                for one in days
                for hour in range(24)
                if measures.When.of_hour(one, hour).end <= now
            ]
        written = 0
        quiet = options.get("verbosity", 1) < 1
        for one, hour in tqdm(units, unit="period", disable=quiet or len(units) < 2):
            if hour is None:
                written += services.compute_day(one)
            else:
                written += services.compute_hour(one, hour)
        counted = len(units) - len(days)
        self.stdout.write(
            f"{written} sign values written for {len(days)} day(s), {start} to {end}"
            + (f", and {counted} hour(s)." if hours else ".")
        )
