"""``manage.py compute_coverage [--date YYYY-MM-DD]``: street sweeping coverage of one local day
(default: yesterday), written to CoverageDay rows (iot.tracking.coverage)."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from iot.tracking.coverage import compute_coverage


class Command(BaseCommand):
    help = "Compute the share of each road segment the sweepers covered on one day."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", help="local date YYYY-MM-DD (default: yesterday)")

    def handle(self, *args, **options) -> None:
        raw = options.get("date")
        if raw:
            try:
                day = date.fromisoformat(raw)
            except ValueError:
                raise CommandError(f"--date {raw!r}: write YYYY-MM-DD, e.g. 2026-11-23") from None
        else:
            day = timezone.localdate() - timedelta(days=1)
        report = compute_coverage(day=day)
        self.stdout.write(
            f"{report.day}: {report.segments} segments, {report.sweepers} sweepers, "
            f"{report.points} points, mean coverage {report.mean_share:.1%}"
        )
